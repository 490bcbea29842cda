// An eval run from start to verdict, as durable steps: `begin`, then the cases in chunks (each chunk one step),
// then `finish`. Each case's result on each arm is written the moment it is scored, so a chunk that runs again
// after a crash skips what is done and no finished call is made twice. Calls go at most `concurrency` at once per
// upstream origin; the run stops when what it spent passes its budget, or when it is cancelled.
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, evalResults, evalRuns, evalSuiteVersions, gateResults, releases, type AssertionOutcome, type EvalSuiteSpec, type Json } from '@/db/schema';
import { logger } from '@/server/logger';
import { casesQuery, runCases } from '@/server/services/evals/run-cases';
import { preparedJudge, releaseCallTarget } from '@/server/services/evals/shared';
import { callPayload, caseRequest, EvalCallError, prepareTarget, type CallOptions, type PreparedTarget } from './call';
import { evalDispatcher } from '@/server/services/evals/dispatch';
import { engineOf, suiteTypeOf, type KindEngine, type KindResult } from './kinds';
import { moderateText } from './safety/moderation';
import type { AssertionContext, EvalCase, ModelOutput } from './types';

/** A durable step: run once, its result remembered across restarts. */
export type EvalDurable = <T>(id: string, fn: () => Promise<T>) => Promise<T>;

const log = logger.child({ part: 'eval-run' });

/** Cases per chunk: small enough that a crash repeats little, few enough steps for a large dataset. */
export function chunkSize(cases: number): number {
  return Math.max(10, Math.ceil(cases / 200));
}

/** How the runner calls upstreams; tests shorten the retry backoff. */
export const runnerSettings: { retry: CallOptions['retry']; statusPollMs: number } = { retry: undefined, statusPollMs: 1000 };

type Arm = 'candidate' | 'baseline';

async function loadRun(db: Db, runId: string) {
  const [row] = await db.select({ run: evalRuns, suite: evalSuiteVersions }).from(evalRuns).innerJoin(evalSuiteVersions, eq(evalSuiteVersions.id, evalRuns.suiteVersionId)).where(eq(evalRuns.id, runId));
  if (!row) throw new Error(`eval run ${runId} does not exist`);
  return { ...row, engine: engineOf(row.suite.spec) };
}

type LoadedRun = Awaited<ReturnType<typeof loadRun>>;

const casesOfRun = (db: Db, { run, suite }: LoadedRun, range?: { from: number; to: number }) =>
  runCases(db, { serviceId: run.serviceId, spec: suite.spec, datasetVersionId: suite.datasetVersionId, releaseId: run.releaseId, environmentId: run.environmentId, asOf: run.createdAt }, range);

export async function beginRun(db: Db, runId: string): Promise<{ go: boolean; status: string; chunks: number; size: number }> {
  const { run, engine } = await loadRun(db, runId);
  if (run.status !== 'queued' && run.status !== 'running') return { go: false, status: run.status, chunks: 0, size: 0 };
  await db
    .update(evalRuns)
    .set({ status: 'running', startedAt: run.startedAt ?? new Date() })
    .where(and(eq(evalRuns.id, runId), inArray(evalRuns.status, ['queued', 'running'])));
  const arms = run.baselineReleaseId ? 2 : 1;
  const cases = run.totalCalls / arms;
  // A type that calls no model decides every case in one step.
  const size = engine.callsModel ? chunkSize(cases) : Math.max(1, cases);
  return { go: true, status: 'running', chunks: Math.ceil(cases / size), size };
}

/** A counting semaphore: calls at once per upstream origin. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async take(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

const originOf = (p: PreparedTarget) => (p.target.url ? new URL(p.target.url).origin : `none:${p.target.modelVersionId}`);

interface Scored {
  caseIndex: number;
  arm: Arm;
  output: ModelOutput | null;
  cached: boolean;
  error: string | null;
  outcomes: AssertionOutcome[];
  detail: Json | null;
  score: number;
  pass: boolean;
  /** What this result cost that was not already paid for (uncached calls, the judge's included). */
  spent: number;
}

/** Writes one result and counts it on the run in one statement; says what the run has spent and whether the row was new. */
async function record(db: Db, runId: string, r: Scored) {
  const o = r.output;
  const result = await db.execute(sql`
    with ins as (
      insert into eval_results (run_id, case_index, arm, cell, output, finish_reason, latency_ms, input_tokens, output_tokens, cost_usd, cached, error, assertions, detail, score, pass)
      values (${runId}, ${r.caseIndex}, ${r.arm}, '', ${o?.content ?? null}, ${o?.finishReason ?? null}, ${o?.latencyMs ?? null}, ${o?.inputTokens ?? null}, ${o?.outputTokens ?? null}, ${o?.costUsd ?? 0},
        ${r.cached}, ${r.error}, ${JSON.stringify(r.outcomes)}::jsonb, ${r.detail === null ? null : JSON.stringify(r.detail)}::jsonb, ${r.score}, ${r.pass})
      on conflict do nothing returning 1)
    update eval_runs set
      done_calls = done_calls + (select count(*)::int from ins),
      cache_hits = cache_hits + (select count(*)::int from ins) * ${r.cached ? 1 : 0}::int,
      cost_usd = cost_usd + (select count(*)::int from ins) * ${r.spent}::float8
    where id = ${runId}
    returning cost_usd as "costUsd", budget_usd as "budgetUsd", status, done_calls as "doneCalls", total_calls as "totalCalls"`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { costUsd: number | string; budgetUsd: string | null; status: string; doneCalls: number; totalCalls: number }[];
  const row = rows[0]!;
  return { costUsd: Number(row.costUsd), budgetUsd: row.budgetUsd === null ? null : Number(row.budgetUsd), status: row.status, doneCalls: row.doneCalls, totalCalls: row.totalCalls };
}

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;

/** Ends a running run with an error (its reason), unless it has ended already. */
export async function failRun(db: Db, runId: string, reason: string): Promise<boolean> {
  const ended = await db
    .update(evalRuns)
    .set({ status: 'error', error: reason, finishedAt: new Date() })
    .where(and(eq(evalRuns.id, runId), inArray(evalRuns.status, ['queued', 'running'])))
    .returning({ id: evalRuns.id, serviceId: evalRuns.serviceId });
  if (ended[0]) await announce(runId, ended[0].serviceId, 'error', false);
  return Boolean(ended[0]);
}

async function announce(runId: string, serviceId: string, status: string, passed: boolean) {
  await evalDispatcher()
    ?.finished({ runId, serviceId, status, passed })
    .catch((err: unknown) => log.warn({ err, runId }, 'could not announce the end of an eval run'));
}

/** Runs the cases of one chunk on every arm, skipping results already written. */
export async function runChunk(db: Db, runId: string, index: number, size: number): Promise<{ stopped: boolean; status: string }> {
  const loaded = await loadRun(db, runId);
  const { run, suite, engine } = loaded;
  if (run.status !== 'running') return { stopped: true, status: run.status };
  const spec = suite.spec;
  if (!engine.callsModel) return evaluateRun(db, loaded);
  const from = index * size;
  const cases = await casesOfRun(db, loaded, { from, to: from + size });
  const done = await db
    .select({ caseIndex: evalResults.caseIndex, arm: evalResults.arm })
    .from(evalResults)
    .where(and(eq(evalResults.runId, runId), eq(evalResults.cell, ''), gte(evalResults.caseIndex, from), lt(evalResults.caseIndex, from + size)));
  const finished = new Set(done.map((d) => `${d.caseIndex}:${d.arm}`));
  const arms: { arm: Arm; prepared: PreparedTarget }[] = [{ arm: 'candidate', prepared: await preparedRelease(db, run.releaseId) }];
  if (run.baselineReleaseId) arms.push({ arm: 'baseline', prepared: await preparedRelease(db, run.baselineReleaseId) });

  const controller = new AbortController();
  let stop: { status: string } | null = null;
  const halt = (status: string) => {
    stop ??= { status };
    controller.abort(new Error(`the run ended (${status})`));
  };
  // A cancel, or a budget stop elsewhere, is noticed within a poll.
  const watcher = setInterval(() => {
    void db
      .select({ status: evalRuns.status })
      .from(evalRuns)
      .where(eq(evalRuns.id, runId))
      .then(([r]) => {
        if (r && r.status !== 'running') halt(r.status);
      })
      .catch(() => undefined);
  }, runnerSettings.statusPollMs);

  const slots = new Map<string, Slots>();
  const slotsFor = (origin: string) => {
    let s = slots.get(origin);
    if (!s) slots.set(origin, (s = new Slots(spec.concurrency)));
    return s;
  };
  const judges = new Map<string, Promise<PreparedTarget>>();
  const opts: CallOptions = { signal: controller.signal, retry: runnerSettings.retry };
  const modelVersion = (ref: string) => {
    let p = judges.get(ref);
    if (!p) judges.set(ref, (p = preparedJudge(db, run.serviceId, ref)));
    return p;
  };
  // A moderation endpoint (the safety type's optional check) is held to the same calls-at-once as any upstream.
  const moderate: AssertionContext['moderate'] = async (ref, text) => {
    const target = await modelVersion(ref);
    const release = await slotsFor(originOf(target)).take();
    try {
      return await moderateText(db, target, text, controller.signal);
    } finally {
      release();
    }
  };

  const one = async (testCase: EvalCase, arm: Arm, prepared: PreparedTarget) => {
    if (controller.signal.aborted) return;
    let spent = 0;
    const judge: AssertionContext['judge'] = async (ref, messages) => {
      const judgeTarget = await modelVersion(ref);
      const { payload, messages: sent } = caseRequest(judgeTarget, { index: testCase.index, input: { messages }, expected: null, tags: [], metadata: {} });
      const release = await slotsFor(originOf(judgeTarget)).take();
      try {
        const answer = await callPayload(db, judgeTarget, payload, sent, opts);
        if (!answer.cached) spent += answer.output.costUsd;
        return answer.output.content;
      } finally {
        release();
      }
    };
    let scored: Scored;
    const release = await slotsFor(originOf(prepared)).take();
    let answer: Awaited<ReturnType<typeof callPayload>> | null = null;
    let error: string | null = null;
    try {
      if (controller.signal.aborted) return;
      answer = await callCase(db, engine, spec, prepared, testCase, opts);
    } catch (err) {
      if (controller.signal.aborted) return;
      if (!(err instanceof EvalCallError)) throw err;
      error = err.message;
    } finally {
      release();
    }
    if (answer) {
      if (!answer.cached) spent += answer.output.costUsd;
      const score = await engine.score(spec, testCase, answer.output, { judge, moderate, signal: controller.signal });
      if (controller.signal.aborted) return;
      scored = { caseIndex: testCase.index, arm, output: answer.output, cached: answer.cached, error: null, outcomes: score.outcomes, detail: score.detail ?? null, score: score.score, pass: score.pass, spent };
    } else {
      scored = { caseIndex: testCase.index, arm, output: null, cached: false, error, outcomes: [], detail: null, score: 0, pass: false, spent };
    }
    const after = await record(db, runId, scored);
    if (after.status !== 'running') return halt(after.status);
    if (after.budgetUsd !== null && after.costUsd > after.budgetUsd) {
      const reason = `stopped: spent ${usd(after.costUsd)}, over the budget of ${usd(after.budgetUsd)}, after ${after.doneCalls} of ${after.totalCalls} calls`;
      await failRun(db, runId, reason);
      log.info({ runId, costUsd: after.costUsd, budgetUsd: after.budgetUsd }, 'eval run stopped at its budget');
      halt('error');
    }
  };

  try {
    const tasks = cases.flatMap((c) => arms.filter((a) => !finished.has(`${c.index}:${a.arm}`)).map((a) => one(c, a.arm, a.prepared)));
    const outcomes = await Promise.allSettled(tasks);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure && !controller.signal.aborted) throw failure.reason;
  } finally {
    clearInterval(watcher);
  }
  const ended = stop as { status: string } | null;
  return ended ? { stopped: true, status: ended.status } : { stopped: false, status: 'running' };
}

async function preparedRelease(db: Db, releaseId: string): Promise<PreparedTarget> {
  const [release] = await db.select().from(releases).where(eq(releases.id, releaseId));
  if (!release) throw new Error(`release ${releaseId} does not exist`);
  return prepareTarget(db, await releaseCallTarget(db, release), { id: release.id, number: release.number });
}

/** Calls the release for a case as the gateway would, with the request changed first when the suite's type says so. */
function callCase(db: Db, engine: KindEngine, spec: EvalSuiteSpec, prepared: PreparedTarget, testCase: EvalCase, opts: CallOptions) {
  const rendered = caseRequest(prepared, testCase);
  const { payload, messages } = engine.rewrite ? engine.rewrite(rendered, testCase, spec) : rendered;
  return callPayload(db, prepared, payload, messages, opts);
}

/** A type that calls no model: every case decided at once, each written as the candidate arm's result. */
async function evaluateRun(db: Db, loaded: LoadedRun): Promise<{ stopped: boolean; status: string }> {
  const { run, suite, engine } = loaded;
  const query = await casesQuery(db, { serviceId: run.serviceId, spec: suite.spec, datasetVersionId: suite.datasetVersionId, releaseId: run.releaseId, environmentId: run.environmentId, asOf: run.createdAt });
  const cases = await engine.cases(db, query);
  const verdicts = await engine.evaluate!(db, { ...query, cases });
  for (const v of verdicts) {
    const after = await record(db, run.id, { caseIndex: v.caseIndex, arm: 'candidate', output: null, cached: false, error: null, outcomes: v.outcomes, detail: v.detail ?? null, score: v.score, pass: v.pass, spent: 0 });
    if (after.status !== 'running') return { stopped: true, status: after.status };
  }
  return { stopped: false, status: 'running' };
}

const kindResult = (r: typeof evalResults.$inferSelect): KindResult => ({
  caseIndex: r.caseIndex,
  arm: r.arm,
  output: r.output,
  error: r.error,
  score: r.score,
  pass: r.pass,
  outcomes: r.assertions,
  detail: r.detail ?? null,
  costUsd: r.costUsd,
  latencyMs: r.latencyMs,
});

/** Scores the run from its results, records the verdict (and the gate result when the run decides an environment's gate). */
export async function finishRun(db: Db, runId: string): Promise<{ status: string; passed: boolean }> {
  const loaded = await loadRun(db, runId);
  const { run, suite, engine } = loaded;
  if (run.status !== 'running') return { status: run.status, passed: false };
  const rows = await db.select().from(evalResults).where(and(eq(evalResults.runId, runId), eq(evalResults.cell, ''))).orderBy(asc(evalResults.caseIndex));
  const baselineNumber = run.baselineReleaseId ? (await db.select({ number: releases.number }).from(releases).where(eq(releases.id, run.baselineReleaseId)))[0]!.number : null;
  const env = run.environmentId ? (await db.select().from(environments).where(eq(environments.id, run.environmentId)))[0] : undefined;
  const cases = await casesOfRun(db, loaded);
  const { summary, pValue } = engine.summarise({ spec: suite.spec, cases, results: rows.map(kindResult), env, baselineRelease: baselineNumber });
  const status = summary.verdict.passed ? 'passed' : 'failed';
  const ended = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(evalRuns)
      .set({ status, summary, finishedAt: new Date() })
      .where(and(eq(evalRuns.id, runId), eq(evalRuns.status, 'running')))
      .returning();
    if (!updated) return null;
    if (run.environmentId) {
      await tx.insert(gateResults).values({
        releaseId: run.releaseId,
        environmentId: run.environmentId,
        gate: suiteTypeOf(suite.spec),
        baselineReleaseId: run.baselineReleaseId,
        suiteVersionId: run.suiteVersionId,
        runId: run.id,
        passed: summary.verdict.passed,
        score: summary.candidate.score,
        baselineScore: summary.baseline?.score ?? null,
        pValue,
        reasons: summary.verdict.reasons,
      });
    }
    return updated;
  });
  if (!ended) return { status: (await loadRun(db, runId)).run.status, passed: false };
  await announce(runId, run.serviceId, status, summary.verdict.passed);
  return { status, passed: summary.verdict.passed };
}

/** The whole run: begin, every chunk, finish. Returns the run's final status. */
export async function orchestrateEvalRun(db: Db, runId: string, durable: EvalDurable): Promise<{ status: string; passed?: boolean }> {
  const begun = await durable('begin', () => beginRun(db, runId));
  if (!begun.go) return { status: begun.status };
  for (let i = 0; i < begun.chunks; i++) {
    const chunk = await durable(`chunk-${i}`, () => runChunk(db, runId, i, begun.size));
    if (chunk.stopped) return { status: chunk.status };
  }
  return durable('finish', () => finishRun(db, runId));
}

export type { EvalSuiteSpec };
