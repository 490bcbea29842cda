// slipway/rollout.requested → one rollout from approval to its end: every decision point is a durable step, and
// waits (approval, bakes, pauses) are waits for the rollout's signal event with a timeout, so a person's
// approve, pause, abort or rollback wakes it at once. The work lives in server/rollouts/.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { orchestrateRollout, type Flow } from '@/server/rollouts/orchestrate';
import { getRuntime } from '@/server/runtime';
import { inngest } from '../client';
import { rolloutRequestedEvent, rolloutSignalEvent } from '../events';

/** A duration the engines read: whole seconds, at least one. */
const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))}s`;

/** The workflow engine's steps as the rollout's Flow. */
export function stepFlow(step: {
  run: (id: string, fn: () => Promise<unknown>) => Promise<unknown>;
  sleep: (id: string, duration: string) => Promise<unknown>;
  waitForEvent: (id: string, opts: { event: string; match: string; timeout: string }) => Promise<unknown>;
}): Flow {
  return {
    run: (id, fn) => step.run(id, fn) as Promise<Awaited<ReturnType<typeof fn>>>,
    sleep: async (id, ms) => {
      await step.sleep(id, seconds(ms));
    },
    waitForSignal: async (id, _rolloutId, ms) => {
      await step.waitForEvent(id, { event: rolloutSignalEvent.name, match: 'data.rolloutId', timeout: seconds(ms) });
    },
  };
}

/**
 * The rollout function on a client: the app's (below), or a test harness's with its own database, so tests run
 * this very function rather than a copy of it.
 */
export function createRolloutRun(client: Inngest, database: () => Promise<Db>) {
  return client.createFunction(
    {
      id: 'rollout-run',
      name: 'Rollout',
      triggers: [rolloutRequestedEvent],
      // Decisions are recorded as rollout state, not thrown; what throws is infrastructure, worth retrying.
      retries: 5,
      // One function run per rollout, however often its start is dispatched again.
      idempotency: 'event.data.rolloutId',
    },
    async ({ event, step }) => orchestrateRollout(await database(), event.data.rolloutId, stepFlow(step as never)),
  );
}

export const rolloutRun = createRolloutRun(inngest, async () => (await getRuntime()).database.db);
