// The dataset side of suites and runs: a suite's dataset reference resolved to a version (a problem of the suite's
// `dataset` field when it does not resolve), and a version's cases as assertions see them, whole or a range.
import { and, asc, eq, gte, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { datasetCases, type DatasetVersion } from '@/db/schema';
import type { EvalCase } from '@/server/evals/types';
import { DomainError, invalid } from '@/server/errors';
import { casesOf, resolveDatasetVersion } from '../datasets/resolve';

export async function resolveSuiteDataset(db: Db, serviceId: string, serviceName: string, name: string, version: number | 'latest'): Promise<DatasetVersion> {
  try {
    return await resolveDatasetVersion(db, serviceId, name, version);
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'not_found') {
      throw invalid('dataset', version === 'latest' ? `${serviceName} has no dataset "${name}" with a version; push it first (slipway datasets push)` : `${serviceName} has no version ${version} of dataset "${name}"`);
    }
    throw err;
  }
}

/** Cases `from` ≤ index < `to` of a dataset version (all of them without a range), in order. */
export async function casesOfVersion(db: Db, datasetVersionId: string, range?: { from: number; to: number }): Promise<EvalCase[]> {
  if (!range) return casesOf(db, datasetVersionId);
  const rows = await db
    .select()
    .from(datasetCases)
    .where(and(eq(datasetCases.datasetVersionId, datasetVersionId), gte(datasetCases.index, range.from), lt(datasetCases.index, range.to)))
    .orderBy(asc(datasetCases.index));
  return rows.map((r) => ({ index: r.index, input: r.input, expected: r.expected, tags: r.tags, metadata: r.metadata }));
}
