// Load tests: a fixed rate of chat requests for a fixed time through an environment's own gateway, to a candidate
// release (pinned) and, interleaved in short segments, to the release the environment serves now; per-arm figures,
// a per-second series for the chart, and a verdict against the stable release and the environment's objectives.
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pipelineRuns } from './pipelines';
import { environments, releases, services } from './registry';

/** What a load test sends and how it judges; every field has a default and a bound (server/services/load-tests/settings.ts). */
export interface LoadTestSettings {
  /** Requests per second sent to the arm whose segment it is (open loop: on schedule, whatever the answers). */
  ratePerSecond: number;
  /** Seconds of sending in all; with a stable arm each arm gets half, in alternating segments. */
  durationSeconds: number;
  /** Length of one arm's turn before the other arm's. */
  segmentSeconds: number;
  /** Requests in flight at most; a send due while the cap is reached waits, and the wait counts in its latency. */
  maxConcurrency: number;
  /** Streamed, non-streamed, or every other request streamed. */
  stream: 'always' | 'never' | 'mixed';
  /** A suite's dataset cases (cycled), or one fixed user message. */
  input: { kind: 'suite'; suite: string; cases: number } | { kind: 'prompt'; prompt: string };
  maxTokens: number | null;
  requestTimeoutMs: number;
  /** Candidate p95 and p99 latency over stable's, at most (1.2 = 20% slower). */
  maxLatencyRatio: number;
  /** Candidate p95 time to first token over stable's, at most. */
  maxTtftRatio: number;
  /** Differences in latency smaller than this never fail a ratio (jitter of fast answers). */
  minLatencyDiffMs: number;
  /** Candidate error rate minus stable's, at most (0.02 = two points). */
  maxErrorRateIncrease: number;
  /** Answered requests each arm needs before a verdict; fewer is inconclusive. */
  minSamples: number;
  /** Also hold the candidate to the environment's objectives (p95 latency, p95 TTFT, error rate). */
  useObjectives: boolean;
}

/** One arm's figures. Latency and TTFT are measured from each request's scheduled send time, over answered requests. */
export interface LoadTestArm {
  releaseNumber: number;
  /** Requests due in this arm's segments, and those that got any answer (or failed) before the end. */
  scheduled: number;
  completed: number;
  errors: number;
  errorRate: number;
  /** Completed requests per second of this arm's own segment time. */
  achievedRps: number;
  /** Seconds this arm was sent to. */
  seconds: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null; max: number | null };
  /** Streamed answers only. */
  ttftMs: { p50: number | null; p95: number | null; p99: number | null; count: number };
  /** Median per-request output tokens per second (streamed: after the first token), and output tokens in all. */
  outputTokensPerSecond: number | null;
  outputTokens: number;
  /** Answers by status (`200`, `503`, `timeout`, `network`). */
  statuses: Record<string, number>;
  /** A few distinct error messages, as the gateway gave them. */
  errorSamples: string[];
  /** Requests that waited for the concurrency cap. */
  queued: number;
}

/** One second of the test (by scheduled send time): each arm's figures for the requests due in it. */
export interface LoadTestPoint {
  second: number;
  arm: 'candidate' | 'baseline';
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  ttftP95: number | null;
}

export interface LoadTestCheck {
  name: string;
  /** candidate's figure, and what it was held to. */
  candidate: number | null;
  limit: number | null;
  outcome: 'pass' | 'fail' | 'inconclusive' | 'skipped';
  detail: string;
}

export interface LoadTestVerdict {
  outcome: 'passed' | 'failed' | 'inconclusive';
  reasons: string[];
  checks: LoadTestCheck[];
}

export type LoadTestStatus = 'running' | 'passed' | 'failed' | 'inconclusive' | 'error';

export const loadTests = pgTable(
  'load_tests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    environment: text('environment').notNull(),
    candidateReleaseId: uuid('candidate_release_id')
      .notNull()
      .references(() => releases.id),
    /** The release the environment's stable arm served when the test started; null: compared with objectives only. */
    baselineReleaseId: uuid('baseline_release_id').references(() => releases.id),
    settings: jsonb('settings').$type<LoadTestSettings>().notNull(),
    /** The environment's objectives as they were when the test started. */
    objectives: jsonb('objectives').$type<{ p95LatencyMs: number | null; p95TtftMs: number | null; maxErrorRate: number | null }>().notNull(),
    status: text('status').$type<LoadTestStatus>().notNull(),
    results: jsonb('results').$type<{ candidate: LoadTestArm; baseline: LoadTestArm | null } | null>(),
    series: jsonb('series').$type<LoadTestPoint[]>().notNull().default([]),
    verdict: jsonb('verdict').$type<LoadTestVerdict | null>(),
    error: text('error'),
    pipelineRunId: uuid('pipeline_run_id').references(() => pipelineRuns.id),
    requestedBy: text('requested_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('load_tests_env_created_idx').on(t.environmentId, t.createdAt), index('load_tests_pipeline_run_idx').on(t.pipelineRunId)],
);

export type LoadTest = typeof loadTests.$inferSelect;
