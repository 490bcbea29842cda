// Changes what an environment runs: a routing table of releases and weights, appended to its history.
// Rollout mechanics (canary steps, analysis) build on this verb; here it records and validates. A protected
// environment takes no direct change: its changes go through the release flow (promote), or an admin bypasses
// the flow on purpose, with a reason that is audited and marked in the history. The environment's required
// gates hold on this path too: a bypass skips approvals and the rollout, never the gates, which only an admin's
// explicit, per-gate override (gates.override) lets a release past.
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { environmentHistory, environments, releases, type Environment, type RouteEntry, type Service } from '@/db/schema';
import { actorRole } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { conflict, forbidden, invalid } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { reconcileSoon } from '../containers/reconcile';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { hasServed } from '../gates/baseline';
import { assertGatesPass, describeOverrides } from '../gates/status';
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
  /** The history entry the change was made against (what the caller saw); a newer one refuses the change. */
  basedOn: z.number().int().positive('must be a history entry id').nullable().optional(),
  /** Admins only, on a protected environment: change it directly, outside the release flow, and say why. */
  bypass: z
    .object({ reason: z.string().trim().min(10, 'must say why, in at least 10 characters').max(500, 'must be at most 500 characters') })
    .optional(),
});

/** An environment is protected when changes need approval: they go through the release flow. */
export const isProtected = (env: Pick<Environment, 'protection'>) => env.protection.requiredApprovals > 0;

/** Engineers may change environments that need no approval; protected environments need an approver. */
export function assertMayDeploy(ctx: ServiceContext, env: Environment): void {
  requireScope(ctx, 'environments:deploy');
  if (isProtected(env) && !can(actorRole(ctx.actor), 'environments:deploy-protected')) {
    throw forbidden(`${env.name} requires approval: only approvers may change what it runs directly`);
  }
}

/**
 * A direct change of a protected environment skips approvals and the rollout: it is refused unless an admin
 * asks for it as a bypass, with a reason. Gates are checked apart (gatesFor) and are not bypassed by it.
 */
function assertDirectChangeAllowed(ctx: ServiceContext, service: Service, env: Environment, bypass: { reason: string } | undefined): void {
  if (!isProtected(env)) return;
  const where = `${service.name}/${env.name}`;
  if (!bypass) {
    throw forbidden(
      `${where} is protected (${env.protection.requiredApprovals} approval(s) required): promote a release to change it through approvals and its rollout; ` +
        `only an admin may deploy to it directly, as a bypass with a reason (bypass.reason)`,
    );
  }
  if (!can(actorRole(ctx.actor), 'environments:bypass-protection')) {
    throw forbidden(`Only admins may bypass the release flow of ${where} (needs environments:bypass-protection); promote a release instead`);
  }
}

export async function appendHistory(
  ctx: ServiceContext,
  service: Service,
  env: Environment,
  entry: { kind: 'deploy' | 'weights' | 'restore' | 'rollback'; routes: RouteEntry[]; reason: string; restoredFromId?: number; rolloutId?: string; bypassReason?: string; gateNote?: string },
) {
  const bypassReason = entry.bypassReason ?? null;
  const [row] = await ctx.db
    .insert(environmentHistory)
    .values({
      environmentId: env.id,
      kind: entry.kind,
      routes: entry.routes,
      reason: entry.reason,
      actorLabel: by(ctx),
      restoredFromId: entry.restoredFromId ?? null,
      requestId: ctx.requestId,
      rolloutId: entry.rolloutId ?? null,
      bypassReason,
    })
    .returning();
  await notifyGateway(ctx);
  // In a Docker environment, a release routed without its containers (a direct deploy, a rollback past the
  // window) gets them started now rather than at the next reconcile; old slots keep their window.
  if (env.runtime.kind === 'docker') {
    const db = ctx.outerDb ?? ctx.db;
    await onCommit(ctx, () => reconcileSoon(db));
  }
  const text = entry.routes.map((r) => `${service.name}#${r.releaseNumber} ${r.weight}%`).join(', ');
  await recordAudit(ctx, {
    action: bypassReason !== null ? 'environment.bypass' : `environment.${entry.kind}`,
    target: { kind: 'environment', id: env.id, label: `${service.name}/${env.name}` },
    summary:
      bypassReason !== null
        ? `${service.name}/${env.name} changed directly, bypassing its release flow: now runs ${text} — bypass: ${bypassReason}${entry.reason ? `; ${entry.reason}` : ''}${entry.gateNote ? `; ${entry.gateNote}` : ''}`
        : `${service.name}/${env.name} now runs ${text}${entry.reason ? ` — ${entry.reason}` : ''}${entry.gateNote ? `; ${entry.gateNote}` : ''}`,
    changes: { routes: entry.routes, historyId: row!.id, kind: entry.kind, restoredFromId: entry.restoredFromId ?? null, rolloutId: entry.rolloutId ?? null, bypassReason },
  });
  return row!;
}

/**
 * Each release a direct change lets into the environment needs the environment's required gates, as a promotion
 * does. A release already routed there got in before (weights only move); a release that once served it is a
 * rollback, not a promotion, and going back must not wait for evals. Returns the overrides relied on.
 */
async function gatesFor(ctx: ServiceContext, service: Service, env: Environment, routes: RouteEntry[], previous: RouteEntry[]): Promise<string | undefined> {
  if (!env.protection.requiredGates.length) return undefined;
  const live = new Set(previous.filter((r) => r.weight > 0).map((r) => r.releaseId));
  const notes: string[] = [];
  for (const r of routes) {
    if (live.has(r.releaseId) || (await hasServed(ctx.db, env.id, r.releaseId))) continue;
    const [release] = await ctx.db.select().from(releases).where(eq(releases.id, r.releaseId));
    const overridden = await assertGatesPass(ctx.db, { service, env, release: release! });
    if (overridden.length) notes.push(`#${r.releaseNumber}: ${describeOverrides(overridden)}`);
  }
  return notes.length ? notes.join('; ') : undefined;
}

export async function deploy(ctx: ServiceContext, input: z.input<typeof deployInput>) {
  const data = deployInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    assertMayDeploy(tx, env);
    assertDirectChangeAllowed(tx, service, env, data.bypass);
    // One change of an environment at a time, so that `basedOn` compares with what is really there.
    await tx.db.select({ id: environments.id }).from(environments).where(eq(environments.id, env.id)).for('update');
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
    if (data.basedOn !== undefined && (previous?.id ?? null) !== data.basedOn) {
      const now = previous ? previous.routes.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', ') : 'nothing';
      throw conflict(`${service.name}/${env.name} changed since you loaded it (${previous ? `entry ${previous.id}, ${previous.kind} by ${previous.actorLabel}` : 'it was emptied'}): it runs ${now} now; review the change and try again`, 'basedOn');
    }
    const sameReleases = previous && previous.routes.map((r) => r.releaseId).sort().join() === routes.map((r) => r.releaseId).sort().join();
    const gateNote = await gatesFor(tx, service, env, routes, previous?.routes ?? []);
    return appendHistory(tx, service, env, { kind: sameReleases ? 'weights' : 'deploy', routes, reason: data.reason, bypassReason: isProtected(env) ? data.bypass?.reason : undefined, gateNote });
  });
}
