// Every minute: sums new gateway telemetry into the monitoring rollups (catching up from the watermark after
// downtime) and keeps request_logs' day partitions (made ahead, dropped past the retention). A cron function, so
// with several instances it runs once per minute, on Inngest or on the embedded executor, off the request path.
import type { Inngest } from 'inngest';
import type { Db } from '@/db/client';
import { env } from '@/server/env';
import { getRuntime } from '@/server/runtime';
import { maintainPartitions } from '@/server/services/monitoring/partitions';
import { runRollups } from '@/server/services/monitoring/rollup';
import { inngest } from '../client';

export function createMonitoringRollups(client: Inngest, database: () => Promise<Db>) {
  return client.createFunction(
    { id: 'monitoring-rollups', name: 'Monitoring rollups', triggers: [{ cron: '* * * * *' }], concurrency: { limit: 1 }, retries: 1 },
    async ({ step }) => {
      const db = await database();
      // Partitions first: today's must exist before the rollups read it (and before telemetry lands in the default).
      const partitions = await step.run('partitions', () => {
        const e = env();
        return maintainPartitions(db, { requestLogDays: e.SLIPWAY_REQUEST_LOG_RETENTION_DAYS, minuteRollupDays: e.SLIPWAY_MINUTE_ROLLUP_RETENTION_DAYS, hourRollupDays: e.SLIPWAY_HOUR_ROLLUP_RETENTION_DAYS });
      });
      const rollups = await step.run('rollups', () => runRollups(db));
      return { partitions, rollups };
    },
  );
}

export const monitoringRollups = createMonitoringRollups(inngest, async () => (await getRuntime()).database.db);
