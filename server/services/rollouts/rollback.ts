// One-click rollback: the environment goes back to its previous release, or to any release it ran before, at
// once and with no analysis (the gateway picks the change up through LISTEN/NOTIFY). A rollout in progress
// there ends as rolled back.
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { environmentHistory, environments, type RouteEntry } from '@/db/schema';
import { invalid } from '@/server/errors';
import { sameRoutes } from '@/server/rollouts/plan';
import { activeRollout, endRollout, loadRollout, signal } from '@/server/rollouts/records';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { appendHistory } from '../environments/deploy';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { cancelApproval } from './control';

export const rollbackInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  /** A release the environment ran before; by default the one before the current release. */
  to: z.number().int().positive('must be a release number').optional(),
  reason: z.string().trim().max(500).default(''),
});

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
    const entry = await appendHistory(tx, service, env, { kind: 'rollback', routes, reason: `rollback to ${target}${data.reason ? ` — ${data.reason}` : ''}`, rolloutId: active?.id });
    return { historyId: entry.id, at: entry.at, routes, endedRollout: active?.number ?? null };
  });
}
