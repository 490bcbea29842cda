// Every minute: the Docker deploy target's containers and their rows agree — slots past their rollback window are
// removed, dead replicas of releases with traffic are replaced (counted as restarts), health is probed and the
// gateway told of changes, and managed containers no row owns are removed. A cron function, so with several
// instances it runs once at a time; the app also runs one pass at start (server/main.ts).
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { reconcileContainers } from '@/server/services/containers/reconcile';
import { getRuntime } from '@/server/runtime';
import { inngest } from '../client';

/** The job on a client: the app's (below), or a test harness's with its own database. */
export function createContainersReconcile(client: Inngest, database: () => Promise<Db>) {
  return client.createFunction(
    { id: 'containers-reconcile', name: 'Containers reconcile', triggers: [{ cron: '* * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      return step.run('reconcile', async () => ({ ...(await reconcileContainers(db)) }));
    },
  );
}

export const containersReconcile = createContainersReconcile(inngest, async () => (await getRuntime()).database.db);
