// A service's datasets, each with its newest version and case count.
import { asc, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { datasets, datasetVersions } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';

export const listDatasetsInput = z.object({ service: slugSchema });

export async function listDatasets(ctx: ServiceContext, input: z.input<typeof listDatasetsInput>) {
  requireScope(ctx, 'services:read');
  const data = listDatasetsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const rows = await ctx.db.select().from(datasets).where(eq(datasets.serviceId, service.id)).orderBy(asc(datasets.name));
  const versions = rows.length
    ? await ctx.db
        .select({ datasetId: datasetVersions.datasetId, version: datasetVersions.version, caseCount: datasetVersions.caseCount, source: datasetVersions.source, commitMessage: datasetVersions.commitMessage, createdBy: datasetVersions.createdBy, createdAt: datasetVersions.createdAt })
        .from(datasetVersions)
        .where(inArray(datasetVersions.datasetId, rows.map((d) => d.id)))
        .orderBy(desc(datasetVersions.version))
    : [];
  return rows.map((d) => {
    const mine = versions.filter((v) => v.datasetId === d.id);
    return { ...d, service: service.name, versionCount: mine.length, latest: mine[0] ?? null };
  });
}
