// Approve or reject a rollout's approval request. The environment's rules apply: approvers only, never the
// person who asked or who made the release when self-approval is prevented, one decision per person, and not
// after the request expired. Enough approvals clear the rollout; one rejection ends it.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { approvalDecisions, approvalRequests } from '@/db/schema';
import { actorUserId } from '@/server/auth/actor';
import { conflict, forbidden, invalid, notFound } from '@/server/errors';
import { addEvent, endRollout, loadRollout, rolloutRef, setRollout, signal } from '@/server/services/rollouts/records';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by } from '../registry-shared';
import { rolloutNow } from '@/server/services/rollouts/clock';

export const decideInput = z.object({
  id: z.uuid('must be an approval request id'),
  decision: z.enum(['approve', 'reject'], { message: 'must be approve or reject' }),
  comment: z.string().trim().max(2000).default(''),
});

export async function decideApproval(ctx: ServiceContext, input: z.input<typeof decideInput>) {
  requireScope(ctx, 'approvals:decide');
  const data = decideInput.parse(input);
  const userId = actorUserId(ctx.actor);
  if (!userId) throw forbidden('approvals are made by people: sign in, or use a token that belongs to a user');
  return withTransaction(ctx, async (tx) => {
    // Locks in the engine's order, the rollout before its request, so a decision and the rollout function's
    // look at the request never wait on each other (a deadlock PostgreSQL would break by failing one).
    const [found] = await tx.db.select({ rolloutId: approvalRequests.rolloutId }).from(approvalRequests).where(eq(approvalRequests.id, data.id));
    if (!found) throw notFound('Approval request');
    const l = await loadRollout(tx.db, found.rolloutId, true);
    const [request] = await tx.db.select().from(approvalRequests).where(eq(approvalRequests.id, data.id)).for('update');
    if (!request) throw notFound('Approval request');
    if (request.status !== 'pending') throw invalid('id', `this request is already ${request.status}`);
    if (rolloutNow().getTime() >= request.expiresAt.getTime()) throw invalid('id', 'this request has expired; the rollout fails as approval timed out');
    if (request.excludedUserIds.includes(userId)) throw forbidden(`you asked for this rollout or made ${l.service.name}#${l.rollout.releaseNumber}: someone else must approve it`);
    const [earlier] = await tx.db
      .select()
      .from(approvalDecisions)
      .where(and(eq(approvalDecisions.requestId, request.id), eq(approvalDecisions.userId, userId)));
    if (earlier) throw conflict(`you already decided on this request (${earlier.decision}d at ${earlier.at.toISOString()})`);
    await tx.db.insert(approvalDecisions).values({ requestId: request.id, userId, actorLabel: by(tx), decision: data.decision, comment: data.comment });
    const what = `${l.service.name}#${l.rollout.releaseNumber} to ${l.env.name}`;
    const note = data.comment ? `: ${data.comment}` : '';
    await recordAudit(tx, {
      action: `approval.${data.decision}`,
      target: { kind: 'rollout', id: l.rollout.id, label: rolloutRef(l) },
      summary: `${data.decision === 'approve' ? 'Approved' : 'Rejected'} ${what}${note}`,
      changes: { requestId: request.id, comment: data.comment },
    });
    if (data.decision === 'reject') {
      await tx.db.update(approvalRequests).set({ status: 'rejected', decidedAt: rolloutNow() }).where(eq(approvalRequests.id, request.id));
      await endRollout(tx, l, 'rejected', `rejected by ${by(tx)}${note}`, { restore: false });
      await signal(tx, l.rollout.id, 'rejected');
      return { status: 'rejected' as const, approvals: 0, required: request.requiredApprovals };
    }
    const [{ n } = { n: 0 }] = await tx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(approvalDecisions)
      .where(and(eq(approvalDecisions.requestId, request.id), eq(approvalDecisions.decision, 'approve')));
    await addEvent(tx, l.rollout.id, 'approved-by', `approved by ${by(tx)} (${n} of ${request.requiredApprovals})${note}`);
    if (n >= request.requiredApprovals) {
      await tx.db.update(approvalRequests).set({ status: 'approved', decidedAt: rolloutNow() }).where(eq(approvalRequests.id, request.id));
      await setRollout(tx, l.rollout.id, { status: 'waiting' });
      await addEvent(tx, l.rollout.id, 'approved', `approved (${n} of ${request.requiredApprovals}): the rollout starts`);
      await signal(tx, l.rollout.id, 'approved');
      return { status: 'approved' as const, approvals: n, required: request.requiredApprovals };
    }
    return { status: 'pending' as const, approvals: n, required: request.requiredApprovals };
  });
}
