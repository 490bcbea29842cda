// One evaluation of every environment's alert rules on the rollups (run every minute by the alerts cron function):
// a rule that starts burning opens one alert, a firing alert follows its peak, and one whose burn stopped — or
// whose rule, SLO or service is gone — resolves. Notifications go out afterwards (see notices.ts).
import { and, eq, isNull, max } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { alertRules, alerts, environments, monitoringWatermarks, services, type Alert, type AlertReading, type AlertRule, type Environment } from '@/db/schema';
import { windowFigures, type WindowFigures } from '../monitoring/window';
import { defaultRules, judge, objectiveOf, readWindow } from './burn';

const MINUTE = 60_000;

export interface EvaluationResult {
  at: string;
  environments: number;
  rules: number;
  fired: number;
  resolved: number;
}

/**
 * Where the windows end: the last whole minute, or earlier when the rollups have not summed that far yet, so a
 * minute still being rolled up does not read as a quiet one.
 */
export async function evaluationEnd(db: Db, now: Date): Promise<Date> {
  const minute = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const [row] = await db.select({ until: max(monitoringWatermarks.until) }).from(monitoringWatermarks);
  const until = row?.until ? Math.floor(row.until.getTime() / MINUTE) * MINUTE : minute;
  return new Date(Math.min(minute, until));
}

const keyOf = (environmentId: string, r: Pick<AlertRule, 'objective' | 'severity'>) => `${environmentId}/${r.objective}/${r.severity}`;

export async function evaluateAlerts(db: Db, opts: { now: Date }): Promise<EvaluationResult> {
  const end = await evaluationEnd(db, opts.now);
  const envs = await db
    .select({ env: environments, service: services.name, custom: alertRules.rules })
    .from(environments)
    .innerJoin(services, eq(services.id, environments.serviceId))
    .leftJoin(alertRules, eq(alertRules.environmentId, environments.id))
    .where(isNull(services.archivedAt));
  const firing = new Map((await db.select().from(alerts).where(eq(alerts.status, 'firing'))).map((a) => [keyOf(a.environmentId, a), a]));
  const result: EvaluationResult = { at: end.toISOString(), environments: 0, rules: 0, fired: 0, resolved: 0 };

  for (const { env, custom } of envs) {
    const rules = (custom ?? defaultRules(env.slos)).filter((r) => r.enabled && objectiveOf(env.slos, r.objective));
    if (!rules.length) continue;
    result.environments += 1;
    const figures = windowsOf(db, env, end);
    for (const rule of rules) {
      result.rules += 1;
      const objective = objectiveOf(env.slos, rule.objective)!;
      const longFrom = new Date(end.getTime() - rule.longWindowMinutes * MINUTE);
      const shortFrom = new Date(end.getTime() - rule.shortWindowMinutes * MINUTE);
      const verdict = judge(rule, readWindow(objective, await figures(rule.longWindowMinutes), { from: longFrom, to: end }), readWindow(objective, await figures(rule.shortWindowMinutes), { from: shortFrom, to: end }));
      const reading: AlertReading = { at: end.toISOString(), long: verdict.long, short: verdict.short };
      const key = keyOf(env.id, rule);
      const open = firing.get(key);
      firing.delete(key);
      if (verdict.firing && !open) {
        const inserted = await db
          .insert(alerts)
          .values({
            serviceId: env.serviceId,
            environmentId: env.id,
            environment: env.name,
            objective: rule.objective,
            severity: rule.severity,
            status: 'firing',
            startedAt: end,
            rule,
            objectiveValue: objective.target,
            budget: objective.budget,
            peakBurnRate: reading.long.burnRate ?? 0,
            peakValue: reading.long.value,
            peakAt: end,
            figures: { start: reading, peak: reading, last: reading },
            lastEvaluatedAt: end,
            fireNotice: 'pending',
          })
          .onConflictDoNothing()
          .returning({ id: alerts.id });
        result.fired += inserted.length;
      } else if (open && verdict.firing) {
        const peak = (reading.long.burnRate ?? 0) > open.peakBurnRate;
        await db
          .update(alerts)
          .set({
            lastEvaluatedAt: end,
            figures: { ...open.figures, last: reading, ...(peak ? { peak: reading } : {}) },
            ...(peak ? { peakBurnRate: reading.long.burnRate ?? 0, peakValue: reading.long.value, peakAt: end } : {}),
          })
          .where(eq(alerts.id, open.id));
      } else if (open) {
        result.resolved += await resolve(db, open, end, reading);
      }
    }
  }
  // Alerts whose rule no longer runs (disabled, removed, its SLO cleared, the service archived) end here too.
  for (const open of firing.values()) result.resolved += await resolve(db, open, end, open.figures.last);
  return result;
}

async function resolve(db: Db, open: Alert, end: Date, last: AlertReading): Promise<number> {
  const done = await db
    .update(alerts)
    .set({ status: 'resolved', endedAt: end, lastEvaluatedAt: end, figures: { ...open.figures, last }, resolveNotice: 'pending' })
    .where(and(eq(alerts.id, open.id), eq(alerts.status, 'firing')))
    .returning({ id: alerts.id });
  return done.length;
}

/** The environment's window figures by length, each read once per evaluation however many rules share it. */
function windowsOf(db: Db, env: Environment, end: Date): (minutes: number) => Promise<WindowFigures> {
  const cache = new Map<number, Promise<WindowFigures>>();
  return (minutes) => {
    let figures = cache.get(minutes);
    if (!figures) {
      figures = windowFigures(db, { serviceId: env.serviceId, environment: env.name, from: new Date(end.getTime() - minutes * MINUTE), to: end });
      cache.set(minutes, figures);
    }
    return figures;
  };
}
