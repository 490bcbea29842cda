// What a rollout does at each point of its life, as calls the workflow function sequences (each one a durable
// step). Every call reads the rollout's row afresh and returns what the function should do next, so a pause,
// an abort or a rollback made by a person in between is always seen.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { approvalDecisions, approvalRequests, type AnalysisResult, type RolloutStep } from '@/db/schema';
import { probeRelease } from '@/server/gateway/probe';
import { recordAudit } from '@/server/services/audit/record';
import { DEFAULT_APPROVAL_TIMEOUT_MINUTES } from '@/server/services/environments/settings';
import { analyseArms } from './analysis';
import { addEvent, asEngine, endRollout, isActive, loadRollout, rolloutRef, setRollout, writeRoutes, type Loaded } from '@/server/services/rollouts/records';
import { describeStep, routesFor } from '@/server/services/rollouts/plan';
import { rolloutNow } from '@/server/services/rollouts/clock';
import { checksOf } from '@/server/services/checks/settings';
import { runSmoke } from '@/server/services/smoke/run';
import { startReleaseContainers } from '@/server/services/containers/deploy';
import { DomainError } from '@/server/errors';

/** How long one wait for approval lasts before the function looks at the request again (events usually wake it sooner). */
const APPROVAL_RECHECK_MS = 10 * 60_000;
/** The longest a paused rollout waits before looking again (a resume, abort or promote-now wakes it sooner). */
export const PAUSED_RECHECK_MS = 30 * 60_000;
/** At most this many analyses per bake, however long it is. */
const MAX_CHECKS_PER_BAKE = 40;

export type Gate = { state: 'approved' } | { state: 'pending'; waitMs: number } | { state: 'ended'; status: string };

/** Is the rollout cleared to start? Times the request out when it has expired. */
export async function approvalGate(db: Db, id: string, now = rolloutNow()): Promise<Gate> {
  return asEngine(db, id, async (ctx, l) => {
    const r = l.rollout;
    if (!isActive(r.status)) return { state: 'ended', status: r.status };
    if (r.status !== 'awaiting-approval') return { state: 'approved' };
    const [request] = await ctx.db.select().from(approvalRequests).where(eq(approvalRequests.rolloutId, r.id)).for('update');
    if (!request) return { state: 'approved' };
    if (now.getTime() < request.expiresAt.getTime()) return { state: 'pending', waitMs: Math.min(APPROVAL_RECHECK_MS, request.expiresAt.getTime() - now.getTime() + 250) };
    const [{ n } = { n: 0 }] = await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(approvalDecisions)
      .where(and(eq(approvalDecisions.requestId, request.id), eq(approvalDecisions.decision, 'approve')));
    await ctx.db.update(approvalRequests).set({ status: 'timed-out', decidedAt: now }).where(eq(approvalRequests.id, request.id));
    const minutes = l.env.protection.approvalTimeoutMinutes ?? DEFAULT_APPROVAL_TIMEOUT_MINUTES;
    await endRollout(ctx, l, 'approval-timed-out', `approval timed out after ${minutes} min with ${n} of ${request.requiredApprovals} approval(s)`, { restore: false });
    return { state: 'ended', status: 'approval-timed-out' };
  });
}

/** Milliseconds left on the environment's wait timer, counted from when the rollout was cleared. */
export async function waitTimerLeft(db: Db, id: string, now = rolloutNow()): Promise<{ ms: number }> {
  return asEngine(db, id, async (ctx, l) => {
    const minutes = l.env.protection.waitTimerMinutes;
    if (!minutes || l.rollout.status !== 'waiting') return { ms: 0 };
    const [request] = await ctx.db.select({ decidedAt: approvalRequests.decidedAt }).from(approvalRequests).where(eq(approvalRequests.rolloutId, id));
    const from = request?.decidedAt ?? l.rollout.createdAt;
    const ms = from.getTime() + minutes * 60_000 - now.getTime();
    if (ms > 0) await addEvent(ctx, id, 'wait-timer', `waiting ${minutes} min (the environment's wait timer) before the first step`, { until: new Date(now.getTime() + ms).toISOString() });
    return { ms: Math.max(0, ms) };
  });
}

export type Started = { ended: true; status: string } | { ended: false; steps: number };

export async function startRollout(db: Db, id: string): Promise<Started> {
  return asEngine(db, id, async (ctx, l) => {
    if (!isActive(l.rollout.status)) return { ended: true, status: l.rollout.status };
    if (l.rollout.status === 'waiting') {
      await setRollout(ctx, id, { status: 'running', startedAt: rolloutNow() });
      await addEvent(ctx, id, 'started', `started: ${l.rollout.plan.map((s) => describeStep(s, l.rollout.releaseNumber)).join(', then ')}`);
    }
    return { ended: false, steps: l.rollout.plan.length };
  });
}

export type Applied = { action: 'ended'; status: string } | { action: 'applied'; smoke: boolean } | { action: 'paused' } | { action: 'promote' };

/** Moves traffic to the step's routing table (unless the rollout ended, is paused, or was told to promote now). */
export async function applyStep(db: Db, id: string, index: number): Promise<Applied> {
  return asEngine(db, id, async (ctx, l) => {
    const r = l.rollout;
    if (!isActive(r.status)) return { action: 'ended', status: r.status };
    if (r.status === 'paused') return { action: 'paused' };
    if (r.promoteNow && index < r.plan.length - 1) return { action: 'promote' };
    if (r.stepIndex >= index) return { action: 'applied', smoke: false };
    const step = r.plan[index]!;
    const routes = routesFor(step, { releaseId: r.releaseId, releaseNumber: r.releaseNumber }, r.baselineRoutes);
    const words = describeStep(step, r.releaseNumber);
    const historyId = await writeRoutes(ctx, l, routes, `rollout ${r.number} step ${index + 1} of ${r.plan.length}: ${words}`);
    await setRollout(ctx, id, { stepIndex: index, weight: step.weight, stepStartedAt: rolloutNow() });
    await addEvent(ctx, id, 'step', `step ${index + 1} of ${r.plan.length}: ${words}`, { step: index, weight: step.weight, routes, historyId });
    return { action: 'applied', smoke: step.kind === 'warm' };
  });
}

export type Prepared = { ok: true; started: number } | { ok: false; status: string };

/**
 * Before a step gives the candidate a place in the routing table: in a Docker environment, its replicas run and
 * answer their health path. A replica that does not become healthy ends the rollout as failed (the environment
 * goes back to its baseline) with what went wrong, and nothing it started is left running.
 */
export async function prepareContainers(db: Db, id: string, index: number): Promise<Prepared> {
  const l = await loadRollout(db, id);
  const r = l.rollout;
  if (!isActive(r.status)) return { ok: false, status: r.status };
  if (r.status === 'paused' || r.stepIndex >= index) return { ok: true, started: 0 };
  let problem: string;
  try {
    const ensured = await startReleaseContainers(db, l.env.id, r.releaseId);
    if (!ensured) return { ok: true, started: 0 };
    if (ensured.started) {
      await asEngine(db, id, (ctx) =>
        addEvent(ctx, id, 'containers', `${ensured.replicas.length} replica(s) of #${r.releaseNumber} healthy in slot ${ensured.slot} (ports ${ensured.replicas.map((x) => x.port).join(', ')})`, { slot: ensured.slot, replicas: ensured.replicas }),
      );
    }
    return { ok: true, started: ensured.started };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    problem = err.message;
  }
  return asEngine(db, id, async (ctx, cur) => {
    if (!isActive(cur.rollout.status)) return { ok: false, status: cur.rollout.status };
    await endRollout(ctx, cur, 'failed', `step ${index + 1}: ${problem}`, { restore: true });
    return { ok: false, status: 'failed' };
  });
}

const SMOKE_REQUESTS = 3;

/** Blue-green: calls the warmed release directly a few times; any failure rolls the rollout back. */
export async function smokeCheck(db: Db, id: string): Promise<{ ok: boolean }> {
  const first = await loadRollout(db, id);
  const { problems, timings } = await probeRelease(db, first.service, { id: first.rollout.releaseId, number: first.rollout.releaseNumber }, SMOKE_REQUESTS, first.env.id);
  return asEngine(db, id, async (ctx, l) => {
    if (!isActive(l.rollout.status)) return { ok: false };
    if (!problems.length) {
      await addEvent(ctx, id, 'smoke-check', `smoke check passed: ${SMOKE_REQUESTS} requests to #${l.rollout.releaseNumber} answered (${timings.join(', ')} ms)`, { timings });
      return { ok: true };
    }
    await endRollout(ctx, l, 'rolled-back', `smoke check of #${l.rollout.releaseNumber} failed: ${problems.join('; ')}`, { restore: true, data: { problems } });
    return { ok: false };
  });
}

/**
 * After a step moved traffic: the environment's smoke tests (its production checks), through the gateway, on every
 * release routed now, when it runs them after rollouts. One run per rollout step (key `rollout:<id>:<step>`); a
 * failure fires the smoke triggers but does not decide the rollout (its analysis does).
 */
export async function smokeTestsAfterStep(db: Db, id: string, index: number): Promise<{ ran: boolean; status: string | null }> {
  const l = await loadRollout(db, id);
  const smoke = checksOf(l.env).smoke;
  if (!smoke.enabled || !smoke.afterRollouts || !smoke.suite || !isActive(l.rollout.status)) return { ran: false, status: null };
  const { run } = await runSmoke(db, { environmentId: l.env.id, trigger: 'rollout-step', key: `rollout:${id}:${index}`, rolloutId: id });
  return { ran: true, status: run.status };
}

export type Tick = { action: 'ended'; status: string } | { action: 'next' } | { action: 'promote' } | { action: 'bake'; waitMs: number } | { action: 'paused' };

function baselineOf(l: Loaded) {
  const others = l.rollout.baselineRoutes.filter((r) => r.releaseId !== l.rollout.releaseId);
  if (!others.length) return null;
  const main = [...others].sort((a, b) => b.weight - a.weight)[0]!;
  return { releaseIds: others.map((r) => r.releaseId), releaseNumber: main.releaseNumber };
}

/** Runs the analysis of the step now reached: keeps baking, moves on, pauses for a human, or rolls back. */
export async function checkStep(db: Db, id: string, index: number, now = rolloutNow()): Promise<Tick> {
  const pre = await loadRollout(db, id);
  const r = pre.rollout;
  if (!isActive(r.status)) return { action: 'ended', status: r.status };
  if (r.status === 'paused') return { action: 'paused' };
  if (r.promoteNow && index < r.plan.length - 1) return { action: 'promote' };
  const step: RolloutStep = r.plan[index]!;
  const bakeMs = step.bakeSeconds * 1000;
  const holdMs = (step.holdSeconds ?? 0) * 1000;
  if (bakeMs === 0 && holdMs === 0) return { action: 'next' };
  const since = r.stepStartedAt ?? now;
  const elapsed = now.getTime() - since.getTime();
  const settings = r.analysisSettings;
  const interval = Math.max(settings.intervalSeconds * 1000, Math.ceil((bakeMs + holdMs) / MAX_CHECKS_PER_BAKE));
  // With no traffic on the candidate yet (0%), there is nothing to analyse.
  let analysis: AnalysisResult | null = null;
  if (step.weight > 0) {
    const concurrent = step.kind === 'shift' && step.weight < 100;
    const baseline = baselineOf(pre);
    const beforeStart = r.startedAt ?? r.createdAt;
    analysis = await analyseArms(db, {
      serviceId: r.serviceId,
      environment: pre.env.name,
      step: index,
      candidate: { releaseId: r.releaseId, releaseNumber: r.releaseNumber },
      baseline,
      window: { since, until: now },
      // After a switch there is no stable arm serving alongside: compare with what the old release did before.
      baselineWindow: concurrent ? undefined : { since: new Date(beforeStart.getTime() - Math.max(bakeMs, 15 * 60_000)), until: beforeStart },
      slos: r.slos,
      settings,
    });
  }
  return asEngine(db, id, async (ctx, l) => {
    const cur = l.rollout;
    if (!isActive(cur.status)) return { action: 'ended', status: cur.status };
    if (cur.status === 'paused') return { action: 'paused' };
    if (cur.stepIndex !== index || (cur.stepStartedAt?.getTime() ?? 0) !== since.getTime()) return { action: 'bake', waitMs: 1000 };
    if (analysis) await setRollout(ctx, id, { lastAnalysis: analysis });
    if (analysis?.verdict === 'fail') {
      const figures = { analysis };
      if (cur.policy.autoRollback) {
        await endRollout(ctx, l, 'rolled-back', `analysis at step ${index + 1} failed: ${analysis.summary}`, { restore: true, data: figures });
        return { action: 'ended', status: 'rolled-back' };
      }
      await pause(ctx, l, `analysis at step ${index + 1} failed: ${analysis.summary} (automatic rollback is off: a person decides)`, figures);
      return { action: 'paused' };
    }
    const done = elapsed >= bakeMs + holdMs;
    if (!done) return { action: 'bake', waitMs: Math.min(interval, bakeMs + holdMs - elapsed) };
    if (!analysis || analysis.verdict === 'pass') {
      if (analysis) await addEvent(ctx, id, 'analysis', `step ${index + 1} passed analysis: ${analysis.summary}`, { analysis });
      return { action: 'next' };
    }
    // Inconclusive: wait for more traffic, then hand over to a person.
    const waited = elapsed - bakeMs - holdMs;
    const extra = settings.inconclusiveWaitMinutes * 60_000;
    if (waited < extra) return { action: 'bake', waitMs: Math.min(interval, extra - waited) };
    await pause(ctx, l, `analysis at step ${index + 1} is inconclusive after waiting ${settings.inconclusiveWaitMinutes} min: ${analysis.summary}`, { analysis });
    return { action: 'paused' };
  });
}

async function pause(ctx: Parameters<Parameters<typeof asEngine>[2]>[0], l: Loaded, reason: string, data: Record<string, unknown>) {
  await setRollout(ctx, l.rollout.id, { status: 'paused', reason });
  await addEvent(ctx, l.rollout.id, 'paused', `paused: ${reason}`, data);
  await recordAudit(ctx, { action: 'rollout.pause', target: { kind: 'rollout', id: l.rollout.id, label: rolloutRef(l) }, summary: `${rolloutRef(l)} paused: ${reason}` });
}

export async function completeRollout(db: Db, id: string): Promise<{ status: string }> {
  return asEngine(db, id, async (ctx, l) => {
    if (!isActive(l.rollout.status)) return { status: l.rollout.status };
    await endRollout(ctx, l, 'succeeded', `#${l.rollout.releaseNumber} serves all of ${l.env.name}`, { restore: false });
    return { status: 'succeeded' };
  });
}
