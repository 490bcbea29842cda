// Names of services, prompts, models, environments and datasets: lowercase letters, digits and single dashes.
import { z } from 'zod';

export const slugSchema = z
  .string()
  .trim()
  .min(2, 'must be at least 2 characters')
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters, digits and single dashes, starting and ending with a letter or digit');
