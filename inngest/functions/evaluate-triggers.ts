// Every five minutes: online-quality and feedback trigger rules are judged over their windows (a window fires
// once), then the pending actions of trigger events go out — first attempts and retries, three attempts in all.
// Drift and smoke triggers fire when their report or run is stored; their failed deliveries are retried here too.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { getRuntime } from '@/server/runtime';
import { deliverPendingActions, evaluateQualityTriggers } from '@/server/services/triggers/fire';
import { inngest } from '../client';

/** The evaluation on a client: the app's (below), or a test harness's with its own database and clock. */
export function createEvaluateTriggers(client: Inngest, database: () => Promise<Db>, clock: () => Date = () => new Date()) {
  return client.createFunction(
    { id: 'evaluate-triggers', name: 'Evaluate production-check triggers', triggers: [{ cron: '*/5 * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      await step.run('evaluate', () => evaluateQualityTriggers(db, clock()));
      await step.run('deliver', () => deliverPendingActions(db, clock()));
      return { at: clock().toISOString() };
    },
  );
}

export const evaluateTriggersFunction = createEvaluateTriggers(inngest, async () => (await getRuntime()).database.db);
