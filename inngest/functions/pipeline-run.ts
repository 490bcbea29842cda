// slipway/pipeline.requested → one pipeline run: each of its steps is a durable step, so a run interrupted by a
// restart resumes where it stopped. The work itself lives in server/pipelines/execute.ts.
import { resolveCommitCandidate } from '@/server/pipelines/engine';
import { orchestrateRun, rolloutOutcome, type Durable, type EvalWaiter, type RolloutWaiter } from '@/server/pipelines/execute';
import { evalRunsOutcome } from '@/server/pipelines/steps/eval';
import { backoff } from '@/server/rollouts/orchestrate';
import { getRuntime } from '@/server/runtime';
import { inngest } from '../client';
import { evalRunFinishedEvent, pipelineCancelledEvent, pipelineRequestedEvent, rolloutFinishedEvent } from '../events';

export const pipelineRun = inngest.createFunction(
  {
    id: 'pipeline-run',
    name: 'Pipeline run',
    triggers: [pipelineRequestedEvent],
    cancelOn: [{ event: pipelineCancelledEvent, match: 'data.runId' }],
    // Step failures are recorded as results, not thrown; what throws is infrastructure, worth a few retries.
    retries: 3,
    // One run at a time per service, in the order they were requested, so deploys cannot overtake each other.
    concurrency: { limit: 1, key: 'event.data.serviceId' },
  },
  async ({ event, step }) => {
    const { database } = await getRuntime();
    const durable: Durable = (id, fn) => step.run(id, fn) as Promise<Awaited<ReturnType<typeof fn>>>;
    // A deploy step's rollout runs as its own function; the run waits for its end (looking again now and then,
    // in case the finished event went out before the wait began).
    const waitRollout: RolloutWaiter = async (rolloutId, position) => {
      for (let i = 0; ; i++) {
        const state = await step.run(`step-${position}-rollout-${i}`, () => rolloutOutcome(database.db, rolloutId));
        if (state.ended) return;
        await step.waitForEvent(`step-${position}-rollout-wait-${i}`, { event: rolloutFinishedEvent, if: `async.data.rolloutId == '${rolloutId}'`, timeout: `${Math.ceil(backoff(i, 10 * 60_000) / 1000)}s` });
      }
    };
    // An eval step's runs are functions of their own too: wait for each one's finished event, looking again now
    // and then in the same way.
    const waitEvals: EvalWaiter = async (runIds, position) => {
      for (const [n, runId] of runIds.entries()) {
        for (let i = 0; ; i++) {
          const state = await step.run(`step-${position}-eval-${n}-${i}`, () => evalRunsOutcome(database.db, [runId]));
          if (state.ended) break;
          await step.waitForEvent(`step-${position}-eval-wait-${n}-${i}`, { event: evalRunFinishedEvent, if: `async.data.runId == '${runId}'`, timeout: `${Math.ceil(backoff(i, 10 * 60_000) / 1000)}s` });
        }
      }
    };
    return orchestrateRun(database.db, event.data.runId, durable, resolveCommitCandidate, waitRollout, waitEvals);
  },
);
