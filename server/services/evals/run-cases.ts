// The cases of a run of any suite type: the eval type's are its dataset version's (read a chunk at a time); the
// other types build theirs from the dataset, the release's prompts and their own data, whole, and a chunk takes
// its slice.
import type { Db } from '@/db/client';
import type { EvalSuiteSpec } from '@/db/schema';
import { engineOf, type CasesQuery } from '@/server/evals/kinds';
import { releasePromptsOf } from '@/server/evals/kinds/release-prompts';
import type { EvalCase } from '@/server/evals/types';
import { casesOfVersion } from './datasets';

export interface RunCasesQuery {
  serviceId: string;
  spec: EvalSuiteSpec;
  datasetVersionId: string | null;
  releaseId: string;
  environmentId: string | null;
}

/** What a suite type builds its cases from: the dataset's cases, the release's prompts. */
export async function casesQuery(db: Db, q: RunCasesQuery): Promise<CasesQuery> {
  const dataset = q.datasetVersionId ? await casesOfVersion(db, q.datasetVersionId) : [];
  return { serviceId: q.serviceId, spec: q.spec, dataset, prompts: await releasePromptsOf(db, q.releaseId), environmentId: q.environmentId };
}

export async function runCases(db: Db, q: RunCasesQuery, range?: { from: number; to: number }): Promise<EvalCase[]> {
  const engine = engineOf(q.spec);
  if (engine.type === 'eval') return q.datasetVersionId ? casesOfVersion(db, q.datasetVersionId, range) : [];
  const all = await engine.cases(db, await casesQuery(db, q));
  return range ? all.slice(range.from, range.to) : all;
}
