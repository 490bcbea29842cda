// Writes one audit event inside the caller's transaction.
import { auditEvents } from '@/db/schema';
import { actorId, actorLabel } from '@/server/auth/actor';
import type { ServiceContext } from '../context';

export interface AuditInput {
  action: string;
  target: { kind: string; id?: string | null; label?: string | null };
  summary: string;
  changes?: Record<string, unknown>;
}

export async function recordAudit(ctx: ServiceContext, input: AuditInput): Promise<void> {
  await ctx.db.insert(auditEvents).values({
    actorKind: ctx.actor.kind,
    actorId: actorId(ctx.actor),
    actorLabel: actorLabel(ctx.actor),
    action: input.action,
    targetKind: input.target.kind,
    targetId: input.target.id ?? null,
    targetLabel: input.target.label ?? null,
    summary: input.summary,
    changes: input.changes ?? null,
    requestId: ctx.requestId,
  });
  if (ctx.auditTrail) ctx.auditTrail.count += 1;
}

/** For a mutation that found nothing to change (an idempotent push of known content): no row, but not a defect. */
export function recordNoChange(ctx: ServiceContext): void {
  if (ctx.auditTrail) ctx.auditTrail.count += 1;
}

