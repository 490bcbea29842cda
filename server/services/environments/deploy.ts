// Changes what an environment runs: a routing table of releases and weights, appended to its history.
// Rollout mechanics (canary steps, analysis) build on this verb; here it records and validates.
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { environmentHistory, releases, type Environment, type RouteEntry, type Service } from '@/db/schema';
import { actorRole } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { forbidden, invalid } from '@/server/errors';
import { recordAudit, notifyGateway } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { entryAt } from './state';

export const routesSchema = z
  .array(z.object({ release: z.number().int().positive('must be a release number'), weight: z.number().int().min(0, 'must be 0 to 100').max(100, 'must be 0 to 100') }))
  .min(1, 'needs at least one release')
  .max(10, 'at most 10 releases')
  .superRefine((routes, ctx) => {
    const total = routes.reduce((s, r) => s + r.weight, 0);
    if (total !== 100) ctx.addIssue({ code: 'custom', message: `weights must sum to 100 (they sum to ${total})` });
    const seen = new Set<number>();
    routes.forEach((r, i) => {
      if (seen.has(r.release)) ctx.addIssue({ code: 'custom', path: [i, 'release'], message: `release ${r.release} is listed twice` });
      seen.add(r.release);
    });
  });

export const deployInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  routes: routesSchema,
  reason: z.string().trim().max(500).default(''),
});

/** Engineers may change environments that need no approval; protected environments need an approver. */
export function assertMayDeploy(ctx: ServiceContext, env: Environment): void {
  requireScope(ctx, 'environments:deploy');
  if (env.protection.requiredApprovals > 0 && !can(actorRole(ctx.actor), 'environments:deploy-protected')) {
    throw forbidden(`${env.name} requires approval: only approvers may change what it runs directly`);
  }
}

export async function appendHistory(
  ctx: ServiceContext,
  service: Service,
  env: Environment,
  entry: { kind: 'deploy' | 'weights' | 'restore' | 'rollback'; routes: RouteEntry[]; reason: string; restoredFromId?: number; rolloutId?: string },
) {
  const [row] = await ctx.db
    .insert(environmentHistory)
    .values({ environmentId: env.id, kind: entry.kind, routes: entry.routes, reason: entry.reason, actorLabel: by(ctx), restoredFromId: entry.restoredFromId ?? null, requestId: ctx.requestId, rolloutId: entry.rolloutId ?? null })
    .returning();
  await notifyGateway(ctx);
  const text = entry.routes.map((r) => `${service.name}#${r.releaseNumber} ${r.weight}%`).join(', ');
  await recordAudit(ctx, {
    action: `environment.${entry.kind}`,
    target: { kind: 'environment', id: env.id, label: `${service.name}/${env.name}` },
    summary: `${service.name}/${env.name} now runs ${text}${entry.reason ? ` — ${entry.reason}` : ''}`,
    changes: { routes: entry.routes, historyId: row!.id, restoredFromId: entry.restoredFromId ?? null, rolloutId: entry.rolloutId ?? null },
  });
  return row!;
}

export async function deploy(ctx: ServiceContext, input: z.input<typeof deployInput>) {
  const data = deployInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    assertMayDeploy(tx, env);
    const numbers = data.routes.map((r) => r.release);
    const found = await tx.db
      .select({ id: releases.id, number: releases.number })
      .from(releases)
      .where(and(eq(releases.serviceId, service.id), inArray(releases.number, numbers)));
    const byNumber = new Map(found.map((r) => [r.number, r.id]));
    const missing = numbers.filter((n) => !byNumber.has(n));
    if (missing.length) throw invalid('routes', `${service.name} has no release ${missing.map((n) => `#${n}`).join(', ')}`);
    const routes = data.routes.filter((r) => r.weight > 0).map((r) => ({ releaseId: byNumber.get(r.release)!, releaseNumber: r.release, weight: r.weight }));
    const previous = await entryAt(tx.db, env.id);
    const sameReleases = previous && previous.routes.map((r) => r.releaseId).sort().join() === routes.map((r) => r.releaseId).sort().join();
    return appendHistory(tx, service, env, { kind: sameReleases ? 'weights' : 'deploy', routes, reason: data.reason });
  });
}
