// Scheduled drift reports: an environment is due when its drift checks are enabled, `everyMinutes` have passed
// since its last scheduled report, and user traffic arrived since then (an idle environment gets no new reports).
import { and, desc, eq, gte, isNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { driftReports, environments, requestLogs, services } from '@/db/schema';
import { logger } from '@/server/logger';
import { checksOf } from '../checks/settings';
import { runDriftReports } from './run';
import { liveTraffic } from './windows';

export interface DueEnvironment {
  environmentId: string;
  label: string;
}

/** The environments whose scheduled drift report is due at `now`. */
export async function dueDriftEnvironments(db: Db, now: Date = new Date()): Promise<DueEnvironment[]> {
  const rows = await db.select({ env: environments, service: services.name }).from(environments).innerJoin(services, eq(services.id, environments.serviceId)).where(isNull(services.archivedAt));
  const due: DueEnvironment[] = [];
  for (const { env, service } of rows) {
    const settings = checksOf(env).drift;
    if (!settings.enabled) continue;
    const [last] = await db
      .select({ at: driftReports.createdAt })
      .from(driftReports)
      .where(and(eq(driftReports.environmentId, env.id), eq(driftReports.trigger, 'schedule'), isNull(driftReports.releaseId)))
      .orderBy(desc(driftReports.createdAt))
      .limit(1);
    if (last && now.getTime() - last.at.getTime() < settings.everyMinutes * 60_000) continue;
    // Traffic since the last scheduled report, or within the current window when there has been none.
    const since = last ? last.at : new Date(now.getTime() - settings.currentHours * 3_600_000);
    const [traffic] = await db
      .select({ id: requestLogs.id })
      .from(requestLogs)
      .where(and(eq(requestLogs.serviceId, env.serviceId), eq(requestLogs.environment, env.name), gte(requestLogs.at, since), ...liveTraffic()))
      .limit(1);
    if (!traffic) continue;
    due.push({ environmentId: env.id, label: `${service}/${env.name}` });
  }
  return due;
}

/** One due environment's scheduled reports; a failure is stored as a failed report, never thrown. */
export async function runScheduledDrift(db: Db, due: DueEnvironment, now: Date = new Date()): Promise<{ environment: string; reports: number; statuses: string[] }> {
  try {
    const reports = await runDriftReports(db, { environmentId: due.environmentId, trigger: 'schedule', requestedBy: null, now });
    return { environment: due.label, reports: reports.length, statuses: reports.map((r) => r.status) };
  } catch (e) {
    logger.error({ err: e, environmentId: due.environmentId }, 'scheduled drift report failed');
    return { environment: due.label, reports: 0, statuses: ['error'] };
  }
}
