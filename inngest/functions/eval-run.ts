// slipway/eval-run.requested → one eval run: `begin`, a step per chunk of cases, `finish`. Every result is written
// as it is scored, so a run interrupted by a restart resumes without repeating a finished call. The work lives in
// server/evals/runner.ts.
import { failRun, orchestrateEvalRun, type EvalDurable } from '@/server/evals/runner';
import { getRuntime } from '@/server/runtime';
import { inngest } from '../client';
import { evalRunCancelledEvent, evalRunRequestedEvent } from '../events';

/** The engine's steps as the runner's durable steps. */
export const durableSteps = (step: { run: (id: string, fn: () => Promise<unknown>) => Promise<unknown> }): EvalDurable => (id, fn) => step.run(id, fn) as Promise<Awaited<ReturnType<typeof fn>>>;

export const evalRun = inngest.createFunction(
  {
    id: 'eval-run',
    name: 'Eval run',
    triggers: [evalRunRequestedEvent],
    cancelOn: [{ event: evalRunCancelledEvent, match: 'data.runId' }],
    // Failed calls are recorded as results, not thrown; what throws is infrastructure, worth a few retries.
    retries: 3,
    // One function run per eval run, however often its start is dispatched again.
    idempotency: 'event.data.runId',
    onFailure: async ({ event }) => {
      const { database } = await getRuntime();
      const runId = (event.data.event.data as { runId: string }).runId;
      await failRun(database.db, runId, `the run failed: ${event.data.error.message}`);
    },
  },
  async ({ event, step }) => {
    const { database } = await getRuntime();
    return orchestrateEvalRun(database.db, event.data.runId, durableSteps(step as never));
  },
);
