// Without a workflow engine (tests), rollouts and eval runs run right here: steps run at once, sleeps are timers,
// and waits for a signal poll the rollout's row for a change.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { rollouts } from '@/db/schema';
import { orchestrateEvalRun } from '@/server/evals/runner';
import { orchestrateRun, type CandidateResolver, type Durable, type EvalWaiter, type RolloutWaiter } from '@/server/pipelines/execute';
import { orchestrateRollout } from '@/server/rollouts/orchestrate';

export const inlineRollout: (db: Db) => RolloutWaiter = (db) => async (rolloutId) => {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  await orchestrateRollout(db, rolloutId, {
    run: (_id, fn) => fn(),
    sleep: (_id, ms) => sleep(ms),
    waitForSignal: async (_id, id, ms) => {
      const [before] = await db.select({ at: rollouts.updatedAt }).from(rollouts).where(eq(rollouts.id, id));
      const until = Date.now() + ms;
      while (Date.now() < until) {
        await sleep(Math.min(200, until - Date.now()));
        const [now] = await db.select({ at: rollouts.updatedAt }).from(rollouts).where(eq(rollouts.id, id));
        if (now!.at.getTime() !== before!.at.getTime()) return;
      }
    },
  });
};

/** Eval runs a pipeline step started, scored right here. */
export const inlineEvals: (db: Db) => EvalWaiter = (db) => async (runIds) => {
  for (const id of runIds) await orchestrateEvalRun(db, id, (_id, fn) => fn());
};

/** A pipeline run driven here, with its rollouts and eval runs run inline. */
export const runPipelineHere = (db: Db, runId: string, durable: Durable = (_id, fn) => fn(), fromCommit?: CandidateResolver) =>
  orchestrateRun(db, runId, durable, fromCommit, inlineRollout(db), inlineEvals(db));
