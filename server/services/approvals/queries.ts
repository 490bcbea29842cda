// The approvals inbox: requests with what a reviewer needs to decide (the release against what runs now,
// gate results, who asked) and whether the reader may decide each one.
import { desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { approvalRequests, environments, rollouts, services } from '@/db/schema';
import { actorRole, actorUserId } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { describeRoutes, entryAt } from '../environments/state';
import { diffReleases } from '../releases/queries';
import { approvalOf, gatesOf, publicApproval } from '../rollouts/queries';
import { describeStep } from '@/server/services/rollouts/plan';
import { rolloutNow } from '@/server/services/rollouts/clock';

export const listApprovalsInput = z.object({ status: z.enum(['pending', 'decided', 'all']).default('pending'), limit: z.number().int().min(1).max(200).default(50) });

function whyNot(ctx: ServiceContext, a: { status: string; expiresAt: Date; excludedUserIds: string[]; decisions: { userId: string }[] }): string | null {
  if (!can(actorRole(ctx.actor), 'approvals:decide')) return 'only approvers may decide';
  const userId = actorUserId(ctx.actor);
  if (!userId) return 'approvals are made by people';
  if (a.status !== 'pending') return `already ${a.status}`;
  if (rolloutNow().getTime() >= a.expiresAt.getTime()) return 'expired';
  if (a.excludedUserIds.includes(userId)) return 'you asked for it or made the release: someone else must approve';
  if (a.decisions.some((d) => d.userId === userId)) return 'you already decided';
  return null;
}

async function item(ctx: ServiceContext, row: { request: typeof approvalRequests.$inferSelect; rollout: typeof rollouts.$inferSelect; service: string; environment: string }) {
  const approval = (await approvalOf(ctx.db, row.rollout.id))!;
  const reason = whyNot(ctx, approval);
  return {
    ...publicApproval(approval),
    service: row.service,
    environment: row.environment,
    release: { number: row.rollout.releaseNumber, ref: `${row.service}#${row.rollout.releaseNumber}` },
    rollout: { number: row.rollout.number, status: row.rollout.status, strategy: row.rollout.strategy, branch: row.rollout.branch },
    canDecide: reason === null,
    whyNot: reason,
  };
}

function base(ctx: ServiceContext) {
  return ctx.db
    .select({ request: approvalRequests, rollout: rollouts, service: services.name, environment: environments.name })
    .from(approvalRequests)
    .innerJoin(rollouts, eq(rollouts.id, approvalRequests.rolloutId))
    .innerJoin(services, eq(services.id, approvalRequests.serviceId))
    .innerJoin(environments, eq(environments.id, approvalRequests.environmentId));
}

export async function listApprovals(ctx: ServiceContext, input: z.input<typeof listApprovalsInput>) {
  requireScope(ctx, 'approvals:read');
  const data = listApprovalsInput.parse(input);
  const statuses = data.status === 'pending' ? ['pending'] : data.status === 'decided' ? ['approved', 'rejected', 'timed-out', 'cancelled'] : null;
  const rows = await base(ctx)
    .where(statuses ? inArray(approvalRequests.status, statuses as never[]) : undefined)
    .orderBy(desc(approvalRequests.createdAt))
    .limit(data.limit);
  return Promise.all(rows.map((r) => item(ctx, r)));
}

export const getApprovalInput = z.object({ id: z.uuid('must be an approval request id') });

/** One request with its context: the release against what the environment ran when it was asked, gates and plan. */
export async function getApproval(ctx: ServiceContext, input: z.input<typeof getApprovalInput>) {
  requireScope(ctx, 'approvals:read');
  const data = getApprovalInput.parse(input);
  const [row] = await base(ctx).where(eq(approvalRequests.id, data.id));
  if (!row) throw notFound('Approval request');
  const stable = [...row.rollout.baselineRoutes].sort((a, b) => b.weight - a.weight)[0];
  return {
    ...(await item(ctx, row)),
    current: await describeRoutes(ctx.db, await entryAt(ctx.db, row.rollout.environmentId)),
    diff: stable && stable.releaseNumber !== row.rollout.releaseNumber ? await diffReleases(ctx, { service: row.service, from: stable.releaseNumber, to: row.rollout.releaseNumber }) : null,
    gates: await gatesOf(ctx.db, row.rollout.releaseId),
    plan: row.rollout.plan.map((s, i) => ({ ...s, index: i, description: describeStep(s, row.rollout.releaseNumber) })),
  };
}
