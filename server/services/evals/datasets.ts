// The dataset side of suites and runs: a suite's dataset reference resolved to a version, and a version's cases as
// assertions see them.
import { and, asc, desc, eq, gte, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { datasetCases, datasets, datasetVersions, type DatasetVersion } from '@/db/schema';
import type { EvalCase } from '@/server/evals/types';
import { invalid } from '@/server/errors';

export async function resolveSuiteDataset(db: Db, serviceId: string, serviceName: string, name: string, version: number | 'latest'): Promise<DatasetVersion> {
  const [d] = await db
    .select()
    .from(datasets)
    .where(and(eq(datasets.serviceId, serviceId), eq(datasets.name, name)))
    .limit(1);
  if (!d) throw invalid('dataset', `${serviceName} has no dataset "${name}"; push it first (slipway datasets push)`);
  const [v] = await db
    .select()
    .from(datasetVersions)
    .where(and(eq(datasetVersions.datasetId, d.id), version === 'latest' ? undefined : eq(datasetVersions.version, version)))
    .orderBy(desc(datasetVersions.version))
    .limit(1);
  if (!v) throw invalid('dataset', version === 'latest' ? `dataset "${name}" of ${serviceName} has no version yet` : `dataset "${name}" of ${serviceName} has no version ${version}`);
  return v;
}

/** Cases `from` ≤ index < `to` of a dataset version, in order. */
export async function casesOfVersion(db: Db, datasetVersionId: string, range?: { from: number; to: number }): Promise<EvalCase[]> {
  const rows = await db
    .select()
    .from(datasetCases)
    .where(and(eq(datasetCases.datasetVersionId, datasetVersionId), range ? gte(datasetCases.index, range.from) : undefined, range ? lt(datasetCases.index, range.to) : undefined))
    .orderBy(asc(datasetCases.index));
  return rows.map((r) => ({ index: r.index, input: r.input, expected: r.expected, tags: r.tags, metadata: r.metadata }));
}
