// What is rolling out now, across every service: each active rollout with the step it has reached, its weight,
// its approval so far and the last analysis verdict, newest first.
import { desc, eq, inArray } from 'drizzle-orm';
import { ACTIVE_ROLLOUT_STATUSES, approvalDecisions, approvalRequests, environments, rollouts, services } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { describeStep } from '../rollouts/plan';

/** More than this many rollouts at once is beyond what a home page lists; the environment pages have them all. */
const LIMIT = 50;

export async function rollingOut(ctx: ServiceContext) {
  requireScope(ctx, 'rollouts:read');
  const rows = await ctx.db
    .select({ rollout: rollouts, service: services.name, environment: environments.name })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .where(inArray(rollouts.status, [...ACTIVE_ROLLOUT_STATUSES]))
    .orderBy(desc(rollouts.createdAt))
    .limit(LIMIT);
  const ids = rows.map((r) => r.rollout.id);
  const requests = ids.length ? await ctx.db.select().from(approvalRequests).where(inArray(approvalRequests.rolloutId, ids)) : [];
  const approvals = requests.length
    ? await ctx.db.select({ requestId: approvalDecisions.requestId, decision: approvalDecisions.decision }).from(approvalDecisions).where(inArray(approvalDecisions.requestId, requests.map((q) => q.id)))
    : [];
  return rows.map(({ rollout: r, service, environment }) => {
    const request = requests.find((q) => q.rolloutId === r.id);
    const step = r.plan[r.stepIndex];
    return {
      service,
      environment,
      number: r.number,
      release: { number: r.releaseNumber, ref: `${service}#${r.releaseNumber}` },
      strategy: r.strategy,
      status: r.status,
      /** The step reached (1-based), of how many; null before the first. */
      step: step ? { number: r.stepIndex + 1, of: r.plan.length, description: describeStep(step, r.releaseNumber) } : null,
      steps: r.plan.length,
      weight: r.weight,
      approval: request ? { status: request.status, approvals: approvals.filter((a) => a.requestId === request.id && a.decision === 'approve').length, required: request.requiredApprovals } : null,
      verdict: r.lastAnalysis?.verdict ?? null,
      reason: r.reason,
      requestedBy: r.requestedBy,
      createdAt: r.createdAt,
      stepStartedAt: r.stepStartedAt,
    };
  });
}
