// People's controls on a running rollout: pause, resume, abort (back to what ran before) and promote-now (skip
// the remaining bakes). Each locks the rollout, checks it is in a state where the control makes sense,
// records an event and an audit entry, and wakes the rollout's function.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { approvalRequests, rollouts } from '@/db/schema';
import { actorRole } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { forbidden, invalid } from '@/server/errors';
import { addEvent, endRollout, isActive, loadRollout, rolloutRef, setRollout, signal, type Loaded } from './records';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { rolloutNow } from './clock';

export const controlInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  number: z.number().int().positive('must be a rollout number'),
  reason: z.string().trim().max(500).default(''),
});

/** Controls follow who may change the environment: approvers for protected ones, engineers for the rest. */
function assertMayControl(ctx: ServiceContext, l: Loaded) {
  requireScope(ctx, 'environments:deploy');
  if (l.env.protection.requiredApprovals > 0 && !can(actorRole(ctx.actor), 'environments:deploy-protected')) {
    throw forbidden(`${l.env.name} requires approval: only approvers may control its rollouts`);
  }
}

async function withRollout<T>(ctx: ServiceContext, input: z.input<typeof controlInput>, fn: (tx: ServiceContext, l: Loaded, reason: string) => Promise<T>): Promise<T> {
  const data = controlInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    const [row] = await tx.db
      .select({ id: rollouts.id })
      .from(rollouts)
      .where(and(eq(rollouts.environmentId, env.id), eq(rollouts.number, data.number)));
    if (!row) throw invalid('number', `${service.name}/${env.name} has no rollout ${data.number}`);
    const l = await loadRollout(tx.db, row.id, true);
    assertMayControl(tx, l);
    return fn(tx, l, data.reason);
  });
}

const said = (ctx: ServiceContext, reason: string) => `${by(ctx)}${reason ? `: ${reason}` : ''}`;

async function audit(ctx: ServiceContext, l: Loaded, action: string, summary: string) {
  await recordAudit(ctx, { action: `rollout.${action}`, target: { kind: 'rollout', id: l.rollout.id, label: rolloutRef(l) }, summary });
}

export async function pauseRollout(ctx: ServiceContext, input: z.input<typeof controlInput>) {
  return withRollout(ctx, input, async (tx, l, reason) => {
    if (l.rollout.status !== 'running') throw invalid('number', `rollout ${l.rollout.number} is ${l.rollout.status}; only a running rollout can be paused`);
    await setRollout(tx, l.rollout.id, { status: 'paused', reason: `paused by ${said(tx, reason)}` });
    await addEvent(tx, l.rollout.id, 'paused', `paused by ${said(tx, reason)}`);
    await audit(tx, l, 'pause', `Paused ${rolloutRef(l)} at ${l.rollout.weight}%${reason ? ` — ${reason}` : ''}`);
    await signal(tx, l.rollout.id, 'pause');
    return { status: 'paused' as const };
  });
}

export async function resumeRollout(ctx: ServiceContext, input: z.input<typeof controlInput>) {
  return withRollout(ctx, input, async (tx, l, reason) => {
    if (l.rollout.status !== 'paused') throw invalid('number', `rollout ${l.rollout.number} is ${l.rollout.status}; only a paused rollout can be resumed`);
    // The current step bakes again from now: its analysis sees only traffic after the resume.
    await setRollout(tx, l.rollout.id, { status: 'running', reason: null, stepStartedAt: l.rollout.stepIndex >= 0 ? rolloutNow() : null });
    await addEvent(tx, l.rollout.id, 'resumed', `resumed by ${said(tx, reason)}`);
    await audit(tx, l, 'resume', `Resumed ${rolloutRef(l)}${reason ? ` — ${reason}` : ''}`);
    await signal(tx, l.rollout.id, 'resume');
    return { status: 'running' as const };
  });
}

export async function promoteNow(ctx: ServiceContext, input: z.input<typeof controlInput>) {
  return withRollout(ctx, input, async (tx, l, reason) => {
    if (l.rollout.status !== 'running' && l.rollout.status !== 'paused') throw invalid('number', `rollout ${l.rollout.number} is ${l.rollout.status}; only a running or paused rollout can be promoted now`);
    await setRollout(tx, l.rollout.id, { status: 'running', promoteNow: true, reason: null });
    await addEvent(tx, l.rollout.id, 'promote-now', `promoted now by ${said(tx, reason)}: the remaining bakes are skipped`);
    await audit(tx, l, 'promote-now', `Promoted ${rolloutRef(l)} now, skipping the remaining steps${reason ? ` — ${reason}` : ''}`);
    await signal(tx, l.rollout.id, 'promote-now');
    return { status: 'running' as const };
  });
}

export async function abortRollout(ctx: ServiceContext, input: z.input<typeof controlInput>) {
  return withRollout(ctx, input, async (tx, l, reason) => {
    if (!isActive(l.rollout.status)) throw invalid('number', `rollout ${l.rollout.number} already ended (${l.rollout.status})`);
    await cancelApproval(tx, l);
    await endRollout(tx, l, 'aborted', `aborted by ${said(tx, reason)}`, { restore: true });
    await signal(tx, l.rollout.id, 'abort');
    return { status: 'aborted' as const };
  });
}

/** An open approval request of a rollout that ends otherwise is cancelled. */
export async function cancelApproval(ctx: ServiceContext, l: Loaded) {
  await ctx.db
    .update(approvalRequests)
    .set({ status: 'cancelled', decidedAt: rolloutNow() })
    .where(and(eq(approvalRequests.rolloutId, l.rollout.id), eq(approvalRequests.status, 'pending')));
}
