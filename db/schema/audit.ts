// The audit trail: one append-only row per change, written in the same transaction as the change.
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKind: text('actor_kind', { enum: ['user', 'token', 'system', 'webhook', 'anonymous'] }).notNull(),
    actorId: text('actor_id'),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    targetKind: text('target_kind').notNull(),
    targetId: text('target_id'),
    targetLabel: text('target_label'),
    summary: text('summary').notNull(),
    changes: jsonb('changes').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
  },
  (t) => [
    index('audit_events_at_idx').on(t.at.desc(), t.id.desc()),
    index('audit_events_action_idx').on(t.action),
    index('audit_events_actor_idx').on(t.actorId),
    index('audit_events_target_idx').on(t.targetKind, t.targetId),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
