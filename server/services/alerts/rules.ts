// An environment's alert rules: its own, or the defaults derived from its SLOs; reading them and replacing them
// (validated as a whole, audited; `rules: null` goes back to the defaults).
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { ALERT_OBJECTIVES, ALERT_SEVERITIES, alertRules, type AlertRule, type Environment } from '@/db/schema';
import { diffValues } from '@/server/lib/diff';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { defaultRules, objectiveOf } from './burn';

/** Windows up to a week: the longest the rollups answer cheaply (hour rollups) and still an alert, not a report. */
const MAX_WINDOW_MINUTES = 10_080;

export const ruleSchema = z.object({
  objective: z.enum(ALERT_OBJECTIVES, { message: `must be one of ${ALERT_OBJECTIVES.join(', ')}` }),
  severity: z.enum(ALERT_SEVERITIES, { message: `must be one of ${ALERT_SEVERITIES.join(', ')}` }),
  longWindowMinutes: z.number().int('must be whole minutes').min(2, 'must be at least 2 minutes').max(MAX_WINDOW_MINUTES, 'must be at most a week (10080 minutes)'),
  shortWindowMinutes: z.number().int('must be whole minutes').min(1, 'must be at least 1 minute').max(MAX_WINDOW_MINUTES, 'must be at most a week (10080 minutes)'),
  burnRate: z.number().gt(0, 'must be more than 0').max(1000, 'must be at most 1000'),
  minEvents: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(1_000_000, 'must be at most 1000000'),
  enabled: z.boolean(),
}) satisfies z.ZodType<AlertRule>;

export const rulesListSchema = z
  .array(ruleSchema)
  .max(ALERT_OBJECTIVES.length * ALERT_SEVERITIES.length)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((r, i) => {
      if (r.shortWindowMinutes >= r.longWindowMinutes) ctx.addIssue({ code: 'custom', path: [i, 'shortWindowMinutes'], message: 'must be shorter than the long window' });
      const key = `${r.objective}/${r.severity}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'severity'], message: `there is already a ${r.severity} rule for ${r.objective}` });
      seen.add(key);
    });
  });

export const rulesInput = z.object({ service: slugSchema, environment: slugSchema });
export const updateRulesInput = rulesInput.extend({ rules: rulesListSchema.nullable() });

/** The rules in force for an environment, and whether they are its own. */
export async function rulesInForce(db: Db, env: Environment): Promise<{ rules: AlertRule[]; custom: { updatedBy: string; updatedAt: Date } | null }> {
  const [row] = await db.select().from(alertRules).where(eq(alertRules.environmentId, env.id));
  return row ? { rules: row.rules, custom: { updatedBy: row.updatedBy, updatedAt: row.updatedAt } } : { rules: defaultRules(env.slos), custom: null };
}

async function view(db: Db, service: string, env: Environment) {
  const { rules, custom } = await rulesInForce(db, env);
  return {
    service,
    environment: env.name,
    slos: env.slos,
    custom: custom !== null,
    updatedBy: custom?.updatedBy ?? null,
    updatedAt: custom?.updatedAt ?? null,
    // Each rule with the objective it judges now; null while that SLO is not set (the rule then never fires).
    rules: rules.map((r) => ({ ...r, objectiveValue: objectiveOf(env.slos, r.objective)?.target ?? null, budget: objectiveOf(env.slos, r.objective)?.budget ?? null })),
    defaults: defaultRules(env.slos),
  };
}

export async function getAlertRules(ctx: ServiceContext, input: z.input<typeof rulesInput>) {
  requireScope(ctx, 'services:read');
  const data = rulesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  return view(ctx.db, service.name, await environmentByName(ctx.db, service, data.environment));
}

export async function updateAlertRules(ctx: ServiceContext, input: z.input<typeof updateRulesInput>) {
  requireScope(ctx, 'environments:write');
  const data = updateRulesInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    const before = await rulesInForce(tx.db, env);
    const label = `${service.name}/${env.name}`;
    if (data.rules === null) {
      await tx.db.delete(alertRules).where(eq(alertRules.environmentId, env.id));
    } else {
      const values = { rules: data.rules, updatedBy: by(tx), updatedAt: new Date() };
      await tx.db.insert(alertRules).values({ environmentId: env.id, ...values }).onConflictDoUpdate({ target: alertRules.environmentId, set: values });
    }
    const after = data.rules ?? defaultRules(env.slos);
    const changes = diffValues({ rules: before.rules }, { rules: after });
    await recordAudit(tx, {
      action: 'alert-rules.update',
      target: { kind: 'environment', id: env.id, label },
      summary: data.rules === null ? `Alert rules of ${label} back to the defaults from its SLOs` : `Changed the alert rules of ${label} (${after.length} rule${after.length === 1 ? '' : 's'})`,
      changes: changes.length ? { rules: { from: before.rules, to: after } } : undefined,
    });
    return view(tx.db, service.name, env);
  });
}
