// What a prompt-variations run does, cell by cell: every case of the suite through each cell's prompts,
// parameters and model version (called as the gateway would, through the response cache), scored by the suite's
// assertions. Each case's result is written as soon as it is scored, so a resumed run skips what is done; the
// workflow function only sequences these calls as durable steps.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalResults, evalRuns, evalSuiteVersions, type EvalRun, type VariationCell } from '@/db/schema';
import { scoreCase } from '@/server/evals/assertions';
import { callPrepared, EvalCallError, prepareTarget, type PreparedTarget } from '@/server/evals/call';
import type { EvalCase } from '@/server/evals/types';
import { logger } from '@/server/logger';
import { casesOf } from '../datasets/resolve';
import { judgeFor } from './variations-judge';
import { variationCellStats } from './variations-stats';

const log = logger.child({ part: 'variations' });

async function loadRun(db: Db, runId: string): Promise<EvalRun> {
  const [run] = await db.select().from(evalRuns).where(eq(evalRuns.id, runId));
  if (!run) throw new Error(`eval run ${runId} not found`);
  if (run.kind !== 'prompt-variations' || !run.matrix) throw new Error(`eval run ${runId} is not a prompt-variations run`);
  return run;
}

const ENDED = new Set(['passed', 'failed', 'error', 'cancelled']);

/** Marks the run running (once) and lists its cells; an ended run has nothing left to do. */
export async function beginVariations(db: Db, runId: string): Promise<{ ended: boolean; cells: string[] }> {
  const run = await loadRun(db, runId);
  if (ENDED.has(run.status)) return { ended: true, cells: [] };
  if (run.status === 'queued' || !run.startedAt) {
    await db
      .update(evalRuns)
      .set({ status: 'running', startedAt: run.startedAt ?? new Date() })
      .where(and(eq(evalRuns.id, runId), inArray(evalRuns.status, ['queued', 'running'])));
  }
  return { ended: false, cells: run.matrix!.cells.map((c) => c.key) };
}

export type CellOutcome = { status: 'done'; scored: number } | { status: 'stopped'; reason: 'cancelled' | 'budget' };

/** Runs the cases of one cell not yet scored, a few at a time (the suite's concurrency). */
export async function runVariationsCell(db: Db, runId: string, key: string, opts: { signal?: AbortSignal } = {}): Promise<CellOutcome> {
  const run = await loadRun(db, runId);
  if (ENDED.has(run.status)) return { status: 'stopped', reason: 'cancelled' };
  const cell = run.matrix!.cells.find((c) => c.key === key);
  if (!cell) throw new Error(`run ${run.number} has no cell ${key}`);
  const [suite] = await db.select().from(evalSuiteVersions).where(eq(evalSuiteVersions.id, run.suiteVersionId));
  const spec = suite!.spec;
  const done = new Set(
    (await db.select({ caseIndex: evalResults.caseIndex }).from(evalResults).where(and(eq(evalResults.runId, runId), eq(evalResults.cell, key)))).map((r) => r.caseIndex),
  );
  // Variations start only on eval suites, which have a dataset.
  const todo = (await casesOf(db, suite!.datasetVersionId!)).filter((c) => !done.has(c.index));
  if (!todo.length) return { status: 'done', scored: 0 };
  const prepared = await prepareCell(db, run, cell);
  const judge = judgeFor(db, run.serviceId);
  const budget = run.budgetUsd === null ? null : Number(run.budgetUsd);
  let stopped: CellOutcome | null = null;
  let scored = 0;
  let next = 0;

  const worker = async () => {
    while (!stopped && next < todo.length) {
      const testCase = todo[next++]!;
      // Another worker, a cancel or the budget may have ended the run since the last case.
      const [now] = await db.select({ status: evalRuns.status, costUsd: evalRuns.costUsd }).from(evalRuns).where(eq(evalRuns.id, runId));
      if (!now || ENDED.has(now.status)) {
        stopped = { status: 'stopped', reason: 'cancelled' };
        return;
      }
      if (budget !== null && now.costUsd >= budget) {
        stopped = { status: 'stopped', reason: 'budget' };
        return;
      }
      await runCase(db, run, cell, prepared, testCase, spec, judge, opts.signal);
      scored++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(spec.concurrency, todo.length)) }, worker));
  return stopped ?? { status: 'done', scored };
}

async function prepareCell(db: Db, run: EvalRun, cell: VariationCell): Promise<PreparedTarget> {
  // The cell's parameters play the part of a release's config: what a release made from the cell would hold.
  return prepareTarget(db, { modelVersionId: cell.model.versionId, promptVersionIds: cell.prompts.map((p) => p.versionId), config: cell.params, serviceId: run.serviceId });
}

async function runCase(
  db: Db,
  run: EvalRun,
  cell: VariationCell,
  prepared: PreparedTarget,
  testCase: EvalCase,
  spec: typeof evalSuiteVersions.$inferSelect.spec,
  judge: ReturnType<typeof judgeFor>,
  signal?: AbortSignal,
): Promise<void> {
  let row: typeof evalResults.$inferInsert;
  let cached = false;
  try {
    const call = await callPrepared(db, prepared, testCase, { signal });
    cached = call.cached;
    const score = await scoreCase(spec.assertions, spec.threshold, testCase, call.output, { judge, signal });
    const o = call.output;
    row = { runId: run.id, caseIndex: testCase.index, arm: 'candidate', cell: cell.key, output: o.content, finishReason: o.finishReason, latencyMs: o.latencyMs, inputTokens: o.inputTokens, outputTokens: o.outputTokens, costUsd: o.costUsd, cached, assertions: score.outcomes, score: score.score, pass: score.pass };
  } catch (err) {
    if (!(err instanceof EvalCallError)) throw err;
    // A call that failed for good scores 0 on this cell; the others go on.
    row = { runId: run.id, caseIndex: testCase.index, arm: 'candidate', cell: cell.key, error: err.message, score: 0, pass: false };
  }
  const inserted = await db.insert(evalResults).values(row).onConflictDoNothing().returning({ cost: evalResults.costUsd });
  if (!inserted.length) return;
  // The run spends only what it called; a result keeps the call's price so cells compare whatever the cache did.
  await db
    .update(evalRuns)
    .set({ doneCalls: sql`${evalRuns.doneCalls} + 1`, cacheHits: sql`${evalRuns.cacheHits} + ${cached ? 1 : 0}`, costUsd: sql`${evalRuns.costUsd} + ${cached ? 0 : inserted[0]!.cost}` })
    .where(eq(evalRuns.id, run.id));
}

/**
 * Ends the run: passed when the best cell reaches the matrix's threshold (or there is none), failed otherwise;
 * error when the budget stopped it. A run that was cancelled stays cancelled.
 */
export async function finishVariations(db: Db, runId: string, stoppedBy: 'budget' | null = null): Promise<{ status: string }> {
  const run = await loadRun(db, runId);
  if (ENDED.has(run.status)) return { status: run.status };
  const cells = await variationCellStats(db, run);
  const best = cells.reduce<(typeof cells)[number] | null>((b, c) => (c.cases && (!b || c.score > b.score) ? c : b), null);
  const threshold = run.matrix!.threshold;
  let status: 'passed' | 'failed' | 'error';
  let error: string | null = null;
  if (stoppedBy === 'budget') {
    status = 'error';
    error = `stopped: the budget of $${Number(run.budgetUsd).toFixed(4)} was reached after ${run.doneCalls} of ${run.totalCalls} calls`;
  } else if (threshold !== null && (!best || best.score < threshold)) {
    status = 'failed';
    error = `the best cell${best ? ` (${best.key}, score ${best.score.toFixed(3)})` : ''} is below the threshold ${threshold}`;
  } else status = 'passed';
  const summary = best
    ? {
        cases: best.cases,
        candidate: { score: best.score, passRate: best.passRate, errors: best.errors, costUsd: best.costUsd, latencyP50Ms: best.latencyP50Ms },
        baseline: null,
        metrics: Object.entries(best.metrics).map(([metric, candidate]) => ({ metric, candidate, baseline: null, difference: null, ci95: null, wilcoxonP: null })),
        mcnemar: null,
        minDetectableRegression: null,
        verdict: { passed: status === 'passed', reasons: error ? [error] : [`best cell ${best.key}: score ${best.score.toFixed(3)}`], tooSmall: false },
      }
    : null;
  await db
    .update(evalRuns)
    .set({ status, error, summary, finishedAt: new Date() })
    .where(and(eq(evalRuns.id, runId), sql`${evalRuns.status} not in ('passed', 'failed', 'error', 'cancelled')`));
  log.info({ run: run.number, status, best: best?.key }, 'prompt-variations run finished');
  return { status };
}

/** Marks a run that could not go on (an unreachable endpoint, a refused key) as error, with the reason. */
export async function failVariations(db: Db, runId: string, message: string): Promise<void> {
  await db
    .update(evalRuns)
    .set({ status: 'error', error: message, finishedAt: new Date() })
    .where(and(eq(evalRuns.id, runId), sql`${evalRuns.status} not in ('passed', 'failed', 'error', 'cancelled')`));
}

/** A durable step: the workflow engine's `step.run`, or a plain call where no engine is involved. */
export type Durable = <T>(id: string, fn: () => Promise<T>) => Promise<T>;

/** The whole run as durable steps, one per cell; a resumed run repeats no finished cell and no scored case. */
export async function orchestrateVariations(db: Db, runId: string, durable: Durable): Promise<{ status: string }> {
  const plan = await durable('begin', () => beginVariations(db, runId));
  if (plan.ended) return { status: 'ended' };
  let stoppedBy: 'budget' | null = null;
  for (const key of plan.cells) {
    const outcome = await durable(`cell-${key}`, async () => {
      try {
        return await runVariationsCell(db, runId, key);
      } catch (err) {
        // Not retried: what throws here (a refused key, a prompt that does not render) fails every case alike.
        const message = err instanceof Error ? err.message : String(err);
        await failVariations(db, runId, `cell ${key}: ${message}`);
        return { status: 'stopped', reason: 'cancelled' } as CellOutcome;
      }
    });
    if (outcome.status === 'stopped') {
      if (outcome.reason === 'budget') stoppedBy = 'budget';
      break;
    }
  }
  return durable('finish', () => finishVariations(db, runId, stoppedBy));
}
