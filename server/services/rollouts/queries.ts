// Reading rollouts: the list of an environment's, one with its timeline and approval, the active one for the
// live view, and the preview the promote dialog shows before anything starts.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { approvalDecisions, approvalRequests, pipelineRuns, pipelineStepRuns, releases, rollouts, type Environment, type Rollout, type Service } from '@/db/schema';
import { invalid } from '@/server/errors';
import { buildPlan, describeStep } from './plan';
import { activeRollout, eventsOf } from './records';
import { requireScope, type ServiceContext } from '../context';
import { DEFAULT_APPROVAL_TIMEOUT_MINUTES } from '../environments/settings';
import { describeRoutes, entryAt } from '../environments/state';
import { hasServed } from '../gates/baseline';
import { describeStatus } from '../gates/queries';
import { gateStatus } from '../gates/status';
import { diffReleases } from '../releases/queries';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { promoteProblem } from './promote';

export async function approvalOf(db: Db, rolloutId: string) {
  const [request] = await db.select().from(approvalRequests).where(eq(approvalRequests.rolloutId, rolloutId));
  if (!request) return null;
  const decisions = await db.select().from(approvalDecisions).where(eq(approvalDecisions.requestId, request.id)).orderBy(asc(approvalDecisions.id));
  return {
    id: request.id,
    status: request.status,
    required: request.requiredApprovals,
    approvals: decisions.filter((d) => d.decision === 'approve').length,
    expiresAt: request.expiresAt,
    createdAt: request.createdAt,
    decidedAt: request.decidedAt,
    requestedBy: request.requestedBy,
    authors: request.authors,
    excludedUserIds: request.excludedUserIds,
    decisions: decisions.map((d) => ({ by: d.actorLabel, userId: d.userId, decision: d.decision, comment: d.comment, at: d.at })),
  };
}

/** What readers see of an approval: who decided by name, never user ids. */
export function publicApproval(a: NonNullable<Awaited<ReturnType<typeof approvalOf>>>) {
  const { excludedUserIds: _excluded, ...rest } = a;
  return { ...rest, decisions: a.decisions.map(({ userId: _user, ...d }) => d) };
}

async function toView(db: Db, service: Service, env: Environment, r: Rollout, withEvents: boolean) {
  const [run] = r.pipelineRunId ? await db.select({ number: pipelineRuns.number }).from(pipelineRuns).where(eq(pipelineRuns.id, r.pipelineRunId)) : [];
  return {
    id: r.id,
    number: r.number,
    kind: r.kind,
    service: service.name,
    environment: env.name,
    release: { number: r.releaseNumber, ref: `${service.name}#${r.releaseNumber}` },
    strategy: r.strategy,
    status: r.status,
    stepIndex: r.stepIndex,
    weight: r.weight,
    promoteNow: r.promoteNow,
    plan: r.plan.map((s, i) => ({ ...s, index: i, description: describeStep(s, r.releaseNumber) })),
    stepStartedAt: r.stepStartedAt,
    baseline: r.baselineRoutes,
    policy: r.policy,
    slos: r.slos,
    analysisSettings: r.analysisSettings,
    lastAnalysis: r.lastAnalysis,
    reason: r.reason,
    branch: r.branch,
    pipelineRun: run?.number ?? null,
    requestedBy: r.requestedBy,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    updatedAt: r.updatedAt,
    approval: await approvalOf(db, r.id).then((a) => (a ? publicApproval(a) : null)),
    events: withEvents ? (await eventsOf(db, r.id)).map((e) => ({ id: e.id, at: e.at, kind: e.kind, message: e.message, by: e.actorLabel, data: e.data })) : [],
  };
}
export type RolloutView = Awaited<ReturnType<typeof toView>>;

const envInput = z.object({ service: slugSchema, environment: slugSchema });

export const listRolloutsInput = envInput.extend({ limit: z.number().int().min(1).max(200).default(50) });

export async function listRollouts(ctx: ServiceContext, input: z.input<typeof listRolloutsInput>) {
  requireScope(ctx, 'rollouts:read');
  const data = listRolloutsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const rows = await ctx.db.select().from(rollouts).where(eq(rollouts.environmentId, env.id)).orderBy(desc(rollouts.number)).limit(data.limit);
  return Promise.all(rows.map((r) => toView(ctx.db, service, env, r, false)));
}

export const getRolloutInput = envInput.extend({ number: z.number().int().positive('must be a rollout number') });

export async function getRollout(ctx: ServiceContext, input: z.input<typeof getRolloutInput>) {
  requireScope(ctx, 'rollouts:read');
  const data = getRolloutInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const [row] = await ctx.db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.environmentId, env.id), eq(rollouts.number, data.number)));
  if (!row) throw invalid('number', `${service.name}/${env.name} has no rollout ${data.number}`);
  return toView(ctx.db, service, env, row, true);
}

export const activeRolloutInput = envInput;

/** The rollout in progress (with its timeline), or the latest one when none is, for the live view. */
export async function currentRollout(ctx: ServiceContext, input: z.input<typeof activeRolloutInput>) {
  requireScope(ctx, 'rollouts:read');
  const data = activeRolloutInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const active = await activeRollout(ctx.db, env.id);
  const [latest] = active ? [active] : await ctx.db.select().from(rollouts).where(eq(rollouts.environmentId, env.id)).orderBy(desc(rollouts.number)).limit(1);
  return latest ? { active: Boolean(active), rollout: await toView(ctx.db, service, env, latest, true) } : null;
}

/** The gate results of a release so far: the steps of the newest pipeline run that tested it. */
export async function gatesOf(db: Db, releaseId: string) {
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.releaseId, releaseId)).orderBy(desc(pipelineRuns.createdAt)).limit(1);
  if (!run) return null;
  const steps = await db
    .select({ name: pipelineStepRuns.name, type: pipelineStepRuns.type, status: pipelineStepRuns.status, error: pipelineStepRuns.error })
    .from(pipelineStepRuns)
    .where(and(eq(pipelineStepRuns.runId, run.id), sql`${pipelineStepRuns.position} > 0`))
    .orderBy(asc(pipelineStepRuns.position));
  return { run: run.number, status: run.status, branch: run.trigger.branch, commit: run.trigger.commit, steps };
}

export const previewInput = envInput.extend({ release: z.number().int().positive('must be a release number') });

/** What promoting would do: the diff against what runs now, gate results, the plan, approvals needed, and any problem. */
export async function previewPromote(ctx: ServiceContext, input: z.input<typeof previewInput>) {
  requireScope(ctx, 'rollouts:read');
  const data = previewInput.parse(input);
  const service = await serviceByName(ctx.db, data.service);
  const env = await environmentByName(ctx.db, service, data.environment);
  const [release] = await ctx.db
    .select()
    .from(releases)
    .where(and(eq(releases.serviceId, service.id), eq(releases.number, data.release)));
  if (!release) throw invalid('release', `${service.name} has no release #${data.release}`);
  const current = await entryAt(ctx.db, env.id);
  const live = (current?.routes ?? []).filter((r) => r.weight > 0);
  const stable = [...live].sort((a, b) => b.weight - a.weight)[0];
  const active = await activeRollout(ctx.db, env.id);
  const plan = buildPlan(env.rollout, live.some((r) => r.releaseId !== release.id));
  // The required gates, as promote will check them (a release that served here before goes back without them).
  const rollback = await hasServed(ctx.db, env.id, release.id);
  const required = await describeStatus(ctx.db, await gateStatus(ctx.db, { releaseId: release.id, environmentId: env.id }));
  const blocking = rollback ? [] : required.gates.filter((g) => g.state !== 'passed' && g.state !== 'overridden');
  const gateProblem = blocking.length ? `required gates have not passed: ${blocking.map((g) => `${g.gate} ${g.state === 'not-built' ? 'not built yet' : g.state}`).join(', ')}` : null;
  const problems = [
    promoteProblem(env, release, release.branch, current?.routes ?? null),
    active ? `rollout ${active.number} of #${active.releaseNumber} is ${active.status}; let it finish or abort it first` : null,
    gateProblem,
  ].filter((p): p is string => p !== null);
  return {
    release: { number: release.number, ref: `${service.name}#${release.number}`, branch: release.branch, createdBy: release.createdBy, notes: release.notes },
    current: await describeRoutes(ctx.db, current),
    diff: stable && stable.releaseNumber !== release.number ? await diffReleases(ctx, { service: service.name, from: stable.releaseNumber, to: release.number }) : null,
    gates: await gatesOf(ctx.db, release.id),
    /** Where the release stands with the environment's required gates; `rollback`: it served here before, so they do not apply. */
    requiredGates: { ...required, rollback },
    strategy: env.rollout.strategy,
    autoRollback: env.rollout.autoRollback,
    plan: plan.map((s, i) => ({ ...s, index: i, description: describeStep(s, release.number) })),
    protection: { ...env.protection, approvalTimeoutMinutes: env.protection.approvalTimeoutMinutes ?? DEFAULT_APPROVAL_TIMEOUT_MINUTES },
    slos: env.slos,
    needsApproval: env.protection.requiredApprovals > 0,
    active: active ? { number: active.number, status: active.status, release: active.releaseNumber } : null,
    problem: problems[0] ?? null,
    /** Every reason promoting is refused now, most important first. */
    problems,
  };
}
