// Browses the audit trail newest first, filtered by actor, action, target and time, with a keyset cursor.
import { and, desc, eq, gte, ilike, lt, lte, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { storableDate } from '@/server/lib/storable';
import { auditEvents } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';

export const listAuditInput = z.object({
  actor: z.string().trim().max(200).optional(),
  action: z.string().trim().max(200).optional(),
  targetKind: z.string().trim().max(100).optional(),
  targetId: z.string().trim().max(200).optional(),
  from: storableDate().optional(),
  to: storableDate().optional(),
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export async function listAudit(ctx: ServiceContext, input: z.input<typeof listAuditInput>) {
  requireScope(ctx, 'audit:read');
  const q = listAuditInput.parse(input);
  const where: SQL[] = [];
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  if (q.actor) where.push(or(ilike(auditEvents.actorLabel, like(q.actor)), eq(auditEvents.actorId, q.actor))!);
  // An action filter ending in "." (or a bare domain) matches the whole family, e.g. "token" → token.create, token.revoke.
  if (q.action) where.push(q.action.includes('.') && !q.action.endsWith('.') ? eq(auditEvents.action, q.action) : ilike(auditEvents.action, `${q.action.replace(/\.$/, '')}.%`));
  if (q.targetKind) where.push(eq(auditEvents.targetKind, q.targetKind));
  if (q.targetId) where.push(eq(auditEvents.targetId, q.targetId));
  if (q.from) where.push(gte(auditEvents.at, q.from));
  if (q.to) where.push(lte(auditEvents.at, q.to));
  // ids grow with time, so the id alone is a stable cursor for "newest first".
  if (q.cursor) where.push(lt(auditEvents.id, q.cursor));
  const rows = await ctx.db
    .select()
    .from(auditEvents)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit);
  return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
}
