// Production checks: what watches an environment once a release serves it — drift reports on the gateway's
// telemetry, online evals of sampled live requests, scheduled smoke tests through the gateway, and the triggers
// that turn drift, online quality, feedback or a failed smoke test into a recorded event, a notification, a signed
// retraining webhook or a pipeline run. An environment's settings for all four live in `environments.checks`.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { AssertionOutcome } from './evals';
import { environments, releases, services, type Json } from './registry';

// ---------------------------------------------------------------------------------------------------------------
// Settings (environments.checks)

/** Where a drift report's reference window comes from. */
export type DriftReference =
  /** The first `hours` of traffic of the release serving now (its largest route), in this environment. */
  | { kind: 'release-start'; hours: number }
  /** A fixed period of this environment's traffic. */
  | { kind: 'period'; from: string; to: string }
  /** The inputs of a dataset version of the service (input features and input text only). */
  | { kind: 'dataset'; dataset: string; version: number | null };

export interface DriftSettings {
  /** Scheduled reports; on-demand reports work either way. */
  enabled: boolean;
  /** Minutes between scheduled reports (default 60). */
  everyMinutes: number;
  reference: DriftReference;
  /** The current window: the last `currentHours` hours (default 24). */
  currentHours: number;
  /** At most this many requests are read per window, sampled evenly (default 5000). */
  maxRows: number;
  /** A dataset drifts when at least this share of its features drift (default 0.5). */
  datasetDriftShare: number;
  /** Also a report per release that served both windows (canary arms) besides the whole environment. */
  perRelease: boolean;
  /** `model@version` of a registered model version whose OpenAI-compatible `/embeddings` endpoint embeds the texts; null: no embedding drift. */
  embeddingsModel: string | null;
}

export interface OnlineEvalSettings {
  enabled: boolean;
  /** The eval suite whose suite-level assertions score live answers. */
  suite: string | null;
  /** Share of live (non-shadow, non-synthetic) requests kept for scoring, 0–100. */
  samplePercent: number;
  /** Spend on model-graded assertions per UTC day; past it only deterministic assertions run. */
  dailyBudgetUsd: number;
}

export interface SmokeSettings {
  enabled: boolean;
  /** Cron expression (UTC), e.g. `*\/15 * * * *`. */
  schedule: string;
  /** The eval suite whose dataset's first `cases` cases are sent, scored with its assertions. */
  suite: string | null;
  cases: number;
  /** Also run after every rollout step and after a rollback. */
  afterRollouts: boolean;
}

export const TRIGGER_SOURCES = ['drift', 'online-quality', 'feedback', 'smoke'] as const;
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

/**
 * How long a rule that fired stays quiet, by source: a drift that persists shows in every hourly report, and a broken
 * release fails every smoke run; online-quality and feedback rules already stay quiet while their windows overlap.
 */
export const DEFAULT_COOLDOWN_HOURS: Record<TriggerSource, number> = { drift: 24, smoke: 1, 'online-quality': 0, feedback: 0 };

export interface TriggerRule {
  /** Stable within the environment (`[a-z0-9-]+`); events are idempotent per rule and source key. */
  id: string;
  source: TriggerSource;
  enabled: boolean;
  /**
   * drift: fires when a report shows dataset drift (`feature` null) or the named feature drifts;
   * online-quality: the online pass rate over `windowHours` below `threshold` (with at least `minCount` scores);
   * feedback: the mean feedback score over `windowHours` below `threshold`, or dropped by more than `maxDrop` from
   * the window before (at least `minCount` scores in each);
   * smoke: a smoke run failed.
   */
  feature: string | null;
  threshold: number | null;
  maxDrop: number | null;
  windowHours: number;
  minCount: number;
  /**
   * After firing, the rule stays quiet in the environment for this many hours: later reports, runs or windows that
   * cross it are not events (so a drift that persists calls the retraining webhook once, not every hour). Absent:
   * the source's default (DEFAULT_COOLDOWN_HOURS); 0: every report, run or window fires.
   */
  cooldownHours?: number;
  actions: {
    notify: boolean;
    /** A signed retraining webhook: POST with the report, signed with HMAC-SHA256 by a stored `webhook_signing` secret. */
    webhook: { url: string; secret: string } | null;
    /** Start the service's pipeline on its default branch. */
    pipeline: boolean;
  };
}

export interface ProductionChecks {
  drift: DriftSettings;
  onlineEvals: OnlineEvalSettings;
  smoke: SmokeSettings;
  /** null: the default rules (drift, smoke failure and feedback drop, notify only). */
  triggers: TriggerRule[] | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Drift reports

export type DriftMethod = 'ks' | 'chi-squared' | 'z-test' | 'wasserstein' | 'jensen-shannon' | 'psi' | 'domain-classifier' | 'embeddings-classifier';

/** Bins shared by both windows, so the two distributions can be drawn side by side. */
export interface DriftHistogram {
  /** Bin labels: `[lo, hi)` ranges for numbers, category names otherwise. */
  bins: string[];
  reference: number[];
  current: number[];
}

export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical' | 'binary';
  method: DriftMethod;
  /** The test's statistic or the distance. */
  statistic: number;
  /** p-value for tests (drift below threshold), null for distances (drift at or above threshold). */
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  /** The population stability index, reported beside the method; null when it cannot be computed. */
  psi: number | null;
  referenceRows: number;
  currentRows: number;
  referenceMean: number | null;
  currentMean: number | null;
  histogram: DriftHistogram;
  /** Why the feature was not tested (too few rows on either side, no values). */
  skipped: string | null;
}

export interface TextDrift {
  field: 'input' | 'output';
  method: 'domain-classifier' | 'embeddings-classifier';
  /** ROC AUC of the classifier on held-out texts. */
  auc: number | null;
  /** Drift when the AUC exceeds it: the 95th percentile of AUCs with shuffled labels, at least 0.55. */
  threshold: number;
  drifted: boolean;
  referenceRows: number;
  currentRows: number;
  /** The n-grams weighing most toward the current window (positive) and the reference (negative). */
  topNgrams: { ngram: string; weight: number; referenceShare: number; currentShare: number }[];
  skipped: string | null;
}

export interface DriftWindow {
  from: string;
  to: string;
  /** Requests (or dataset cases) read. */
  rows: number;
  /** Requests in the window before sampling. */
  total: number;
  label: string;
}

export const driftReports = pgTable(
  'drift_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    environment: text('environment').notNull(),
    /** Null: the whole environment; else one release's arm. */
    releaseId: uuid('release_id').references(() => releases.id),
    releaseNumber: integer('release_number'),
    trigger: text('trigger').$type<'schedule' | 'manual'>().notNull(),
    requestedBy: text('requested_by'),
    /** drift | no-drift | insufficient (too little data to test any feature) | failed. */
    status: text('status').$type<'drift' | 'no-drift' | 'insufficient' | 'failed'>().notNull(),
    reference: jsonb('reference').$type<DriftWindow & { kind: DriftReference['kind'] }>().notNull(),
    current: jsonb('current').$type<DriftWindow>().notNull(),
    features: jsonb('features').$type<FeatureDrift[]>().notNull(),
    text: jsonb('text').$type<TextDrift[]>().notNull(),
    driftedShare: real('drifted_share'),
    datasetDrift: boolean('dataset_drift').notNull(),
    /** The settings in force (thresholds, windows), so a past report reads the same later. */
    settings: jsonb('settings').$type<DriftSettings>().notNull(),
    error: text('error'),
    durationMs: integer('duration_ms').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('drift_reports_env_created_idx').on(t.environmentId, t.createdAt)],
);

// ---------------------------------------------------------------------------------------------------------------
// Online evals

export const onlineScores = pgTable(
  'online_scores',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** When the request arrived (request_logs.at). */
    at: timestamp('at', { withTimezone: true }).notNull(),
    requestId: text('request_id').notNull(),
    serviceId: uuid('service_id').notNull(),
    environmentId: uuid('environment_id').notNull(),
    environment: text('environment').notNull(),
    releaseId: uuid('release_id'),
    releaseNumber: integer('release_number'),
    suiteVersionId: uuid('suite_version_id').notNull(),
    score: real('score').notNull(),
    pass: boolean('pass').notNull(),
    outcomes: jsonb('outcomes').$type<AssertionOutcome[]>().notNull(),
    /** Spend on model-graded assertions. */
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    /** Model-graded assertions skipped because the day's budget was spent. */
    budgetSkipped: boolean('budget_skipped').notNull().default(false),
    scoredAt: timestamp('scored_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('online_scores_request_key').on(t.requestId), index('online_scores_env_at_idx').on(t.environmentId, t.at)],
);

/** How far online scoring got per environment, and the day's spend. */
export const onlineEvalState = pgTable('online_eval_state', {
  environmentId: uuid('environment_id')
    .primaryKey()
    .references(() => environments.id),
  /** request_logs rows up to this arrival time (and id) were considered. */
  watermarkAt: timestamp('watermark_at', { withTimezone: true }).notNull(),
  watermarkId: bigint('watermark_id', { mode: 'number' }).notNull().default(0),
  spendDay: text('spend_day').notNull(),
  spentUsd: doublePrecision('spent_usd').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

// ---------------------------------------------------------------------------------------------------------------
// Smoke tests

export interface SmokeResult {
  caseIndex: number;
  releaseNumber: number | null;
  status: number;
  latencyMs: number;
  pass: boolean;
  score: number;
  /** The first 500 characters of the answer. */
  output: string | null;
  reason: string;
  requestId: string;
}

export const smokeRuns = pgTable(
  'smoke_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    environment: text('environment').notNull(),
    trigger: text('trigger').$type<'schedule' | 'manual' | 'rollout-step' | 'rollback'>().notNull(),
    /** The schedule slot or the rollout step it ran for: one run per key. */
    key: text('key').notNull(),
    rolloutId: uuid('rollout_id'),
    requestedBy: text('requested_by'),
    status: text('status').$type<'running' | 'passed' | 'failed' | 'error'>().notNull(),
    cases: integer('cases').notNull().default(0),
    passed: integer('passed').notNull().default(0),
    results: jsonb('results').$type<SmokeResult[]>().notNull().default([]),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set after every call while the run goes on: a run is cut off when this stops moving, however long it is. */
    progressAt: timestamp('progress_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('smoke_runs_key').on(t.environmentId, t.key), index('smoke_runs_env_started_idx').on(t.environmentId, t.startedAt)],
);

// ---------------------------------------------------------------------------------------------------------------
// Triggers

/**
 * How one action of a trigger event went. `sending`: claimed by a delivery now (since `claimedAt`), so two
 * deliveries never send it twice; `excerpt`: a short, redacted excerpt of the webhook's answer (never the body).
 */
export type ActionState = {
  state: 'none' | 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  status: number | null;
  error: string | null;
  claimedAt?: string | null;
  excerpt?: string | null;
};

export const triggerEvents = pgTable(
  'trigger_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    environment: text('environment').notNull(),
    ruleId: text('rule_id').notNull(),
    source: text('source').$type<TriggerSource>().notNull(),
    /** What fired it: a drift report or smoke run id, or the evaluated window (`online-quality:2026-12-04T05`). */
    sourceKey: text('source_key').notNull(),
    releaseNumber: integer('release_number'),
    /** One sentence: what crossed which rule. */
    summary: text('summary').notNull(),
    rule: jsonb('rule').$type<TriggerRule>().notNull(),
    data: jsonb('data').$type<Json>().notNull(),
    notify: jsonb('notify').$type<ActionState>().notNull(),
    webhook: jsonb('webhook').$type<ActionState>().notNull(),
    pipelineRunId: uuid('pipeline_run_id'),
    pipelineError: text('pipeline_error'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('trigger_events_once_key').on(t.environmentId, t.ruleId, t.sourceKey),
    index('trigger_events_env_at_idx').on(t.environmentId, t.at),
    index('trigger_events_pending_idx').on(t.at).where(sql`(${t.notify}->>'state') = 'pending' or (${t.webhook}->>'state') = 'pending'`),
  ],
);

export type DriftReport = typeof driftReports.$inferSelect;
export type OnlineScore = typeof onlineScores.$inferSelect;
export type SmokeRun = typeof smokeRuns.$inferSelect;
export type TriggerEvent = typeof triggerEvents.$inferSelect;
