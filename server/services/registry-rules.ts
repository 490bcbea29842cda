// Registry rules that the UI shows as well as the server enforces. Pure and dependency-free so client
// components can import them without pulling server code into the browser bundle.
import type { ModelStatus } from '@/db/schema';

/** Labels that are protected from the moment they are first set. */
export const PROTECTED_BY_DEFAULT = new Set(['production']);

/** Where a model version may go from each status; archived is final. */
export const STATUS_TRANSITIONS: Record<ModelStatus, ModelStatus[]> = {
  registered: ['validated', 'deprecated', 'archived'],
  validated: ['deprecated', 'archived'],
  deprecated: ['validated', 'archived'],
  archived: [],
};
