// SLO alerting: each environment's alert rules (absent: the defaults derived from its SLOs) and the history of
// alerts — one row per firing, from its start to its end, with the burn figures and the state of its notifications.
import { sql } from 'drizzle-orm';
import { doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { environments, services } from './registry';

export const ALERT_OBJECTIVES = ['error-rate', 'p95-latency', 'p95-ttft', 'cost-per-request'] as const;
export type AlertObjective = (typeof ALERT_OBJECTIVES)[number];
export const ALERT_SEVERITIES = ['page', 'ticket'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** One multi-window burn-rate rule: fires when both windows burn the objective's budget faster than `burnRate`. */
export interface AlertRule {
  objective: AlertObjective;
  severity: AlertSeverity;
  longWindowMinutes: number;
  shortWindowMinutes: number;
  /** Times the rate at which the budget may be spent (1 = exactly at the objective). */
  burnRate: number;
  /** Events (requests, or streamed requests for TTFT) the long window needs before the rule may fire. */
  minEvents: number;
  enabled: boolean;
}

/** An environment's own rules; an environment without a row uses the defaults derived from its SLOs. */
export const alertRules = pgTable('alert_rules', {
  environmentId: uuid('environment_id')
    .primaryKey()
    .references(() => environments.id),
  rules: jsonb('rules').$type<AlertRule[]>().notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** What one window showed at one evaluation. */
export interface WindowReading {
  from: string;
  to: string;
  /** Requests in the window (streamed requests for TTFT). */
  events: number;
  /** Failed requests, requests slower than the objective, or (cost) the spend in USD. */
  bad: number;
  /** Bad events over events; for cost, the mean cost per request. null without events. */
  ratio: number | null;
  burnRate: number | null;
  /** The objective's own measure: error rate, p95 in ms, or cost per request in USD. */
  value: number | null;
}
export interface AlertReading {
  at: string;
  long: WindowReading;
  short: WindowReading;
}

export type NoticeState = 'pending' | 'sending' | 'sent' | 'failed' | 'none';

export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    environment: text('environment').notNull(),
    objective: text('objective').$type<AlertObjective>().notNull(),
    severity: text('severity').$type<AlertSeverity>().notNull(),
    status: text('status').$type<'firing' | 'resolved'>().notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** The rule and objective in force when it fired. */
    rule: jsonb('rule').$type<AlertRule>().notNull(),
    objectiveValue: doublePrecision('objective_value').notNull(),
    budget: doublePrecision('budget').notNull(),
    /** The highest long-window burn rate seen while firing, and the objective's measure then. */
    peakBurnRate: doublePrecision('peak_burn_rate').notNull(),
    peakValue: doublePrecision('peak_value'),
    peakAt: timestamp('peak_at', { withTimezone: true }).notNull(),
    /** The windows' figures when it fired, at its peak, and at the last evaluation (the one that resolved it). */
    figures: jsonb('figures').$type<{ start: AlertReading; peak: AlertReading; last: AlertReading }>().notNull(),
    lastEvaluatedAt: timestamp('last_evaluated_at', { withTimezone: true }).notNull(),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    /** The webhook messages: one when it fires, one when it resolves; retried at later evaluations, a few times. */
    fireNotice: text('fire_notice').$type<NoticeState>().notNull(),
    resolveNotice: text('resolve_notice').$type<NoticeState>(),
    noticeAttempts: integer('notice_attempts').notNull().default(0),
    noticeError: text('notice_error'),
  },
  (t) => [
    // An objective fires once: a second firing row for the same rule cannot exist while one is open.
    uniqueIndex('alerts_one_firing_key').on(t.environmentId, t.objective, t.severity).where(sql`${t.status} = 'firing'`),
    index('alerts_env_started_idx').on(t.serviceId, t.environment, t.startedAt),
    index('alerts_started_idx').on(t.startedAt),
  ],
);

export type Alert = typeof alerts.$inferSelect;
