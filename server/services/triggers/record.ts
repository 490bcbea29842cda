// Records a firing: one trigger event per (environment, rule, source key) — a second firing of the same key finds
// it and changes nothing; within the rule's cooldown after it fired, another key is quiet too — with its audit event (actor system) and, when the rule asks, the pipeline run it
// starts, all in one transaction. Notifications and webhooks are sent afterwards (deliver.ts).
import { and, desc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, services, triggerEvents, type ActionState, type Environment, type Json, type Service, type TriggerRule } from '@/db/schema';
import { logger } from '@/server/logger';
import { recordAudit } from '../audit/record';
import { cooldownHoursOf } from '../checks/settings';
import { runAfterCommit, type ServiceContext } from '../context';
import { startRun } from '../pipelines/start';
import type { TriggerData } from './message';
import { summaryOf } from './message';

export const TRIGGER_ACTOR = { kind: 'system' as const, job: 'triggers' };

export interface Target {
  env: Environment;
  service: Service;
}

export interface Firing {
  rule: TriggerRule;
  sourceKey: string;
  releaseNumber: number | null;
  data: TriggerData;
}

export const noAction = (): ActionState => ({ state: 'none', attempts: 0, status: null, error: null });
const pendingAction = (): ActionState => ({ state: 'pending', attempts: 0, status: null, error: null });

/** The environment (with its service) a check ran for; null when either is gone or the service is archived. */
export async function targetOf(db: Db, environmentId: string): Promise<Target | null> {
  const [row] = await db.select({ env: environments, service: services }).from(environments).innerJoin(services, eq(services.id, environments.serviceId)).where(eq(environments.id, environmentId));
  if (!row || row.service.archivedAt) return null;
  return row;
}

/**
 * The event that keeps the rule quiet: one it fired for another source key within its cooldown. Called under a
 * lock per (environment, rule), so two reports stored at once (the hourly cron and one asked for) fire once.
 */
async function quietBecauseOf(tx: Db, target: Target, rule: TriggerRule, sourceKey: string): Promise<{ id: string; at: Date } | null> {
  const hours = cooldownHoursOf(rule);
  if (hours <= 0) return null;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`trigger-rule:${target.env.id}:${rule.id}`}))`);
  const [recent] = await tx
    .select({ id: triggerEvents.id, at: triggerEvents.at, sourceKey: triggerEvents.sourceKey })
    .from(triggerEvents)
    .where(and(eq(triggerEvents.environmentId, target.env.id), eq(triggerEvents.ruleId, rule.id), gt(triggerEvents.at, new Date(Date.now() - hours * 3_600_000))))
    .orderBy(desc(triggerEvents.at))
    .limit(1);
  return recent && recent.sourceKey !== sourceKey ? recent : null;
}

/** Records the firing; the new event's id, or null when this rule already fired for this source key or is quiet. */
export async function recordFiring(db: Db, target: Target, firing: Firing): Promise<string | null> {
  const { rule } = firing;
  const where = `${target.service.name}/${target.env.name}`;
  const summary = summaryOf(firing.data);
  const afterCommit: (() => Promise<void> | void)[] = [];
  const id = await db.transaction(async (txDb) => {
    const tx = txDb as unknown as Db;
    const quiet = await quietBecauseOf(tx, target, rule, firing.sourceKey);
    if (quiet) {
      logger.info({ environment: where, rule: rule.id, sourceKey: firing.sourceKey, firedAt: quiet.at, eventId: quiet.id, cooldownHours: cooldownHoursOf(rule) }, 'a trigger rule crossed again within its cooldown; no new event');
      return null;
    }
    const [event] = await tx
      .insert(triggerEvents)
      .values({
        serviceId: target.service.id,
        environmentId: target.env.id,
        environment: target.env.name,
        ruleId: rule.id,
        source: rule.source,
        sourceKey: firing.sourceKey,
        releaseNumber: firing.releaseNumber,
        summary,
        rule,
        data: firing.data as unknown as Json,
        notify: rule.actions.notify ? pendingAction() : noAction(),
        webhook: rule.actions.webhook ? pendingAction() : noAction(),
      })
      .onConflictDoNothing({ target: [triggerEvents.environmentId, triggerEvents.ruleId, triggerEvents.sourceKey] })
      .returning();
    if (!event) return null;
    const ctx: ServiceContext = { actor: TRIGGER_ACTOR, db: tx, requestId: null, inTransaction: true, afterCommit };
    const actions = [rule.actions.notify && 'notify', rule.actions.webhook && 'retraining webhook', rule.actions.pipeline && 'pipeline run'].filter(Boolean);
    await recordAudit(ctx, {
      action: 'trigger.fire',
      target: { kind: 'trigger_event', id: event.id, label: `${where} ${rule.id}` },
      summary: `Trigger ${rule.id} of ${where} fired: ${summary}`,
      changes: { rule: rule.id, source: rule.source, sourceKey: firing.sourceKey, releaseNumber: firing.releaseNumber, actions },
    });
    if (rule.actions.pipeline) {
      // A savepoint: a pipeline that cannot start (none saved, no release to test) leaves the event recorded, with why.
      try {
        const run = await tx.transaction((sp) =>
          startRun(
            { ...ctx, db: sp as unknown as Db },
            {
              service: target.service.name,
              trigger: { kind: 'manual', provider: null, branch: null, commit: null, author: `trigger ${rule.id} of ${where}`, message: `${rule.source} trigger ${rule.id}: ${summary}`.slice(0, 500), deliveryId: event.id },
            },
          ),
        );
        await tx.update(triggerEvents).set({ pipelineRunId: run.id }).where(eq(triggerEvents.id, event.id));
      } catch (err) {
        const problem = (err as Error).message;
        logger.warn({ environment: where, rule: rule.id, problem }, 'a trigger could not start the pipeline');
        await tx.update(triggerEvents).set({ pipelineError: problem.slice(0, 500) }).where(eq(triggerEvents.id, event.id));
      }
    }
    return event.id;
  });
  // The pipeline engine is told of the run once it is committed.
  if (id) await runAfterCommit(afterCommit).catch((err: unknown) => logger.error({ err }, 'after a trigger fired'));
  return id;
}
