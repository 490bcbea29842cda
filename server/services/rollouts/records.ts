// A rollout's state changes, shared by the engine (the workflow function) and the verbs people use (pause,
// abort, rollback, approve). Every change locks the rollout's row first, so the function and a person acting
// at the same moment cannot both win: whoever comes second sees the other's state.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { ACTIVE_ROLLOUT_STATUSES, environments, rolloutEvents, rollouts, services, type Environment, type Rollout, type RolloutStatus, type RouteEntry, type Service } from '@/db/schema';
import { actorLabel, type Actor } from '@/server/auth/actor';
import { logger } from '@/server/logger';
import { recordAudit } from '@/server/services/audit/record';
import { onCommit, withTransaction, type ServiceContext } from '@/server/services/context';
import { appendHistory } from '@/server/services/environments/deploy';
import { entryAt } from '@/server/services/environments/state';
import { rolloutDispatcher } from './dispatch';
import { sameRoutes } from './plan';
import { rolloutNow } from './clock';

export const isActive = (s: RolloutStatus) => (ACTIVE_ROLLOUT_STATUSES as readonly RolloutStatus[]).includes(s);

export interface Loaded {
  rollout: Rollout;
  service: Service;
  env: Environment;
}

export const rolloutRef = (l: Loaded) => `${l.service.name}/${l.env.name} rollout ${l.rollout.number}`;

/** The engine acts as a system job named after the rollout. */
export function engineActor(l: Loaded): Actor {
  return { kind: 'system', job: `rollout:${l.service.name}/${l.env.name}#${l.rollout.number}` };
}

export async function loadRollout(db: Db, id: string, lock = false): Promise<Loaded> {
  const q = db
    .select({ rollout: rollouts, service: services, env: environments })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .where(eq(rollouts.id, id));
  const [row] = lock ? await q.for('update', { of: rollouts }) : await q;
  if (!row) throw new Error(`rollout ${id} not found`);
  return row;
}

export async function addEvent(ctx: ServiceContext, rolloutId: string, kind: string, message: string, data: Record<string, unknown> = {}): Promise<void> {
  await ctx.db.insert(rolloutEvents).values({ rolloutId, kind, message, data, actorLabel: actorLabel(ctx.actor) });
}

export async function eventsOf(db: Db, rolloutId: string) {
  return db.select().from(rolloutEvents).where(eq(rolloutEvents.rolloutId, rolloutId)).orderBy(asc(rolloutEvents.id));
}

export async function setRollout(ctx: ServiceContext, id: string, values: Partial<typeof rollouts.$inferInsert>): Promise<void> {
  await ctx.db
    .update(rollouts)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(rollouts.id, id));
}

/** Writes a routing table for the rollout: a history entry (kind deploy when the set of releases changes). */
export async function writeRoutes(ctx: ServiceContext, l: Loaded, routes: RouteEntry[], reason: string, kind?: 'rollback'): Promise<number> {
  const previous = await entryAt(ctx.db, l.env.id);
  const same = previous && previous.routes.map((r) => r.releaseId).sort().join() === routes.map((r) => r.releaseId).sort().join();
  const row = await appendHistory(ctx, l.service, l.env, { kind: kind ?? (same ? 'weights' : 'deploy'), routes, reason, rolloutId: l.rollout.id });
  return row.id;
}

/**
 * Ends a rollout. With `restore`, the environment goes back to what it ran before the rollout (its baseline),
 * which is a rollback; otherwise the routes stay as they are. A pipeline run waiting on it is told.
 */
export async function endRollout(
  ctx: ServiceContext,
  l: Loaded,
  status: Extract<RolloutStatus, 'succeeded' | 'rolled-back' | 'aborted' | 'rejected' | 'approval-timed-out' | 'failed'>,
  reason: string,
  opts: { restore: boolean; data?: Record<string, unknown> },
): Promise<void> {
  let historyId: number | null = null;
  if (opts.restore && l.rollout.stepIndex >= 0) {
    const current = await entryAt(ctx.db, l.env.id);
    const baseline = l.rollout.baselineRoutes;
    const differs = !current || !sameRoutes(current.routes, baseline);
    if (baseline.length && differs) historyId = await writeRoutes(ctx, l, baseline, `rollback of rollout ${l.rollout.number}: ${reason}`, 'rollback');
  }
  await setRollout(ctx, l.rollout.id, { status, reason, endedAt: rolloutNow(), weight: opts.restore ? 0 : l.rollout.weight });
  await addEvent(ctx, l.rollout.id, status, reason, { ...(opts.data ?? {}), historyId });
  await recordAudit(ctx, {
    action: `rollout.${status}`,
    target: { kind: 'rollout', id: l.rollout.id, label: rolloutRef(l) },
    summary: `${rolloutRef(l)} of #${l.rollout.releaseNumber} ${status.replace(/-/g, ' ')}: ${reason}`,
    changes: { status, historyId, ...(opts.data ?? {}) },
  });
  logger.info({ rollout: rolloutRef(l), status, reason }, 'rollout ended');
  await onCommit(ctx, async () => {
    await rolloutDispatcher()
      ?.finished(l.rollout.id, status)
      .catch((err: unknown) => logger.warn({ err }, 'could not announce the end of a rollout'));
    rolloutDispatcher()?.notify(l.rollout.id, status);
  });
}

/** Wakes the rollout's function after this transaction commits. */
export async function signal(ctx: ServiceContext, rolloutId: string, reason: string): Promise<void> {
  await onCommit(ctx, async () => {
    await rolloutDispatcher()
      ?.signal(rolloutId, reason)
      .catch((err: unknown) => logger.warn({ err, rolloutId }, 'could not signal a rollout; it looks again at its next check'));
  });
}

/** Runs `fn` on the locked rollout inside a transaction, acting as the engine. */
export async function asEngine<T>(db: Db, id: string, fn: (ctx: ServiceContext, l: Loaded) => Promise<T>): Promise<T> {
  const first = await loadRollout(db, id);
  return withTransaction({ actor: engineActor(first), db, requestId: null }, async (tx) => fn(tx, await loadRollout(tx.db, id, true)));
}

/** The active rollout of an environment, if any. */
export async function activeRollout(db: Db, environmentId: string): Promise<Rollout | null> {
  const [row] = await db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.environmentId, environmentId), inArray(rollouts.status, [...ACTIVE_ROLLOUT_STATUSES])));
  return row ?? null;
}
