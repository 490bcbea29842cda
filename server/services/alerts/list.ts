// Alert history: alerts firing now and those that ended, newest first, for every environment or one service or
// environment, with the figures of their windows.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { alerts, services } from '@/db/schema';
import { invalid } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { alertSubject } from './message';

export const listAlertsInput = z.object({
  service: slugSchema.optional(),
  environment: slugSchema.optional(),
  status: z.enum(['firing', 'resolved', 'all']).default('all'),
  limit: z.number().int().min(1).max(200).default(50),
  /** Alerts that started before this instant (the next page). */
  before: z.date().optional(),
});

export async function listAlerts(ctx: ServiceContext, input: z.input<typeof listAlertsInput>) {
  requireScope(ctx, 'services:read');
  const data = listAlertsInput.parse(input);
  if (data.environment && !data.service) throw invalid('service', 'is required with environment');
  const where: SQL[] = [];
  if (data.service) {
    const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
    where.push(eq(alerts.serviceId, service.id));
    if (data.environment) where.push(eq(alerts.environmentId, (await environmentByName(ctx.db, service, data.environment)).id));
  }
  if (data.status !== 'all') where.push(eq(alerts.status, data.status));
  if (data.before) where.push(lt(alerts.startedAt, data.before));
  const rows = await ctx.db
    .select({ alert: alerts, service: services.name })
    .from(alerts)
    .innerJoin(services, eq(services.id, alerts.serviceId))
    .where(and(...where))
    .orderBy(desc(alerts.startedAt), desc(alerts.id))
    .limit(data.limit);
  return rows.map(({ alert: a, service }) => ({
    id: a.id,
    service,
    environment: a.environment,
    objective: a.objective,
    severity: a.severity,
    status: a.status,
    subject: alertSubject(a),
    startedAt: a.startedAt,
    endedAt: a.endedAt,
    rule: a.rule,
    objectiveValue: a.objectiveValue,
    budget: a.budget,
    peakBurnRate: a.peakBurnRate,
    peakValue: a.peakValue,
    peakAt: a.peakAt,
    figures: a.figures,
    acknowledgedBy: a.acknowledgedBy,
    acknowledgedAt: a.acknowledgedAt,
    notices: { fire: a.fireNotice, resolve: a.resolveNotice, error: a.noticeError },
  }));
}
