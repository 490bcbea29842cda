// What /api/health reports: overall status, the database kind and whether it answers, the jobs engine, the version.
import { sql } from 'drizzle-orm';
import { jobsEngine } from './executor/settings';
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
    // Inngest (Cloud, self-hosted or a dev server) when its settings are present, else the embedded executor.
    jobs: { kind: jobsEngine(rt.env) },
    uptimeSeconds: Math.round((Date.now() - rt.startedAt.getTime()) / 1000),
  };
}
