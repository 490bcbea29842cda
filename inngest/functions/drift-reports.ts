// Every five minutes: the drift reports of every environment that is due (its `everyMinutes` passed since its
// last scheduled report, and it had traffic since), all as of the instant the run's first step took. A cron
// function, so with several instances it runs once at a time, on Inngest or on the embedded executor, off the
// request path; each environment is its own step.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { getRuntime } from '@/server/runtime';
import { dueDriftEnvironments, runScheduledDrift } from '@/server/services/drift/schedule';
import { inngest } from '../client';

/** The job on a client: the app's (below), or a test harness's with its own database and clock. */
export function createDriftReports(client: Inngest, database: () => Promise<Db>, clock: () => Date = () => new Date()) {
  return client.createFunction(
    { id: 'drift-reports', name: 'Drift reports', triggers: [{ cron: '*/5 * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      // The instant is a step's result: a retry or a replay reads the memoized one, so every report of the run is
      // taken at the same `now` (computed outside a step, each invocation would compare other windows).
      const now = new Date(await step.run('now', () => clock().toISOString()));
      const due = await step.run('due', async () => dueDriftEnvironments(db, now));
      const ran = [];
      for (const env of due) ran.push(await step.run(`report ${env.label}`, () => runScheduledDrift(db, env, now)));
      return { due: due.length, ran };
    },
  );
}

export const driftReportsFunction = createDriftReports(inngest, async () => (await getRuntime()).database.db);
