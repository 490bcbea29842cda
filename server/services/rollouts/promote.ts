// Promote: asks for a release to run in an environment. The rollout is recorded with its plan and baseline;
// when the environment requires approvals an approval request is opened first. The workflow function does
// the rest once the transaction commits.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { approvalRequests, releases, rollouts, users, type Environment, type Release, type Service } from '@/db/schema';
import { actorUserId } from '@/server/auth/actor';
import { conflict, invalid } from '@/server/errors';
import { logger } from '@/server/logger';
import { branchMatches } from '@/server/services/pipelines/parse';
import { rolloutDispatcher } from './dispatch';
import { buildPlan, describeStep } from './plan';
import { activeRollout, addEvent } from './records';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { entryAt } from '../environments/state';
import { analysisOf, DEFAULT_APPROVAL_TIMEOUT_MINUTES } from '../environments/settings';
import { hasServed } from '../gates/baseline';
import { assertGatesPass, describeOverrides, type GateView } from '../gates/status';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { rolloutNow } from './clock';

export const promoteInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  release: z.number().int().positive('must be a release number'),
  reason: z.string().trim().max(500).default(''),
});

/** Why this release may not go to this environment now, or null. Shared with the promote dialog's preview. */
export function promoteProblem(env: Environment, release: Release, branch: string | null, current: { releaseId: string; weight: number }[] | null): string | null {
  const allowed = env.protection.allowedBranches;
  if (allowed.length && !(branch && allowed.some((a) => branchMatches(a, branch)))) {
    return `${env.name} only takes releases built from ${allowed.join(', ')}; #${release.number} ${branch ? `was built from ${branch}` : 'was not built from a branch by a pipeline run'}`;
  }
  const live = (current ?? []).filter((r) => r.weight > 0);
  if (live.length === 1 && live[0]!.releaseId === release.id) return `#${release.number} already serves all of ${env.name}`;
  return null;
}

export interface RolloutRequest {
  service: Service;
  env: Environment;
  release: Release;
  reason: string;
  /** The branch being deployed (a pipeline run's trigger), else the release's own. */
  branch?: string | null;
  pipelineRunId?: string | null;
  /** People who may not approve it: who made the release, who triggered the run (labels: emails or commit authors). */
  authors?: string[];
  /** The same people as users, where known (a run's starter). */
  authorUserIds?: (string | null)[];
}

/** Records a rollout (and its approval request when needed) inside the caller's transaction. */
export async function createRollout(ctx: ServiceContext, req: RolloutRequest) {
  const { service, env, release } = req;
  const branch = req.branch !== undefined ? req.branch : release.branch;
  const current = await entryAt(ctx.db, env.id);
  const problem = promoteProblem(env, release, branch, current?.routes ?? null);
  if (problem) throw invalid('release', problem);
  const active = await activeRollout(ctx.db, env.id);
  if (active) throw conflict(`${service.name}/${env.name} already has rollout ${active.number} (${active.status}) of #${active.releaseNumber}; let it finish or abort it first`);
  // Going back to a release that once served the environment is a rollback, not a promotion: it was let in
  // then, and gating the way back would keep an environment on a bad release while its fix waits for evals.
  const overridden: GateView[] = (await hasServed(ctx.db, env.id, release.id)) ? [] : await assertGatesPass(ctx.db, { service, env, release });
  const overrideNote = overridden.length ? `; ${describeOverrides(overridden)}` : '';
  const baseline = (current?.routes ?? []).filter((r) => r.weight > 0);
  const hasBaseline = baseline.some((r) => r.releaseId !== release.id);
  const plan = buildPlan(env.rollout, hasBaseline);
  const needsApproval = env.protection.requiredApprovals > 0;
  const [{ next } = { next: 1 }] = await ctx.db
    .select({ next: sql<number>`coalesce(max(${rollouts.number}), 0)::int + 1` })
    .from(rollouts)
    .where(eq(rollouts.environmentId, env.id));
  const requester = actorUserId(ctx.actor);
  let row;
  try {
    [row] = await ctx.db
      .insert(rollouts)
      .values({
        serviceId: service.id,
        environmentId: env.id,
        number: next,
        releaseId: release.id,
        releaseNumber: release.number,
        strategy: env.rollout.strategy,
        policy: env.rollout,
        slos: env.slos,
        analysisSettings: analysisOf(env.rollout),
        plan,
        baselineRoutes: baseline,
        status: needsApproval ? 'awaiting-approval' : 'waiting',
        branch,
        pipelineRunId: req.pipelineRunId ?? null,
        requestedBy: by(ctx),
        requestedByUserId: requester,
      })
      .returning();
  } catch (err) {
    if ((err as { code?: string; cause?: { code?: string } }).code === '23505' || (err as { cause?: { code?: string } }).cause?.code === '23505') {
      throw conflict(`${service.name}/${env.name} already has a rollout in progress; let it finish or abort it first`);
    }
    throw err;
  }
  const rollout = row!;
  const steps = plan.map((s) => describeStep(s, release.number)).join(', then ');
  await addEvent(ctx, rollout.id, 'requested', `requested${req.reason ? ` (${req.reason})` : ''}: ${env.rollout.strategy}, ${steps}${overrideNote}`, {
    plan,
    baseline,
    reason: req.reason,
    gateOverrides: overridden.map((g) => ({ gate: g.gate, by: g.override!.actorLabel, reason: g.override!.reason })),
  });
  if (needsApproval) {
    // Who may not approve: whoever asked, whoever made the release, whoever triggered the pipeline run.
    const authors = [...new Set([by(ctx), release.createdBy, ...(req.authors ?? [])].filter((a) => a && !a.startsWith('system:')))];
    const emails = authors.filter((a) => a.includes('@')).map((a) => a.toLowerCase());
    const authorUsers = emails.length ? await ctx.db.select({ id: users.id }).from(users).where(inArray(sql`lower(${users.email})`, emails)) : [];
    const known = [requester, release.createdByUserId, ...(req.authorUserIds ?? [])].filter((id): id is string => Boolean(id));
    const excluded = [...new Set([...known, ...authorUsers.map((u) => u.id)])];
    const minutes = env.protection.approvalTimeoutMinutes ?? DEFAULT_APPROVAL_TIMEOUT_MINUTES;
    await ctx.db.insert(approvalRequests).values({
      rolloutId: rollout.id,
      serviceId: service.id,
      environmentId: env.id,
      releaseId: release.id,
      requiredApprovals: env.protection.requiredApprovals,
      excludedUserIds: env.protection.preventSelfApproval ? excluded : [],
      authors,
      requestedBy: by(ctx),
      expiresAt: new Date(rolloutNow().getTime() + minutes * 60_000),
    });
    await addEvent(ctx, rollout.id, 'approval-requested', `waiting for ${env.protection.requiredApprovals} approval(s) (expires in ${minutes} min)`);
  }
  await recordAudit(ctx, {
    action: 'rollout.request',
    target: { kind: 'rollout', id: rollout.id, label: `${service.name}/${env.name} rollout ${next}` },
    summary: `Asked to roll out ${service.name}#${release.number} to ${env.name} (${env.rollout.strategy}${needsApproval ? `, needs ${env.protection.requiredApprovals} approval(s)` : ''})${req.reason ? ` — ${req.reason}` : ''}${overrideNote}`,
    changes: { release: release.number, plan, baseline, gateOverrides: overridden.map((g) => ({ gate: g.gate, by: g.override!.actorLabel, reason: g.override!.reason })) },
  });
  await onCommit(ctx, async () => {
    const d = rolloutDispatcher();
    if (needsApproval) d?.notify(rollout.id, 'awaiting-approval');
    await d?.start(rollout.id).catch((err: unknown) => logger.error({ err, rolloutId: rollout.id }, 'could not dispatch a rollout; the sweep of active rollouts retries'));
  });
  return rollout;
}

export async function promote(ctx: ServiceContext, input: z.input<typeof promoteInput>) {
  requireScope(ctx, 'environments:deploy');
  const data = promoteInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    const [release] = await tx.db
      .select()
      .from(releases)
      .where(and(eq(releases.serviceId, service.id), eq(releases.number, data.release)));
    if (!release) throw invalid('release', `${service.name} has no release #${data.release}`);
    return createRollout(tx, { service, env, release, reason: data.reason });
  });
}
