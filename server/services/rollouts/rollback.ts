// One-click rollback: the environment goes back to its previous release, or to any release it ran before, at
// once and with no analysis (the gateway picks the change up through LISTEN/NOTIFY). A rollout in progress
// there ends as rolled back; otherwise the rollback is recorded in the environment's list of rollouts as one of
// kind `rollback`, so that the list and the rollout card say what the environment serves now.
import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { environmentHistory, environments, releases, rollouts, type Environment, type RouteEntry, type Service } from '@/db/schema';
import { actorUserId } from '@/server/auth/actor';
import { invalid } from '@/server/errors';
import { sameRoutes } from './plan';
import { activeRollout, addEvent, endRollout, loadRollout, signal } from './records';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { analysisOf } from '../environments/settings';
import { appendHistory } from '../environments/deploy';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { cancelApproval } from './control';
import { rolloutNow } from './clock';

export const rollbackInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  /** A release the environment ran before; by default the one before the current release. */
  to: z.number().int().positive('must be a release number').optional(),
  reason: z.string().trim().max(500).default(''),
});

const routesText = (routes: RouteEntry[]) => routes.filter((r) => r.weight > 0).map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', ') || 'nothing';

/** The rollback as an ended entry in the environment's rollouts: it switched all traffic at once, by a person. */
async function recordRollback(ctx: ServiceContext, service: Service, env: Environment, from: RouteEntry[], to: RouteEntry, reason: string) {
  const [{ next } = { next: 1 }] = await ctx.db
    .select({ next: sql<number>`coalesce(max(${rollouts.number}), 0)::int + 1` })
    .from(rollouts)
    .where(eq(rollouts.environmentId, env.id));
  const [release] = await ctx.db.select({ branch: releases.branch }).from(releases).where(eq(releases.id, to.releaseId));
  const now = rolloutNow();
  const why = `rolled back by ${by(ctx)} from ${routesText(from)} to #${to.releaseNumber}${reason ? ` (${reason})` : ''}; #${to.releaseNumber} serves all of ${env.name}`;
  const [row] = await ctx.db
    .insert(rollouts)
    .values({
      serviceId: service.id,
      environmentId: env.id,
      number: next,
      kind: 'rollback',
      releaseId: to.releaseId,
      releaseNumber: to.releaseNumber,
      strategy: 'all-at-once',
      policy: { strategy: 'all-at-once', autoRollback: false, bakeMinutes: 0, analysis: analysisOf(env.rollout) },
      slos: env.slos,
      analysisSettings: analysisOf(env.rollout),
      plan: [{ kind: 'switch', weight: 100, bakeSeconds: 0 }],
      baselineRoutes: from.filter((r) => r.weight > 0),
      status: 'succeeded',
      stepIndex: 0,
      weight: 100,
      stepStartedAt: now,
      reason: why,
      branch: release?.branch ?? null,
      requestedBy: by(ctx),
      requestedByUserId: actorUserId(ctx.actor),
      createdAt: now,
      startedAt: now,
      endedAt: now,
    })
    .returning();
  await addEvent(ctx, row!.id, 'rolled-back', why, { from, to: [to], reason });
  return row!;
}

const primary = (routes: RouteEntry[]) => [...routes].sort((a, b) => b.weight - a.weight || a.releaseNumber - b.releaseNumber)[0];

export async function rollbackEnvironment(ctx: ServiceContext, input: z.input<typeof rollbackInput>) {
  requireScope(ctx, 'environments:rollback');
  const data = rollbackInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    // One change of an environment at a time.
    await tx.db.select({ id: environments.id }).from(environments).where(eq(environments.id, env.id)).for('update');
    const history = await tx.db.select().from(environmentHistory).where(eq(environmentHistory.environmentId, env.id)).orderBy(desc(environmentHistory.at), desc(environmentHistory.id)).limit(1000);
    const current = history[0];
    if (!current) throw invalid('environment', `${service.name}/${env.name} has never run a release`);
    const active = await activeRollout(tx.db, env.id);
    let routes: RouteEntry[];
    if (data.to !== undefined) {
      const ran = history.flatMap((h) => h.routes).find((r) => r.releaseNumber === data.to && r.weight > 0);
      if (!ran) throw invalid('to', `#${data.to} never served ${service.name}/${env.name}; promote it instead`);
      routes = [{ releaseId: ran.releaseId, releaseNumber: ran.releaseNumber, weight: 100 }];
    } else if (active && active.stepIndex >= 0 && active.baselineRoutes.length) {
      routes = active.baselineRoutes;
    } else {
      const now = primary(current.routes.filter((r) => r.weight > 0));
      const earlier = history.slice(1).map((h) => primary(h.routes.filter((r) => r.weight > 0))).find((p) => p && p.releaseId !== now?.releaseId);
      if (!earlier) throw invalid('to', `${service.name}/${env.name} has no earlier release to roll back to`);
      routes = [{ releaseId: earlier.releaseId, releaseNumber: earlier.releaseNumber, weight: 100 }];
    }
    if (sameRoutes(routes, current.routes)) throw invalid('to', `${service.name}/${env.name} already runs ${routes.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', ')}`);
    const target = routes.map((r) => `#${r.releaseNumber}${routes.length > 1 ? ` ${r.weight}%` : ''}`).join(', ');
    if (active) {
      const l = await loadRollout(tx.db, active.id, true);
      await cancelApproval(tx, l);
      await endRollout(tx, l, 'rolled-back', `rolled back by ${by(tx)} to ${target}${data.reason ? `: ${data.reason}` : ''}`, { restore: false });
      await signal(tx, active.id, 'rollback');
    }
    // A rollback that ended a rollout which had moved traffic is told by that rollout; any other is recorded.
    const record = active && active.stepIndex >= 0 ? null : await recordRollback(tx, service, env, current.routes, routes[0]!, data.reason);
    const entry = await appendHistory(tx, service, env, { kind: 'rollback', routes, reason: `rollback to ${target}${data.reason ? ` — ${data.reason}` : ''}`, rolloutId: record?.id ?? active?.id });
    return { historyId: entry.id, at: entry.at, routes, endedRollout: active?.number ?? null, rollout: record?.number ?? null };
  });
}
