// The release flow: a rollout takes one release into one environment per its policy (approvals first when the
// environment requires them), step by step with analysis; its events are the timeline the live view shows.
import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { environments, releases, services, type AnalysisSettings, type RolloutPolicy, type RouteEntry, type Slos } from './registry';
import { pipelineRuns } from './pipelines';

import type { RolloutStatus } from './rollout-status';

export { ACTIVE_ROLLOUT_STATUSES, ROLLOUT_STATUSES, type RolloutStatus } from './rollout-status';

/** One planned move of a rollout. `warm` routes the release at 0% (blue-green), `retire` drops the old releases. */
export interface RolloutStep {
  kind: 'shift' | 'warm' | 'switch' | 'retire';
  weight: number;
  /** How long the step bakes with analysis before the next one (0 = none). */
  bakeSeconds: number;
  /** Blue-green: how long the old release stays routable after the switch. */
  holdSeconds?: number;
}

export interface ArmFigures {
  releaseNumber: number | null;
  requests: number;
  errors: number;
  errorRate: number | null;
  p95LatencyMs: number | null;
  p95TtftMs: number | null;
  costPerRequestUsd: number | null;
  feedbackCount: number;
  feedbackMean: number | null;
  /** Online-eval scores of the arm's answers in the window, and the share that passed (absent in analyses made before online evals). */
  qualityCount?: number;
  qualityPassRate?: number | null;
}

export interface AnalysisCheck {
  metric: 'error-rate' | 'p95-latency' | 'p95-ttft' | 'cost-per-request' | 'feedback' | 'online-quality';
  /** slo: an absolute limit of the environment; relative: against the stable arm. */
  kind: 'slo' | 'relative';
  candidate: number | null;
  baseline: number | null;
  limit: number;
  passed: boolean;
  message: string;
}

export interface AnalysisResult {
  at: string;
  step: number;
  verdict: 'pass' | 'fail' | 'inconclusive';
  since: string;
  candidate: ArmFigures;
  baseline: ArmFigures | null;
  checks: AnalysisCheck[];
  /** Why the verdict is what it is, in one sentence. */
  summary: string;
}

export const rollouts = pgTable(
  'rollouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    /** Per environment, 1, 2, 3… */
    number: integer('number').notNull(),
    /** `rollback`: a one-click rollback, recorded when it ended no rollout (it switched at once, nothing to run). */
    kind: text('kind', { enum: ['rollout', 'rollback'] }).notNull().default('rollout'),
    releaseId: uuid('release_id')
      .notNull()
      .references(() => releases.id),
    releaseNumber: integer('release_number').notNull(),
    strategy: text('strategy').$type<RolloutPolicy['strategy']>().notNull(),
    /** The environment's policy, SLOs and analysis settings as they were when the rollout was asked for. */
    policy: jsonb('policy').$type<RolloutPolicy>().notNull(),
    slos: jsonb('slos').$type<Slos>().notNull(),
    analysisSettings: jsonb('analysis_settings').$type<AnalysisSettings>().notNull(),
    plan: jsonb('plan').$type<RolloutStep[]>().notNull(),
    /** What the environment ran before: the stable arm, and where a rollback returns. */
    baselineRoutes: jsonb('baseline_routes').$type<RouteEntry[]>().notNull(),
    status: text('status').$type<RolloutStatus>().notNull(),
    /** Index into plan of the step reached (-1 before the first). */
    stepIndex: integer('step_index').notNull().default(-1),
    weight: integer('weight').notNull().default(0),
    /** Set by promote-now: skip remaining bakes and go to all traffic. */
    promoteNow: boolean('promote_now').notNull().default(false),
    stepStartedAt: timestamp('step_started_at', { withTimezone: true }),
    lastAnalysis: jsonb('last_analysis').$type<AnalysisResult | null>(),
    /** Why it ended (or paused), in words, with the figures when analysis decided. */
    reason: text('reason'),
    branch: text('branch'),
    pipelineRunId: uuid('pipeline_run_id').references(() => pipelineRuns.id),
    requestedBy: text('requested_by').notNull(),
    requestedByUserId: uuid('requested_by_user_id').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('rollouts_env_number_key').on(t.environmentId, t.number),
    uniqueIndex('rollouts_one_active_per_env').on(t.environmentId).where(sql`${t.status} in ('awaiting-approval', 'waiting', 'running', 'paused')`),
    index('rollouts_service_created_idx').on(t.serviceId, t.createdAt),
  ],
);

export const rolloutEvents = pgTable(
  'rollout_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    rolloutId: uuid('rollout_id')
      .notNull()
      .references(() => rollouts.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    kind: text('kind').notNull(),
    message: text('message').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    actorLabel: text('actor_label').notNull(),
  },
  (t) => [index('rollout_events_rollout_idx').on(t.rolloutId, t.id)],
);

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timed-out' | 'cancelled';

export const approvalRequests = pgTable(
  'approval_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    rolloutId: uuid('rollout_id')
      .notNull()
      .references(() => rollouts.id),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    releaseId: uuid('release_id')
      .notNull()
      .references(() => releases.id),
    requiredApprovals: integer('required_approvals').notNull(),
    /** Users who may not approve (who asked, who made the release, who triggered the run) when self-approval is prevented. */
    excludedUserIds: jsonb('excluded_user_ids').$type<string[]>().notNull().default([]),
    /** Labels of the same people (emails, commit authors) for display and for tokens without a user. */
    authors: jsonb('authors').$type<string[]>().notNull().default([]),
    status: text('status').$type<ApprovalStatus>().notNull().default('pending'),
    requestedBy: text('requested_by').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('approval_requests_rollout_key').on(t.rolloutId), index('approval_requests_status_idx').on(t.status, t.createdAt)],
);

export const approvalDecisions = pgTable(
  'approval_decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => approvalRequests.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    actorLabel: text('actor_label').notNull(),
    decision: text('decision', { enum: ['approve', 'reject'] }).notNull(),
    comment: text('comment').notNull().default(''),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('approval_decisions_request_user_key').on(t.requestId, t.userId)],
);

export type Rollout = typeof rollouts.$inferSelect;
export type RolloutEvent = typeof rolloutEvents.$inferSelect;
export type ApprovalRequest = typeof approvalRequests.$inferSelect;
export type ApprovalDecision = typeof approvalDecisions.$inferSelect;
