// Without a workflow engine (tests), a rollout runs right here: steps run at once, sleeps are timers, and waits
// for a signal poll the rollout's row for a change.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { rollouts } from '@/db/schema';
import type { RolloutWaiter } from '@/server/pipelines/execute';
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
