// Reading triggers: the events (newest first, for every environment or one service or environment) with how their
// actions went, and the rules in force for an environment (its own or the defaults) with each one's last event.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { pipelineRuns, services, triggerEvents, type TriggerRule } from '@/db/schema';
import { invalid } from '@/server/errors';
import { triggerRulesOf } from '../checks/settings';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';

export const eventsInput = z.object({
  service: slugSchema.optional(),
  environment: slugSchema.optional(),
  limit: z.number().int().min(1, 'must be at least 1').max(200, 'must be at most 200').default(50),
  /** Events before this instant (the next page). */
  before: z.date().optional(),
});

/** Where a rule's webhook goes, as people may read it: the origin and path, never a query (it may carry a token). */
function webhookTarget(rule: TriggerRule): string | null {
  const url = rule.actions.webhook?.url;
  if (!url) return null;
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return null;
  }
}

export async function listTriggerEvents(ctx: ServiceContext, input: z.input<typeof eventsInput>) {
  requireScope(ctx, 'services:read');
  const data = eventsInput.parse(input);
  if (data.environment && !data.service) throw invalid('service', 'is required with environment');
  const where: SQL[] = [];
  if (data.service) {
    const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
    where.push(eq(triggerEvents.serviceId, service.id));
    if (data.environment) where.push(eq(triggerEvents.environmentId, (await environmentByName(ctx.db, service, data.environment)).id));
  }
  if (data.before) where.push(lt(triggerEvents.at, data.before));
  const rows = await ctx.db
    .select({ event: triggerEvents, service: services.name, runNumber: pipelineRuns.number })
    .from(triggerEvents)
    .innerJoin(services, eq(services.id, triggerEvents.serviceId))
    .leftJoin(pipelineRuns, eq(pipelineRuns.id, triggerEvents.pipelineRunId))
    .where(and(...where))
    .orderBy(desc(triggerEvents.at), desc(triggerEvents.id))
    .limit(data.limit);
  return rows.map(({ event: e, service, runNumber }) => ({
    id: e.id,
    at: e.at,
    service,
    environment: e.environment,
    ruleId: e.ruleId,
    source: e.source,
    sourceKey: e.sourceKey,
    /** The drift report that fired it (drift rules). */
    reportId: e.source === 'drift' ? e.sourceKey : null,
    releaseNumber: e.releaseNumber,
    summary: e.summary,
    notify: { state: e.notify.state, attempts: e.notify.attempts, error: e.notify.error },
    webhook: e.rule.actions.webhook ? { target: webhookTarget(e.rule), state: e.webhook.state, attempts: e.webhook.attempts, status: e.webhook.status, error: e.webhook.error, excerpt: e.webhook.excerpt ?? null } : null,
    pipeline: e.rule.actions.pipeline ? { runNumber: runNumber ?? null, error: e.pipelineError } : null,
  }));
}

export const rulesInput = z.object({ service: slugSchema, environment: slugSchema });

export async function triggerRules(ctx: ServiceContext, input: z.input<typeof rulesInput>) {
  requireScope(ctx, 'services:read');
  const data = rulesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const last = await ctx.db
    .selectDistinctOn([triggerEvents.ruleId], { ruleId: triggerEvents.ruleId, at: triggerEvents.at, summary: triggerEvents.summary })
    .from(triggerEvents)
    .where(eq(triggerEvents.environmentId, env.id))
    .orderBy(triggerEvents.ruleId, desc(triggerEvents.at));
  const lastOf = new Map(last.map((l) => [l.ruleId, { at: l.at, summary: l.summary }]));
  const isDefault = env.checks?.triggers == null;
  return {
    service: service.name,
    environment: env.name,
    isDefault,
    rules: triggerRulesOf(env).map((r) => ({ ...r, actions: { ...r.actions, webhook: r.actions.webhook ? { target: webhookTarget(r), secret: r.actions.webhook.secret } : null }, lastEvent: lastOf.get(r.id) ?? null })),
  };
}
