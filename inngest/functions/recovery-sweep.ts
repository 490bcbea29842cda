// Every minute: pipeline runs left queued and rollouts left active are dispatched again, covering a crash between
// a commit and its event (their event ids make a repeat a no-op). A cron function rather than a timer in each
// process, so with several instances the sweep runs once per minute, on Inngest or on the embedded executor.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { redispatchQueuedRuns } from '@/server/pipelines/engine';
import { redispatchActiveRollouts } from '@/server/rollouts/connect';
import { getRuntime } from '@/server/runtime';
import { inngest } from '../client';

/** The sweep on a client: the app's (below), or a test harness's with its own database. */
export function createRecoverySweep(client: Inngest, database: () => Promise<Db>) {
  return client.createFunction(
    { id: 'recovery-sweep', name: 'Recovery sweep', triggers: [{ cron: '* * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      const pipelineRuns = await step.run('pipeline-runs', () => redispatchQueuedRuns(db, 30_000));
      const rollouts = await step.run('rollouts', () => redispatchActiveRollouts(db));
      return { pipelineRuns, rollouts };
    },
  );
}

export const recoverySweep = createRecoverySweep(inngest, async () => (await getRuntime()).database.db);
