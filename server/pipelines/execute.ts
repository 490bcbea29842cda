// What a pipeline run does, step by step. The workflow function only sequences these calls (each inside a
// durable step); everything here reads and writes the run's records, so the run page shows progress live.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { pipelineDefinitions, pipelineRuns, pipelineStepRuns, releases, rollouts, services, type PipelineStepDef, type StepRunStatus } from '@/db/schema';
import { isActive } from '@/server/services/rollouts/records';
import { logger } from '@/server/logger';
import { recordAudit } from '@/server/services/audit/record';
import { withTransaction } from '@/server/services/context';
import { deployStep } from './steps/deploy';
import { buildImageStep, pushImageStep } from './steps/images';
import { loadTestStep } from './steps/load-test';
import { evalRunsOutcome, suiteGateStep } from './steps/eval';
import type { StepContext, StepOutcome } from './steps/types';
import { promptVariationsStep } from './steps/prompt-variations';
import { validateConfig } from './steps/validate-config';
import { webhookStep } from './steps/webhook';

const IMPLEMENTATIONS: Record<string, (ctx: StepContext) => Promise<StepOutcome>> = {
  'validate-config': validateConfig,
  deploy: deployStep,
  eval: suiteGateStep('eval'),
  safety: suiteGateStep('safety'),
  injection: suiteGateStep('injection'),
  'data-quality': suiteGateStep('data-quality'),
  webhook: webhookStep,
  'prompt-variations': promptVariationsStep,
  'build-image': buildImageStep,
  'push-image': pushImageStep,
  'load-test': loadTestStep,
};

export interface CandidateResolver {
  (db: Db, run: typeof pipelineRuns.$inferSelect, log: (line: string) => void): Promise<{ id: string; number: number }>;
}

async function appendLog(db: Db, stepId: string, line: string): Promise<void> {
  await db
    .update(pipelineStepRuns)
    .set({ logs: sql`${pipelineStepRuns.logs} || ${JSON.stringify([{ at: new Date().toISOString(), line }])}::jsonb` })
    .where(eq(pipelineStepRuns.id, stepId));
}

async function setStep(db: Db, runId: string, position: number, values: Partial<typeof pipelineStepRuns.$inferInsert>) {
  await db
    .update(pipelineStepRuns)
    .set(values)
    .where(and(eq(pipelineStepRuns.runId, runId), eq(pipelineStepRuns.position, position)));
}

/**
 * Writes a step's status unless its run has been cancelled, in one statement: a cancel that lands between a
 * check and a write can neither be overwritten nor let a cancelled step start. Says whether it wrote.
 */
async function setStepUnlessCancelled(db: Db, runId: string, position: number, values: Partial<typeof pipelineStepRuns.$inferInsert>): Promise<boolean> {
  const rows = await db
    .update(pipelineStepRuns)
    .set(values)
    .where(
      and(
        eq(pipelineStepRuns.runId, runId),
        eq(pipelineStepRuns.position, position),
        sql`not exists (select 1 from ${pipelineRuns} where ${pipelineRuns.id} = ${runId} and ${pipelineRuns.status} = 'cancelled')`,
      ),
    )
    .returning({ id: pipelineStepRuns.id });
  return rows.length > 0;
}

export interface RunPlan {
  runId: string;
  cancelled: boolean;
  steps: { position: number; name: string; type: string; timeoutSeconds: number; continueOnFailure: boolean }[];
}

/** Marks the run running and returns its steps in order (the definition as it was when the run started). */
export async function beginRun(db: Db, runId: string): Promise<RunPlan> {
  const [row] = await db
    .select({ run: pipelineRuns, def: pipelineDefinitions.definition })
    .from(pipelineRuns)
    .innerJoin(pipelineDefinitions, eq(pipelineDefinitions.id, pipelineRuns.definitionId))
    .where(eq(pipelineRuns.id, runId));
  if (!row) throw new Error(`pipeline run ${runId} not found`);
  if (row.run.status === 'cancelled') return { runId, cancelled: true, steps: [] };
  if (row.run.status === 'queued') {
    // Only a still-queued run starts: a cancel that landed since the read above wins.
    const started = await db
      .update(pipelineRuns)
      .set({ status: 'running', startedAt: new Date() })
      .where(and(eq(pipelineRuns.id, runId), eq(pipelineRuns.status, 'queued')))
      .returning({ id: pipelineRuns.id });
    if (!started.length) return { runId, cancelled: true, steps: [] };
  }
  const steps = row.def.stages.flatMap((s) => s.steps).map((s, i) => ({ position: i + 1, name: s.name, type: s.type, timeoutSeconds: s.timeoutSeconds, continueOnFailure: s.continueOnFailure }));
  return { runId, cancelled: false, steps };
}

/** Step 0: the release under test — an existing release, or one built from the triggering commit. */
export async function resolveCandidate(db: Db, runId: string, fromCommit?: CandidateResolver): Promise<{ status: StepRunStatus; release: { id: string; number: number } | null; error?: string }> {
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId));
  if (!run) throw new Error(`pipeline run ${runId} not found`);
  if (run.status === 'cancelled') return { status: 'cancelled', release: null };
  const [step] = await db.select().from(pipelineStepRuns).where(and(eq(pipelineStepRuns.runId, runId), eq(pipelineStepRuns.position, 0)));
  await setStep(db, runId, 0, { status: 'running', startedAt: new Date(), attempts: (step?.attempts ?? 0) + 1 });
  const log = (line: string) => void appendLog(db, step!.id, line);
  try {
    let release: { id: string; number: number };
    if (run.releaseId) {
      const [r] = await db.select({ id: releases.id, number: releases.number }).from(releases).where(eq(releases.id, run.releaseId));
      release = r!;
      await appendLog(db, step!.id, `testing the existing release #${release.number}`);
    } else if (fromCommit) {
      release = await fromCommit(db, run, log);
      await db.update(pipelineRuns).set({ releaseId: release.id }).where(eq(pipelineRuns.id, runId));
    } else {
      throw new Error('this run names a commit, but building candidates from a repository is not available in this process');
    }
    await setStep(db, runId, 0, { status: 'passed', endedAt: new Date(), outputs: { release: release.number } });
    return { status: 'passed', release };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await setStep(db, runId, 0, { status: 'failed', endedAt: new Date(), error: message });
    return { status: 'failed', release: null, error: message };
  }
}

/** How often a running step checks whether its run was cancelled. */
const CANCEL_CHECK_INTERVAL_MS = 1_000;

/** Runs one step by its position, with its timeout; records status, attempts, logs, outputs and errors. */
export async function runStep(db: Db, runId: string, position: number, release: { id: string; number: number }): Promise<{ status: StepRunStatus; error?: string; rolloutId?: string; evalRunIds?: string[] }> {
  const [row] = await db
    .select({ run: pipelineRuns, def: pipelineDefinitions.definition, service: services })
    .from(pipelineRuns)
    .innerJoin(pipelineDefinitions, eq(pipelineDefinitions.id, pipelineRuns.definitionId))
    .innerJoin(services, eq(services.id, pipelineRuns.serviceId))
    .where(eq(pipelineRuns.id, runId));
  if (!row) throw new Error(`pipeline run ${runId} not found`);
  if (row.run.status === 'cancelled') return { status: 'cancelled' };
  const def: PipelineStepDef = row.def.stages.flatMap((s) => s.steps)[position - 1]!;
  const [stepRow] = await db.select().from(pipelineStepRuns).where(and(eq(pipelineStepRuns.runId, runId), eq(pipelineStepRuns.position, position)));
  if (!(await setStepUnlessCancelled(db, runId, position, { status: 'running', startedAt: new Date(), attempts: (stepRow?.attempts ?? 0) + 1, error: null }))) return { status: 'cancelled' };
  const controller = new AbortController();
  const timeout = setTimeout(() => controller.abort('timeout'), def.timeoutSeconds * 1000);
  // A cancel is written to the database, perhaps by another process; the engine then starts no further step, and
  // this one learns of it here, so that what it does (a load test sending, a wait) stops instead of running on.
  const cancelWatch = setInterval(() => {
    db.select({ status: pipelineRuns.status })
      .from(pipelineRuns)
      .where(eq(pipelineRuns.id, runId))
      .then(
        ([r]) => r?.status === 'cancelled' && controller.abort('cancelled'),
        () => undefined, // a failed check is tried again a second later
      );
  }, CANCEL_CHECK_INTERVAL_MS);
  const ctx: StepContext = { db, run: row.run, service: row.service, step: def, release, log: (line) => void appendLog(db, stepRow!.id, line), signal: controller.signal };
  let outcome: StepOutcome;
  try {
    const impl = IMPLEMENTATIONS[def.type];
    if (!impl) throw new Error(`step type ${def.type} cannot run in this version`);
    outcome = await Promise.race([
      impl(ctx),
      new Promise<StepOutcome>((resolve) =>
        controller.signal.addEventListener('abort', () => resolve({ status: 'failed', outputs: {}, error: controller.signal.reason === 'cancelled' ? 'stopped: the run was cancelled' : `timed out after ${def.timeoutSeconds} s` })),
      ),
    ]);
  } catch (err) {
    outcome = { status: 'failed', outputs: {}, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timeout);
    clearInterval(cancelWatch);
  }
  if (outcome.error) await appendLog(db, stepRow!.id, `error: ${outcome.error}`);
  // A step that started a rollout stays running until the rollout ends (settleRolloutStep).
  if (outcome.rolloutId) {
    await setStepUnlessCancelled(db, runId, position, { outputs: outcome.outputs });
    return { status: 'running', rolloutId: outcome.rolloutId };
  }
  // Likewise a step that started eval runs, until they end (settleEvalStep).
  if (outcome.evalRunIds?.length) {
    await setStepUnlessCancelled(db, runId, position, { outputs: outcome.outputs });
    return { status: 'running', evalRunIds: outcome.evalRunIds };
  }
  // A run cancelled meanwhile keeps its cancelled steps.
  if (!(await setStepUnlessCancelled(db, runId, position, { status: outcome.status, endedAt: new Date(), outputs: outcome.outputs, error: outcome.error ?? null }))) return { status: 'cancelled' };
  return { status: outcome.status, error: outcome.error };
}

/** The end of a rollout a step started, if it ended: its status and reason. */
export async function rolloutOutcome(db: Db, rolloutId: string): Promise<{ ended: boolean; status: string; reason: string | null }> {
  const [r] = await db.select({ status: rollouts.status, reason: rollouts.reason }).from(rollouts).where(eq(rollouts.id, rolloutId));
  if (!r) throw new Error(`rollout ${rolloutId} not found`);
  return { ended: !isActive(r.status), status: r.status, reason: r.reason };
}

/** Ends a step that started a rollout: passed when the rollout succeeded, otherwise failed with its reason. */
export async function settleRolloutStep(db: Db, runId: string, position: number, rolloutId: string): Promise<{ status: StepRunStatus; error?: string }> {
  const outcome = await rolloutOutcome(db, rolloutId);
  const [stepRow] = await db.select().from(pipelineStepRuns).where(and(eq(pipelineStepRuns.runId, runId), eq(pipelineStepRuns.position, position)));
  const status: StepRunStatus = outcome.status === 'succeeded' ? 'passed' : 'failed';
  const error = status === 'failed' ? `rollout ${outcome.status.replace(/-/g, ' ')}${outcome.reason ? `: ${outcome.reason}` : ''}` : undefined;
  await appendLog(db, stepRow!.id, error ? `error: ${error}` : `rollout succeeded: ${outcome.reason ?? ''}`);
  if (!(await setStepUnlessCancelled(db, runId, position, { status, endedAt: new Date(), error: error ?? null }))) return { status: 'cancelled' };
  return { status, error };
}

/** Ends a step that started eval runs: passed when every run passed, otherwise failed naming the failing suites. */
export async function settleEvalStep(db: Db, runId: string, position: number, evalRunIds: string[]): Promise<{ status: StepRunStatus; error?: string }> {
  const outcome = await evalRunsOutcome(db, evalRunIds);
  const [stepRow] = await db.select().from(pipelineStepRuns).where(and(eq(pipelineStepRuns.runId, runId), eq(pipelineStepRuns.position, position)));
  for (const line of outcome.lines) await appendLog(db, stepRow!.id, line);
  const status: StepRunStatus = outcome.passed ? 'passed' : 'failed';
  const error = outcome.passed ? undefined : (outcome.error ?? 'the eval runs did not end');
  if (error) await appendLog(db, stepRow!.id, `error: ${error}`);
  if (!(await setStepUnlessCancelled(db, runId, position, { status, endedAt: new Date(), error: error ?? null }))) return { status: 'cancelled' };
  return { status, error };
}

/** Waits for a step's eval runs to end: the workflow engine's wait for their finished events, or an inline run. */
export type EvalWaiter = (runIds: string[], position: number) => Promise<void>;

/** Waits for a rollout to end: the workflow engine's wait for its finished event, or an inline run of it. */
export type RolloutWaiter = (rolloutId: string, position: number) => Promise<void>;

/** Ends the run: failed when a step failed that may not, otherwise passed; steps never reached are skipped. */
export async function finishRun(db: Db, runId: string): Promise<{ status: string }> {
  return withTransaction({ actor: { kind: 'system', job: 'pipeline' }, db, requestId: null }, async (tx) => {
    const [run] = await tx.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId)).for('update');
    if (!run) throw new Error(`pipeline run ${runId} not found`);
    if (run.status !== 'running' && run.status !== 'queued') return { status: run.status };
    const steps = await tx.db.select().from(pipelineStepRuns).where(eq(pipelineStepRuns.runId, runId)).orderBy(asc(pipelineStepRuns.position));
    await tx.db
      .update(pipelineStepRuns)
      .set({ status: 'skipped' })
      .where(and(eq(pipelineStepRuns.runId, runId), inArray(pipelineStepRuns.status, ['pending'])));
    const blocking = steps.find((s) => s.status === 'failed' && !s.continueOnFailure);
    const status = blocking ? 'failed' : 'passed';
    const error = blocking ? `${blocking.name}: ${blocking.error ?? 'failed'}` : null;
    await tx.db.update(pipelineRuns).set({ status, endedAt: new Date(), error }).where(eq(pipelineRuns.id, runId));
    const [service] = await tx.db.select({ name: services.name }).from(services).where(eq(services.id, run.serviceId));
    await recordAudit(
      { ...tx, actor: { kind: 'system', job: 'pipeline' } },
      { action: `pipeline.${status}`, target: { kind: 'pipeline_run', id: run.id, label: `${service!.name} run ${run.number}` }, summary: `${service!.name} pipeline run ${run.number} ${status}${error ? `: ${error}` : ''}` },
    );
    logger.info({ service: service!.name, run: run.number, status }, 'pipeline run finished');
    return { status };
  });
}

/** A durable step: the workflow engine's `step.run`, or a plain call where no engine is involved. */
export type Durable = <T>(id: string, fn: () => Promise<T>) => Promise<T>;

/** The whole run as a sequence of durable steps; completed steps are never repeated when the run resumes. */
export async function orchestrateRun(db: Db, runId: string, durable: Durable, fromCommit: CandidateResolver | undefined, waitRollout: RolloutWaiter, waitEvals: EvalWaiter): Promise<{ status: string }> {
  const plan = await durable('begin', () => beginRun(db, runId));
  if (plan.cancelled) return { status: 'cancelled' };
  const candidate = await durable('candidate', () => resolveCandidate(db, runId, fromCommit));
  if (candidate.status === 'cancelled') return { status: 'cancelled' };
  if (candidate.status === 'passed' && candidate.release) {
    for (const s of plan.steps) {
      let result = await durable(`step-${s.position}-${s.name}`, () => runStep(db, runId, s.position, candidate.release!));
      if (result.rolloutId) {
        const rolloutId = result.rolloutId;
        await waitRollout(rolloutId, s.position);
        result = await durable(`step-${s.position}-settle`, () => settleRolloutStep(db, runId, s.position, rolloutId));
      } else if (result.evalRunIds) {
        const ids = result.evalRunIds;
        await waitEvals(ids, s.position);
        result = await durable(`step-${s.position}-settle`, () => settleEvalStep(db, runId, s.position, ids));
      }
      if (result.status === 'cancelled') return { status: 'cancelled' };
      if (result.status === 'failed' && !s.continueOnFailure) break;
    }
  }
  return durable('finish', () => finishRun(db, runId));
}
