// The monitoring query contract: the range every dashboard query takes and the shapes they return (charts, the
// overview, alerts and the release page read these).
import { z } from 'zod';
import { INSTANT_RULE, instantIso } from '@/server/lib/instant';

/** An ISO 8601 date-time, read the same on every server (no zone: UTC), passed on as a UTC ISO string. */
const isoInstant = z.string().transform((s, ctx) => {
  const iso = instantIso(s);
  if (iso === undefined) {
    ctx.addIssue({ code: 'custom', message: INSTANT_RULE });
    return z.NEVER;
  }
  return iso;
});

/** A preset window ending now, or an explicit [from, to). */
export const rangeInput = z.union([
  z.object({ range: z.enum(['1h', '24h', '7d', '30d']) }),
  z.object({ from: isoInstant, to: isoInstant }),
]);
export type RangeInput = z.input<typeof rangeInput>;

export interface SeriesPoint {
  t: string; // ISO start of the bucket
  release: number; // release number (0 = traffic not attributed to a release)
  requests: number;
  errors: number;
  errorsByClass: Record<string, number>;
  p50: number | null;
  p95: number | null;
  p99: number | null; // ms
  ttftP50: number | null;
  ttftP95: number | null;
  ttftP99: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  feedbackCount: number;
  feedbackSum: number;
  fallbacks: number;
}

export type MarkerKind = 'deploy' | 'rollout-step' | 'rollback' | 'abort' | 'bypass' | 'alert';
export interface Marker {
  t: string;
  kind: MarkerKind;
  label: string;
  actor: string | null;
  reason: string | null;
  release: number | null;
  endT?: string | null;
}

export interface EnvironmentTotals {
  release: number;
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  feedbackCount: number;
  feedbackSum: number;
}

export interface EnvironmentSeries {
  service: string;
  environment: string;
  from: string;
  to: string;
  stepSeconds: number;
  releases: number[]; // releases present, newest first
  points: SeriesPoint[]; // one per (bucket, release) that has traffic; shadow traffic excluded
  shadow: SeriesPoint[]; // shadow traffic, same shape
  markers: Marker[]; // from the environment's routing history / rollouts
  totals: EnvironmentTotals[];
}

export interface ReleaseSeries {
  release: string;
  environments: EnvironmentSeries[];
}

export interface OverviewEnvironment {
  service: string;
  environment: string;
  protected: boolean;
  requests: number;
  errorRate: number | null;
  p95: number | null;
  costUsd: number;
  releases: number[];
  spark: { t: string; requests: number; errors: number; p95: number | null }[];
}

export interface Overview {
  from: string;
  to: string;
  stepSeconds: number;
  environments: OverviewEnvironment[];
}

export interface CostReport {
  days: { day: string; service: string; release: string; modelVersion: string; costUsd: number; requests: number }[];
  monthToDateUsd: number;
  projectedMonthUsd: number;
  budgets: { service: string; monthlyBudgetUsd: number }[];
}
