// Every minute: live answers sampled for online evals are scored with each environment's eval suite (see
// server/services/online-evals/score.ts). A cron function, so with several instances a pass runs once a minute,
// one at a time, off the request path.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { getRuntime } from '@/server/runtime';
import { runOnlineEvals } from '@/server/services/online-evals/score';
import { inngest } from '../client';

export function createOnlineEvals(client: Inngest, database: () => Promise<Db>, clock: () => Date = () => new Date()) {
  return client.createFunction(
    { id: 'online-evals', name: 'Online evals', triggers: [{ cron: '* * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      return step.run('score', () => runOnlineEvals(db, { now: clock() }));
    },
  );
}

export const onlineEvals = createOnlineEvals(inngest, async () => (await getRuntime()).database.db);
