// One dataset with every version, newest first.
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { datasetVersions } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { datasetByName } from './shared';

export const getDatasetInput = z.object({ service: slugSchema, name: slugSchema });

export async function getDataset(ctx: ServiceContext, input: z.input<typeof getDatasetInput>) {
  requireScope(ctx, 'services:read');
  const data = getDatasetInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const dataset = await datasetByName(ctx.db, service, data.name);
  const versions = await ctx.db.select().from(datasetVersions).where(eq(datasetVersions.datasetId, dataset.id)).orderBy(desc(datasetVersions.version));
  return { ...dataset, service: service.name, versions };
}
