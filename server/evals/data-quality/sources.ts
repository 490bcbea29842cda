// Where a data-quality run's rows come from: the cases of the suite's dataset version, the samples the gateway kept
// for an environment over a window (newest first up to a limit, checked oldest first), and a training dataset
// version named by a no-overlap expectation. Rows travel through the run as its cases, so they are rebuilt here.
import { and, asc, desc, eq, gte, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { datasetCases, datasets, datasetVersions, environments, requestLogs, type Json } from '@/db/schema';
import { invalid, precondition } from '@/server/errors';
import type { EvalCase } from '../types';
import type { Row } from './rows';
import { windowMs, type DataQualitySettings } from './settings';

type CaseRow = typeof datasetCases.$inferSelect;

function caseRow(c: Pick<CaseRow, 'index' | 'externalId' | 'input' | 'expected' | 'tags' | 'metadata'>, caseIndex: number): Row {
  return {
    caseIndex,
    source: 'dataset',
    label: c.externalId ?? `#${c.index + 1}`,
    value: { id: c.externalId, input: c.input as Json, expected: c.expected, tags: c.tags, metadata: c.metadata },
  };
}

async function versionCases(db: Db, datasetVersionId: string) {
  return db
    .select({ index: datasetCases.index, externalId: datasetCases.externalId, input: datasetCases.input, expected: datasetCases.expected, tags: datasetCases.tags, metadata: datasetCases.metadata })
    .from(datasetCases)
    .where(eq(datasetCases.datasetVersionId, datasetVersionId))
    .orderBy(asc(datasetCases.index));
}

/** The environment whose samples a run reads: the one named in the suite, else the one whose gate the run decides. */
async function samplesEnvironment(db: Db, serviceId: string, settings: DataQualitySettings, environmentId: string | null): Promise<string> {
  if (settings.samples.environment) {
    const [env] = await db.select({ name: environments.name }).from(environments).where(and(eq(environments.serviceId, serviceId), eq(environments.name, settings.samples.environment)));
    if (!env) throw invalid('dataQuality.samples.environment', `the service has no environment "${settings.samples.environment}"`);
    return env.name;
  }
  const [env] = environmentId ? await db.select({ name: environments.name }).from(environments).where(eq(environments.id, environmentId)) : [];
  if (!env) throw invalid('dataQuality.samples.environment', 'name the environment whose samples to check: the run decides no environment\'s gate');
  return env.name;
}

/** The run's cases: the dataset version's, then the kept samples' (a sample's input as a user message, its answer as expected). */
export async function dataQualityCases(
  db: Db,
  q: { serviceId: string; settings: DataQualitySettings; dataset: EvalCase[] | null; environmentId: string | null; asOf?: Date },
): Promise<EvalCase[]> {
  const out: EvalCase[] = [];
  if (q.settings.sources.includes('dataset')) {
    if (!q.dataset) throw invalid('dataQuality.sources', 'the suite names no dataset to check; add `dataset:` or read only samples (sources: [samples])');
    for (const c of q.dataset) out.push({ ...c, index: out.length });
  }
  if (q.settings.sources.includes('samples')) {
    const environment = await samplesEnvironment(db, q.serviceId, q.settings, q.environmentId);
    const until = q.asOf ?? new Date();
    const since = new Date(until.getTime() - windowMs(q.settings.samples.window));
    const rows = await db
      .select({ requestId: requestLogs.requestId, at: requestLogs.at, releaseNumber: requestLogs.releaseNumber, sample: requestLogs.sample })
      .from(requestLogs)
      .where(and(eq(requestLogs.serviceId, q.serviceId), eq(requestLogs.environment, environment), eq(requestLogs.shadow, false), eq(requestLogs.synthetic, false), isNotNull(requestLogs.sample), gte(requestLogs.at, since), lte(requestLogs.at, until)))
      .orderBy(desc(requestLogs.id))
      .limit(q.settings.samples.limit);
    // With nothing else to check, a run on no samples would only say so: refuse it up front, saying why.
    if (!rows.length && !out.length && q.settings.samples.minRows > 0) {
      throw precondition(`no samples kept for ${environment} in the last ${q.settings.samples.window}: set "Samples kept (%)" in its gateway settings, or widen samples.window`);
    }
    for (const s of rows.reverse()) {
      out.push({
        index: out.length,
        input: { messages: [{ role: 'user', content: s.sample!.input }] },
        expected: s.sample!.output === '' ? null : s.sample!.output,
        tags: [],
        metadata: { source: 'samples', requestId: s.requestId, environment, release: s.releaseNumber, at: s.at.toISOString() },
      });
    }
  }
  return out;
}

/** The id of a dataset version of the service, by name and number. */
export async function datasetVersionIdOf(db: Db, serviceId: string, ref: { name: string; version: number }): Promise<string | null> {
  const [version] = await db
    .select({ id: datasetVersions.id })
    .from(datasetVersions)
    .innerJoin(datasets, eq(datasets.id, datasetVersions.datasetId))
    .where(and(eq(datasets.serviceId, serviceId), eq(datasets.name, ref.name), eq(datasetVersions.version, ref.version)));
  return version?.id ?? null;
}

/** The run's cases as rows again: the dataset's first (with their ids), then the samples'. */
export async function rowsOfCases(db: Db, settings: DataQualitySettings, datasetVersionId: string | null, cases: EvalCase[]): Promise<Row[]> {
  if (settings.sources.includes('dataset') && !datasetVersionId) throw invalid('dataset', 'the suite reads its dataset but its dataset version cannot be found');
  const fromDataset = datasetVersionId && settings.sources.includes('dataset') ? await versionCases(db, datasetVersionId) : [];
  return cases.map((c, i) => {
    const own = fromDataset[i];
    if (own && i < fromDataset.length) return caseRow(own, c.index);
    const m = c.metadata;
    const input = c.input.messages?.[0]?.content ?? '';
    return {
      caseIndex: c.index,
      source: 'samples',
      label: String(m.requestId ?? `#${c.index + 1}`),
      value: { id: m.requestId ?? null, input, output: c.expected ?? '', environment: m.environment ?? null, release: m.release ?? null, at: m.at ?? null },
    };
  });
}

/** A training dataset version of the same service, as rows. */
export async function trainingRows(db: Db, serviceId: string, ref: { name: string; version: number }): Promise<Row[]> {
  const id = await datasetVersionIdOf(db, serviceId, ref);
  if (!id) throw invalid('dataQuality.expectations', `no-overlap names ${ref.name}@${ref.version}, which is not a dataset version of this service; push it first (slipway datasets push)`);
  return (await versionCases(db, id)).map((c) => caseRow(c, c.index));
}
