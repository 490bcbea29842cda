// Every minute: every environment's SLO alert rules are evaluated on the rollups, alerts fire and resolve, and
// their notifications go out. A cron function, so with several instances the evaluation runs once per minute, one
// at a time, on Inngest or on the embedded executor.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { getRuntime } from '@/server/runtime';
import { evaluateAlerts } from '@/server/services/alerts/evaluate';
import { deliverAlertNotices } from '@/server/services/alerts/notices';
import { inngest } from '../client';

/** The evaluation on a client: the app's (below), or a test harness's with its own database and clock. */
export function createEvaluateAlerts(client: Inngest, database: () => Promise<Db>, clock: () => Date = () => new Date()) {
  return client.createFunction(
    { id: 'evaluate-alerts', name: 'Evaluate SLO alerts', triggers: [{ cron: '* * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      const evaluation = await step.run('evaluate', () => evaluateAlerts(db, { now: clock() }));
      const notices = await step.run('notify', () => deliverAlertNotices(db));
      return { evaluation, notices };
    },
  );
}

export const evaluateAlertsFunction = createEvaluateAlerts(inngest, async () => (await getRuntime()).database.db);
