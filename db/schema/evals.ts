// Release gates: per-service datasets of test cases (immutable, content-addressed versions), eval suites (a
// dataset version, assertions and a gate rule, versioned), eval runs that score a candidate release beside a
// baseline case by case, the response cache that makes reruns free, and the gate results and admin overrides
// that promotion into an environment obeys.
import { sql } from 'drizzle-orm';
import { boolean, check, doublePrecision, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { environments, releases, services, type Json } from './registry';

/** One chat message of a case that gives messages rather than variables. */
export interface CaseMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What a case feeds the release: variables for its prompt, or messages sent as they are (or both). */
export interface CaseInput {
  variables?: Record<string, Json>;
  messages?: CaseMessage[];
}

export const datasets = pgTable(
  'datasets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('datasets_service_name_key').on(t.serviceId, t.name)],
);

export const DATASET_SOURCES = ['ui', 'api', 'cli', 'manifest', 'samples', 'seed'] as const;

/** Immutable: a push of identical cases creates nothing; anything else is a new version. */
export const datasetVersions = pgTable(
  'dataset_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    datasetId: uuid('dataset_id')
      .notNull()
      .references(() => datasets.id),
    version: integer('version').notNull(),
    /** sha256 of the canonical content of the cases, in order. */
    contentHash: text('content_hash').notNull(),
    caseCount: integer('case_count').notNull(),
    source: text('source', { enum: DATASET_SOURCES }).notNull(),
    /** The file the cases came from, if any (`cases.jsonl`). */
    fileName: text('file_name'),
    commitMessage: text('commit_message').notNull().default(''),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('dataset_versions_dataset_version_key').on(t.datasetId, t.version),
    uniqueIndex('dataset_versions_dataset_hash_key').on(t.datasetId, t.contentHash),
    check('dataset_versions_version_positive', sql`${t.version} > 0`),
  ],
);

export const datasetCases = pgTable(
  'dataset_cases',
  {
    datasetVersionId: uuid('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    /** Position in the version, from 0. */
    index: integer('index').notNull(),
    /** sha256 of the case's canonical content: the same case keeps its key across versions (diffs, caching). */
    caseKey: text('case_key').notNull(),
    /** An optional id given in the file, shown in the UI and kept across versions. */
    externalId: text('external_id'),
    input: jsonb('input').$type<CaseInput>().notNull(),
    /** The expected answer or reference text, if the case has one. */
    expected: text('expected'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    metadata: jsonb('metadata').$type<Record<string, Json>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.datasetVersionId, t.index] }), index('dataset_cases_key_idx').on(t.caseKey)],
);

/** One assertion of a suite, as written in its YAML (types and fields are checked by server/evals). */
export interface AssertionSpec {
  type: string;
  value?: Json;
  /** Score at or above which the assertion passes (0–1); each type has a default. */
  threshold?: number;
  weight?: number;
  /** A name to report the assertion's score under (several assertions may share one). */
  metric?: string;
  /** Type-specific options: a JSON schema, a judge model version (`grader@1`), n for rouge-n, … */
  [option: string]: Json | undefined;
}

/** How a suite's result becomes a gate verdict. Scores are fractions 0–1; the margin is a fraction too (0.02 = 2 points). */
export interface GateRule {
  /** Minimum candidate score; null takes the environment's `minEvalScore`. */
  minScore: number | null;
  /** Largest regression tolerated against the baseline before it counts (default 0.02). */
  maxRegression: number;
  /** Significance level of the regression test (default 0.05). */
  alpha: number;
}

/** What a suite checks: answers against assertions (eval), output format and safety, prompt-injection attacks, or the data itself. */
export const SUITE_TYPES = ['eval', 'safety', 'injection', 'data-quality'] as const;
export type SuiteType = (typeof SUITE_TYPES)[number];

export interface EvalSuiteSpec {
  /** Absent in suites saved before the other types existed: eval. */
  type?: SuiteType;
  description: string;
  /** Environments whose gate this suite decides; null: every environment that requires its gate; []: none (online evals, smoke tests). */
  environments: string[] | null;
  /** The dataset (by name) and its version, resolved and pinned when the suite is saved; safety and injection suites may have none. */
  dataset: { name: string; version: number } | null;
  assertions: AssertionSpec[];
  /** A case passes when its weighted score reaches this (default 0.5). */
  threshold: number;
  gate: GateRule;
  /** Calls at once per upstream (default 4). */
  concurrency: number;
  /** Stop a run whose estimated or running cost would exceed this, in USD; null: no cap. */
  budgetUsd: number | null;
  /** The parsed block of the suite's type (`safety:`, `injection:`, `dataQuality:`), with its defaults; absent for eval. */
  settings?: Record<string, Json>;
}

export const evalSuites = pgTable(
  'eval_suites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    name: text('name').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('eval_suites_service_name_key').on(t.serviceId, t.name)],
);

/** Append-only: every save is a new version; a run names the version it ran. */
export const evalSuiteVersions = pgTable(
  'eval_suite_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    suiteId: uuid('suite_id')
      .notNull()
      .references(() => evalSuites.id),
    version: integer('version').notNull(),
    contentHash: text('content_hash').notNull(),
    yaml: text('yaml').notNull(),
    spec: jsonb('spec').$type<EvalSuiteSpec>().notNull(),
    /** Null for a safety or injection suite that uses only built-in cases. */
    datasetVersionId: uuid('dataset_version_id').references(() => datasetVersions.id),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('eval_suite_versions_suite_version_key').on(t.suiteId, t.version), uniqueIndex('eval_suite_versions_suite_hash_key').on(t.suiteId, t.contentHash)],
);

/** A prompt-variations run explores a matrix; every other kind is a suite's type run on a release. */
export const EVAL_RUN_KINDS = ['eval', 'prompt-variations', 'safety', 'injection', 'data-quality'] as const;
export type EvalRunKind = (typeof EVAL_RUN_KINDS)[number];

export const EVAL_RUN_STATUSES = ['queued', 'running', 'passed', 'failed', 'error', 'cancelled'] as const;
export type EvalRunStatus = (typeof EVAL_RUN_STATUSES)[number];

/** Per metric (and `score`, the weighted case score): both arms, the paired difference and its tests. */
export interface MetricComparison {
  metric: string;
  candidate: number;
  baseline: number | null;
  /** Mean paired difference candidate − baseline and its 95% confidence interval. */
  difference: number | null;
  ci95: [number, number] | null;
  /** Wilcoxon signed-rank on the paired scores (two-sided). */
  wilcoxonP: number | null;
}

export interface RunSummary {
  cases: number;
  candidate: { score: number; passRate: number; errors: number; costUsd: number; latencyP50Ms: number | null };
  baseline: { release: number; score: number; passRate: number; errors: number; costUsd: number; latencyP50Ms: number | null } | null;
  metrics: MetricComparison[];
  /** McNemar's exact test on case pass/fail: cases only the baseline passed (b), only the candidate passed (c). */
  mcnemar: { b: number; c: number; pValue: number } | null;
  /** The smallest regression (fraction) this many cases can detect at alpha with 80% power. */
  minDetectableRegression: number | null;
  verdict: { passed: boolean; reasons: string[]; tooSmall: boolean };
  /** safety and data-quality: one entry per check or expectation. */
  checks?: CheckResult[];
  /** injection: attack success per category, and over every attack. */
  categories?: CategoryResult[];
  overall?: CategoryResult;
}

/** A safety check or data-quality expectation over a run: the share of applicable cases that broke it on each arm. */
export interface CheckResult {
  name: string;
  kind: string;
  applicable: number;
  failed: number;
  candidateRate: number;
  baselineRate: number | null;
  /** The largest failure rate tolerated. */
  threshold: number;
  /** One-sided test that the candidate fails more often than the baseline, when there is one. */
  pValue: number | null;
  passed: boolean;
  reason: string;
}

/** Prompt-injection attacks of one category: how many succeeded on each arm. */
export interface CategoryResult {
  category: string;
  attacks: number;
  candidateSuccesses: number;
  baselineSuccesses: number | null;
  candidateRate: number;
  baselineRate: number | null;
  /** 95% interval of the candidate's success rate. */
  ci95: [number, number] | null;
  pValue: number | null;
  /** Too few attacks for an increase just past the margin ever to be significant. */
  tooFew?: boolean;
}

/** One cell of a prompt-variations matrix: prompt version(s) × a parameter set × a model version. */
export interface VariationCell {
  /** `p2·s1·m1`: 1-based positions in the matrix's prompts, params and models; eval_results.cell holds it. */
  key: string;
  prompts: { ref: string; versionId: string }[];
  params: Record<string, Json>;
  model: { ref: string; versionId: string };
}

/** What a prompt-variations run explores, as started (references resolved to version ids). */
export interface VariationsMatrix {
  /** Each entry one prompt set, as given (`answer@2` or `answer@2+tone@1`). */
  prompts: string[];
  params: Record<string, Json>[];
  models: string[];
  cells: VariationCell[];
  /** The score the best cell must reach for the run to pass; null: the run passes when it completes. */
  threshold: number | null;
}

export const evalRuns = pgTable(
  'eval_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    /** A short number per service (`run 12`), for people and the CLI. */
    number: integer('number').notNull(),
    kind: text('kind', { enum: EVAL_RUN_KINDS }).notNull().default('eval'),
    suiteVersionId: uuid('suite_version_id')
      .notNull()
      .references(() => evalSuiteVersions.id),
    releaseId: uuid('release_id')
      .notNull()
      .references(() => releases.id),
    /** The release the candidate is compared with (the environment's stable arm when the run started), if any. */
    baselineReleaseId: uuid('baseline_release_id').references(() => releases.id),
    /** The environment whose gate this run decides, if any. */
    environmentId: uuid('environment_id').references(() => environments.id),
    pipelineRunId: uuid('pipeline_run_id'),
    status: text('status', { enum: EVAL_RUN_STATUSES }).notNull().default('queued'),
    /** Calls and cost estimated before the run (cache hits excluded). */
    estimate: jsonb('estimate').$type<{ calls: number; cachedCalls: number; costUsd: number }>().notNull(),
    budgetUsd: numeric('budget_usd', { precision: 12, scale: 6 }),
    totalCalls: integer('total_calls').notNull().default(0),
    doneCalls: integer('done_calls').notNull().default(0),
    cacheHits: integer('cache_hits').notNull().default(0),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    summary: jsonb('summary').$type<RunSummary | null>(),
    /** prompt-variations: the matrix of cells; null for plain runs. */
    matrix: jsonb('matrix').$type<VariationsMatrix | null>(),
    error: text('error'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('eval_runs_service_number_key').on(t.serviceId, t.number), index('eval_runs_release_idx').on(t.releaseId, t.createdAt)],
);

export interface AssertionOutcome {
  type: string;
  metric: string;
  pass: boolean;
  score: number;
  weight: number;
  reason: string;
}

/** One case on one arm: written as soon as its call and assertions finish, so a resumed run skips it. */
export const evalResults = pgTable(
  'eval_results',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => evalRuns.id),
    caseIndex: integer('case_index').notNull(),
    arm: text('arm', { enum: ['candidate', 'baseline'] }).notNull(),
    /** prompt-variations: the matrix cell (`p2·t0.2·m1`); empty for plain runs. */
    cell: text('cell').notNull().default(''),
    output: text('output'),
    finishReason: text('finish_reason'),
    latencyMs: doublePrecision('latency_ms'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    cached: boolean('cached').notNull().default(false),
    /** The call failed after its retries: the case scores 0 on this arm. */
    error: text('error'),
    assertions: jsonb('assertions').$type<AssertionOutcome[]>().notNull().default([]),
    /** What the suite's type records of the case beyond its assertions (an attack's category and detections, a row's broken rules). */
    detail: jsonb('detail').$type<Json>(),
    score: doublePrecision('score').notNull(),
    pass: boolean('pass').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.cell, t.caseIndex, t.arm] })],
);

/** Model answers keyed by model version, rendered messages and parameters: a rerun of an unchanged case is free. */
export const evalCache = pgTable('eval_cache', {
  key: text('key').primaryKey(),
  modelVersionId: uuid('model_version_id').notNull(),
  response: jsonb('response').$type<{ content: string; finishReason: string | null; inputTokens: number; outputTokens: number; latencyMs: number; costUsd: number }>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Gate types an environment may require; the built ones run, the others block promotion saying so. */
export const GATE_TYPES = ['validate-config', 'data-quality', 'eval', 'prompt-variations', 'safety', 'injection', 'build-image', 'push-image', 'load-test', 'smoke-test', 'webhook'] as const;
export type GateType = (typeof GATE_TYPES)[number];

/** A gate verdict on a release for an environment, against the baseline that environment served at the time. */
export const gateResults = pgTable(
  'gate_results',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    releaseId: uuid('release_id')
      .notNull()
      .references(() => releases.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    gate: text('gate').notNull(),
    baselineReleaseId: uuid('baseline_release_id').references(() => releases.id),
    suiteVersionId: uuid('suite_version_id').references(() => evalSuiteVersions.id),
    runId: uuid('run_id').references(() => evalRuns.id),
    passed: boolean('passed').notNull(),
    score: doublePrecision('score'),
    baselineScore: doublePrecision('baseline_score'),
    pValue: doublePrecision('p_value'),
    reasons: jsonb('reasons').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('gate_results_release_env_idx').on(t.releaseId, t.environmentId, t.gate, t.createdAt)],
);

/** An admin let a release into an environment without a gate's pass: explicit, with a reason, audited. */
export const gateOverrides = pgTable(
  'gate_overrides',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    releaseId: uuid('release_id')
      .notNull()
      .references(() => releases.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    gate: text('gate').notNull(),
    reason: text('reason').notNull(),
    actorLabel: text('actor_label').notNull(),
    userId: uuid('user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('gate_overrides_release_env_idx').on(t.releaseId, t.environmentId, t.gate)],
);

export type Dataset = typeof datasets.$inferSelect;
export type DatasetVersion = typeof datasetVersions.$inferSelect;
export type DatasetCase = typeof datasetCases.$inferSelect;
export type EvalSuite = typeof evalSuites.$inferSelect;
export type EvalSuiteVersion = typeof evalSuiteVersions.$inferSelect;
export type EvalRun = typeof evalRuns.$inferSelect;
export type EvalResult = typeof evalResults.$inferSelect;
export type GateResult = typeof gateResults.$inferSelect;
export type GateOverride = typeof gateOverrides.$inferSelect;
