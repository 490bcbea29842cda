// Every minute: the smoke tests that came due (each environment's cron slot, recent rollbacks) run through the
// gateway, each once (its key). A cron function, so with several instances one instance runs them, one pass at a
// time, on Inngest or on the embedded executor; the instance calls the gateway on its own listener.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { getRuntime } from '@/server/runtime';
import { runDueSmokeTests } from '@/server/services/smoke/schedule';
import { inngest } from '../client';

/** The function on a client: the app's (below), or a test harness's with its own database, clock and gateway. */
export function createSmokeTests(client: Inngest, database: () => Promise<Db>, clock: () => Date = () => new Date(), gatewayOrigin?: () => string | null) {
  return client.createFunction(
    { id: 'smoke-tests', name: 'Run due smoke tests', triggers: [{ cron: '* * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      // Each slot's key is unique per environment, so a retried pass runs nothing twice.
      const runs = await step.run('run-due', () => runDueSmokeTests(db, clock(), { gatewayOrigin: gatewayOrigin?.() }));
      return { runs };
    },
  );
}

export const smokeTestsFunction = createSmokeTests(inngest, async () => (await getRuntime()).database.db);
