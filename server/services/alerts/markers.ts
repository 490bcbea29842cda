// Alerts as chart markers: each alert that overlaps a chart's range, as a span from when it fired to when it
// resolved (open-ended while it fires).
import { and, asc, eq, gte, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { alerts } from '@/db/schema';
import type { Marker } from '../monitoring/types';
import { formatMeasure, OBJECTIVE_WORDS } from './words';

export async function alertMarkers(db: Db, q: { serviceId: string; environment: string; from: Date; to: Date }): Promise<Marker[]> {
  const rows = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.serviceId, q.serviceId), eq(alerts.environment, q.environment), lt(alerts.startedAt, q.to), or(isNull(alerts.endedAt), gte(alerts.endedAt, q.from))))
    .orderBy(asc(alerts.startedAt))
    .limit(500);
  return rows.map((a) => ({
    t: a.startedAt.toISOString(),
    endT: a.endedAt?.toISOString() ?? null,
    kind: 'alert',
    label: `${OBJECTIVE_WORDS[a.objective]} ${a.severity}${a.status === 'firing' ? ' (firing)' : ''}: peak ${a.peakBurnRate.toFixed(1)}× the budget, ${formatMeasure(a.objective, a.peakValue)} against ${formatMeasure(a.objective, a.objectiveValue)}`,
    actor: null,
    reason: `The ${a.rule.longWindowMinutes}-min and ${a.rule.shortWindowMinutes}-min windows both burned more than ${a.rule.burnRate}× the objective’s budget`,
    release: null,
  }));
}
