// Reading eval suites and runs: suites with their newest version, a suite's versions, runs newest first, one run
// with its progress and summary, and a run's cases with both arms side by side.
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { datasetCases, environments, evalResults, evalRuns, evalSuites, evalSuiteVersions, releases, type EvalResult, type EvalRun, type EvalSuiteSpec } from '@/db/schema';
import { suiteTypeOf } from '@/server/evals/kinds';
import { notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { runCases as casesOfRun } from './run-cases';
import { runByNumber, suiteByName } from './shared';

export const listSuitesInput = z.object({ service: slugSchema });

export async function listSuites(ctx: ServiceContext, input: z.input<typeof listSuitesInput>) {
  requireScope(ctx, 'services:read');
  const service = await serviceByName(ctx.db, listSuitesInput.parse(input).service, { allowArchived: true });
  const suites = await ctx.db.select().from(evalSuites).where(eq(evalSuites.serviceId, service.id)).orderBy(asc(evalSuites.name));
  if (!suites.length) return [];
  const latest = await ctx.db
    .selectDistinctOn([evalSuiteVersions.suiteId])
    .from(evalSuiteVersions)
    .where(
      inArray(
        evalSuiteVersions.suiteId,
        suites.map((s) => s.id),
      ),
    )
    .orderBy(evalSuiteVersions.suiteId, desc(evalSuiteVersions.version));
  const byId = new Map(latest.map((v) => [v.suiteId, v]));
  return suites.map((s) => {
    const v = byId.get(s.id);
    return { name: s.name, type: v ? suiteTypeOf(v.spec) : 'eval', createdBy: s.createdBy, createdAt: s.createdAt, version: v?.version ?? 0, description: v?.spec.description ?? '', dataset: v?.spec.dataset ?? null, environments: v?.spec.environments ?? null, assertions: v?.spec.assertions.length ?? 0, updatedAt: v?.createdAt ?? s.createdAt };
  });
}

export const getSuiteInput = z.object({ service: slugSchema, name: slugSchema, version: z.number().int().positive().optional() });

export async function getSuite(ctx: ServiceContext, input: z.input<typeof getSuiteInput>) {
  requireScope(ctx, 'services:read');
  const data = getSuiteInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const suite = await suiteByName(ctx.db, service, data.name);
  const versions = await ctx.db
    .select({ version: evalSuiteVersions.version, createdBy: evalSuiteVersions.createdBy, createdAt: evalSuiteVersions.createdAt, dataset: sql<string | null>`${evalSuiteVersions.spec}->'dataset'->>'name'`, datasetVersion: sql<number | null>`(${evalSuiteVersions.spec}->'dataset'->>'version')::int` })
    .from(evalSuiteVersions)
    .where(eq(evalSuiteVersions.suiteId, suite.id))
    .orderBy(desc(evalSuiteVersions.version));
  const wanted = data.version ?? versions[0]?.version;
  const [current] = wanted
    ? await ctx.db
        .select()
        .from(evalSuiteVersions)
        .where(and(eq(evalSuiteVersions.suiteId, suite.id), eq(evalSuiteVersions.version, wanted)))
    : [];
  if (data.version && !current) throw notFound(`Version ${data.version} of eval suite "${suite.name}"`);
  return { service: service.name, name: suite.name, createdBy: suite.createdBy, createdAt: suite.createdAt, current: current ?? null, versions };
}

export const listRunsInput = z.object({
  service: slugSchema,
  release: z.number().int().positive().optional(),
  suite: slugSchema.optional(),
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** A run as people and scripts see it: numbers and names instead of ids. */
async function describeRuns(ctx: ServiceContext, service: { id: string; name: string }, runs: EvalRun[]) {
  if (!runs.length) return [];
  const releaseIds = [...new Set(runs.flatMap((r) => [r.releaseId, ...(r.baselineReleaseId ? [r.baselineReleaseId] : [])]))];
  const rels = await ctx.db.select({ id: releases.id, number: releases.number }).from(releases).where(inArray(releases.id, releaseIds));
  const relNo = new Map(rels.map((r) => [r.id, r.number]));
  const versionIds = [...new Set(runs.map((r) => r.suiteVersionId))];
  const vs = await ctx.db
    .select({ id: evalSuiteVersions.id, version: evalSuiteVersions.version, suite: evalSuites.name })
    .from(evalSuiteVersions)
    .innerJoin(evalSuites, eq(evalSuites.id, evalSuiteVersions.suiteId))
    .where(inArray(evalSuiteVersions.id, versionIds));
  const suiteOf = new Map(vs.map((v) => [v.id, { name: v.suite, version: v.version }]));
  const envIds = [...new Set(runs.flatMap((r) => (r.environmentId ? [r.environmentId] : [])))];
  const envs = envIds.length ? await ctx.db.select({ id: environments.id, name: environments.name }).from(environments).where(inArray(environments.id, envIds)) : [];
  const envName = new Map(envs.map((e) => [e.id, e.name]));
  return runs.map((r) => ({
    id: r.id,
    number: r.number,
    service: service.name,
    kind: r.kind,
    status: r.status,
    suite: suiteOf.get(r.suiteVersionId) ?? null,
    release: relNo.get(r.releaseId)!,
    baseline: r.baselineReleaseId ? (relNo.get(r.baselineReleaseId) ?? null) : null,
    environment: r.environmentId ? (envName.get(r.environmentId) ?? null) : null,
    pipelineRunId: r.pipelineRunId,
    estimate: r.estimate,
    budgetUsd: r.budgetUsd === null ? null : Number(r.budgetUsd),
    progress: { totalCalls: r.totalCalls, doneCalls: r.doneCalls, cacheHits: r.cacheHits, costUsd: r.costUsd },
    summary: r.summary,
    error: r.error,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  }));
}
export type EvalRunView = Awaited<ReturnType<typeof describeRuns>>[number];

export async function listRuns(ctx: ServiceContext, input: z.input<typeof listRunsInput>) {
  requireScope(ctx, 'services:read');
  const data = listRunsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const [release] = data.release ? await ctx.db.select({ id: releases.id }).from(releases).where(and(eq(releases.serviceId, service.id), eq(releases.number, data.release))) : [];
  if (data.release && !release) return { items: [], nextCursor: null };
  const suiteVersionIds = data.suite
    ? (
        await ctx.db
          .select({ id: evalSuiteVersions.id })
          .from(evalSuiteVersions)
          .innerJoin(evalSuites, eq(evalSuites.id, evalSuiteVersions.suiteId))
          .where(and(eq(evalSuites.serviceId, service.id), eq(evalSuites.name, data.suite)))
      ).map((v) => v.id)
    : null;
  if (suiteVersionIds && !suiteVersionIds.length) return { items: [], nextCursor: null };
  const rows = await ctx.db
    .select()
    .from(evalRuns)
    .where(
      and(
        eq(evalRuns.serviceId, service.id),
        release ? eq(evalRuns.releaseId, release.id) : undefined,
        suiteVersionIds ? inArray(evalRuns.suiteVersionId, suiteVersionIds) : undefined,
        data.cursor ? lt(evalRuns.number, data.cursor) : undefined,
      ),
    )
    .orderBy(desc(evalRuns.number))
    .limit(data.limit + 1);
  const items = await describeRuns(ctx, service, rows.slice(0, data.limit));
  return { items, nextCursor: rows.length > data.limit ? items[items.length - 1]!.number : null };
}

export const getRunInput = z.object({ service: slugSchema, number: z.number().int().positive() });

export async function getRun(ctx: ServiceContext, input: z.input<typeof getRunInput>) {
  requireScope(ctx, 'services:read');
  const data = getRunInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const run = await runByNumber(ctx.db, service, data.number);
  const [view] = await describeRuns(ctx, service, [run]);
  return view!;
}

export const runCasesInput = z.object({
  service: slugSchema,
  number: z.number().int().positive(),
  /** Only cases the candidate scored lower than the baseline (or failed where the baseline passed). */
  regressionsOnly: z.boolean().default(false),
  /** Text in the case's input, expected answer, external id or either output. */
  search: z.string().trim().max(200).optional(),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(200).default(50),
});

/** A run's cases with the id a person knows them by: the dataset's for eval, the case's own (an attack's) for the other types. */
async function casesWithIds(ctx: ServiceContext, run: EvalRun, version: { datasetVersionId: string | null; spec: EvalSuiteSpec }) {
  if (suiteTypeOf(version.spec) === 'eval') {
    if (!version.datasetVersionId) return [];
    return ctx.db.select().from(datasetCases).where(eq(datasetCases.datasetVersionId, version.datasetVersionId)).orderBy(asc(datasetCases.index));
  }
  const cases = await casesOfRun(ctx.db, { serviceId: run.serviceId, spec: version.spec, datasetVersionId: version.datasetVersionId, releaseId: run.releaseId, environmentId: run.environmentId, asOf: run.createdAt });
  return cases.map((c) => ({ ...c, externalId: typeof c.metadata.id === 'string' ? c.metadata.id : null }));
}

export async function runCases(ctx: ServiceContext, input: z.input<typeof runCasesInput>) {
  requireScope(ctx, 'services:read');
  const data = runCasesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const run = await runByNumber(ctx.db, service, data.number);
  const [version] = await ctx.db.select({ datasetVersionId: evalSuiteVersions.datasetVersionId, spec: evalSuiteVersions.spec }).from(evalSuiteVersions).where(eq(evalSuiteVersions.id, run.suiteVersionId));
  const cases = await casesWithIds(ctx, run, version!);
  const results = await ctx.db.select().from(evalResults).where(and(eq(evalResults.runId, run.id), eq(evalResults.cell, '')));
  const byCase = new Map<number, { candidate: EvalResult | null; baseline: EvalResult | null }>();
  for (const r of results) {
    const entry = byCase.get(r.caseIndex) ?? { candidate: null, baseline: null };
    entry[r.arm] = r;
    byCase.set(r.caseIndex, entry);
  }
  const needle = data.search?.toLowerCase();
  const rows = cases
    .map((c) => ({ caseIndex: c.index, externalId: c.externalId, input: c.input, expected: c.expected, tags: c.tags, candidate: byCase.get(c.index)?.candidate ?? null, baseline: byCase.get(c.index)?.baseline ?? null }))
    .filter((row) => {
      if (data.regressionsOnly) {
        const { candidate, baseline } = row;
        if (!candidate || !baseline) return false;
        if (!(candidate.score < baseline.score || (!candidate.pass && baseline.pass))) return false;
      }
      if (needle) {
        const hay = [JSON.stringify(row.input), row.expected ?? '', row.externalId ?? '', row.candidate?.output ?? '', row.baseline?.output ?? ''].join('\n').toLowerCase();
        if (!hay.includes(needle)) return false;
      }
      return true;
    });
  return { total: rows.length, cases: rows.slice(data.offset, data.offset + data.limit) };
}
