// What /api/health reports: overall status, the database kind and whether it answers, the jobs engine, the version.
import { sql } from 'drizzle-orm';
import type { Runtime } from './runtime';
import { appVersion } from './version';

export async function healthReport(rt: Runtime) {
  const started = performance.now();
  let answers = false;
  try {
    await rt.database.db.execute(sql`select 1`);
    answers = true;
  } catch {
    answers = false;
  }
  return {
    status: answers ? ('ok' as const) : ('degraded' as const),
    version: appVersion(),
    database: { kind: rt.database.kind, ok: answers, latencyMs: Math.round((performance.now() - started) * 100) / 100 },
    // The embedded executor is the only engine until Inngest settings are supported.
    jobs: { kind: 'embedded' as const },
    uptimeSeconds: Math.round((Date.now() - rt.startedAt.getTime()) / 1000),
  };
}
