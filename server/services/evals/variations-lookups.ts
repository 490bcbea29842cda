// The lookups prompt-variations runs need: a suite version by `name[@version]`, a release or run by number, and
// the cases of a dataset version in order.
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { datasetCases, evalRuns, evalSuites, evalSuiteVersions, releases, type EvalRun, type EvalSuiteVersion, type Release, type Service } from '@/db/schema';
import type { EvalCase } from '@/server/evals/types';
import { invalid, notFound } from '@/server/errors';

export async function suiteVersionByRef(db: Db, service: Service, text: string, field = 'suite'): Promise<EvalSuiteVersion & { name: string }> {
  const [name, version] = text.split('@');
  const [suite] = await db
    .select()
    .from(evalSuites)
    .where(and(eq(evalSuites.serviceId, service.id), eq(evalSuites.name, name!)))
    .limit(1);
  if (!suite) throw invalid(field, `${service.name} has no eval suite "${name}"`);
  const [v] = await db
    .select()
    .from(evalSuiteVersions)
    .where(and(eq(evalSuiteVersions.suiteId, suite.id), version ? eq(evalSuiteVersions.version, Number(version)) : undefined))
    .orderBy(desc(evalSuiteVersions.version))
    .limit(1);
  if (!v) throw invalid(field, version ? `eval suite "${name}" has no version ${version}` : `eval suite "${name}" has no version yet`);
  return { ...v, name: suite.name };
}

export async function releaseNumbered(db: Db, service: Service, number: number, field = 'release'): Promise<Release> {
  const [r] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.serviceId, service.id), eq(releases.number, number)))
    .limit(1);
  if (!r) throw invalid(field, `${service.name} has no release #${number}`);
  return r;
}

export async function evalRunNumbered(db: Db, service: Service, number: number): Promise<EvalRun> {
  const [run] = await db
    .select()
    .from(evalRuns)
    .where(and(eq(evalRuns.serviceId, service.id), eq(evalRuns.number, number)))
    .limit(1);
  if (!run) throw notFound(`Eval run ${number} of ${service.name}`);
  return run;
}

export async function casesOfDatasetVersion(db: Db, datasetVersionId: string): Promise<EvalCase[]> {
  const rows = await db.select().from(datasetCases).where(eq(datasetCases.datasetVersionId, datasetVersionId)).orderBy(asc(datasetCases.index));
  return rows.map((r) => ({ index: r.index, input: r.input, expected: r.expected, tags: r.tags, metadata: r.metadata }));
}
