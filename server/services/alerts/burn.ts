// SLO burn rates, as pure functions over the rollups' window figures. Each objective of an environment's SLOs is
// an error budget: the share of events allowed to be bad. The burn rate of a window is its bad share over that
// budget (1 = spending exactly the budget; 14.4 for an hour spends 2% of a 30-day budget). A rule fires when both
// its long and its short window burn faster than its threshold (the multi-window scheme of the Google SRE
// workbook), and stops as soon as either does not: the short window makes it resolve quickly once a burn ends.
import type { AlertObjective, AlertRule, Slos, WindowReading } from '@/db/schema';
import { ALERT_OBJECTIVES } from '@/db/schema';
import { bucketOf, bucketUpperMs, quantile } from '@/server/lib/histogram';
import type { WindowFigures } from '../monitoring/window';

/** A p95 objective lets 5% of requests be slower than it: that share is the latency budget. */
export const LATENCY_BUDGET = 0.05;

/** The burn rate reported when the budget is zero (an objective of no errors at all) and a bad event happened. */
const ZERO_BUDGET_BURN = 1000;

export interface Objective {
  objective: AlertObjective;
  /** The SLO's own figure: an error rate, a p95 in ms, or a cost per request in USD. */
  target: number;
  /** The share of events allowed to be bad (for cost: the allowance per request, USD). */
  budget: number;
}

/** The objective behind a rule, from the environment's SLOs; null when that SLO is not set. */
export function objectiveOf(slos: Slos, objective: AlertObjective): Objective | null {
  switch (objective) {
    case 'error-rate':
      return slos.maxErrorRate == null ? null : { objective, target: slos.maxErrorRate, budget: slos.maxErrorRate };
    case 'p95-latency':
      return slos.p95LatencyMs == null ? null : { objective, target: slos.p95LatencyMs, budget: LATENCY_BUDGET };
    case 'p95-ttft':
      return slos.p95TtftMs == null ? null : { objective, target: slos.p95TtftMs, budget: LATENCY_BUDGET };
    case 'cost-per-request':
      return slos.maxCostPerRequestUsd == null ? null : { objective, target: slos.maxCostPerRequestUsd, budget: slos.maxCostPerRequestUsd };
  }
}

/**
 * How many observations of a latency histogram are slower than `ms`: whole buckets above it, and the part of its
 * own bucket above it (observations spread evenly within a bucket, as quantile() assumes).
 */
export function countAbove(counts: number[], ms: number): number {
  const i = bucketOf(ms);
  let above = 0;
  for (let j = i + 1; j < counts.length; j++) above += counts[j] ?? 0;
  const lower = i === 0 ? 0 : bucketUpperMs(i - 1);
  const upper = bucketUpperMs(i);
  const share = upper > lower ? Math.min(1, Math.max(0, (upper - ms) / (upper - lower))) : 0;
  return above + (counts[i] ?? 0) * share;
}

const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

function burn(bad: number, events: number, budget: number): number | null {
  if (!events) return null;
  const ratio = bad / events;
  if (budget <= 0) return ratio > 0 ? ZERO_BUDGET_BURN : 0;
  return ratio / budget;
}

/** One window's reading for an objective: its events, bad events, their share, the burn rate and the measure. */
export function readWindow(o: Objective, f: WindowFigures, span: { from: Date; to: Date }): WindowReading {
  const base = { from: span.from.toISOString(), to: span.to.toISOString() };
  switch (o.objective) {
    case 'error-rate': {
      const ratio = f.requests ? f.errors / f.requests : null;
      return { ...base, events: f.requests, bad: f.errors, ratio, burnRate: burn(f.errors, f.requests, o.budget), value: ratio };
    }
    case 'p95-latency':
    case 'p95-ttft': {
      const hist = o.objective === 'p95-latency' ? f.latency : f.ttft;
      const events = sum(hist);
      const bad = countAbove(hist, o.target);
      return { ...base, events, bad, ratio: events ? bad / events : null, burnRate: burn(bad, events, o.budget), value: quantile(hist, 0.95) };
    }
    case 'cost-per-request': {
      // Spend against the allowance for the same requests: the mean cost per request over the objective.
      const perRequest = f.requests ? f.costUsd / f.requests : null;
      return { ...base, events: f.requests, bad: f.costUsd, ratio: perRequest, burnRate: burn(f.costUsd, f.requests, o.budget), value: perRequest };
    }
  }
}

export interface RuleVerdict {
  firing: boolean;
  long: WindowReading;
  short: WindowReading;
}

/** Whether a rule fires on its two windows: both burn faster than its threshold, with enough events to judge. */
export function judge(rule: AlertRule, long: WindowReading, short: WindowReading): RuleVerdict {
  const over = (r: WindowReading) => r.burnRate !== null && r.burnRate > rule.burnRate;
  return { firing: rule.enabled && long.events >= rule.minEvents && short.events > 0 && over(long) && over(short), long, short };
}

/**
 * The default rules for an environment: for each objective its SLOs set, a page when an hour and its last five
 * minutes both burn more than 14.4× the budget (2% of a 30-day budget in an hour), and a ticket when six hours and
 * their last thirty minutes both burn more than 6× (5% in six hours). Cost is a mean, not a share of bad events:
 * it pages at twice the objective over the hour and opens a ticket when six hours run above it at all.
 */
export function defaultRules(slos: Slos): AlertRule[] {
  return ALERT_OBJECTIVES.filter((o) => objectiveOf(slos, o)).flatMap((objective): AlertRule[] => {
    const cost = objective === 'cost-per-request';
    return [
      { objective, severity: 'page', longWindowMinutes: 60, shortWindowMinutes: 5, burnRate: cost ? 2 : 14.4, minEvents: 20, enabled: true },
      { objective, severity: 'ticket', longWindowMinutes: 360, shortWindowMinutes: 30, burnRate: cost ? 1 : 6, minEvents: 20, enabled: true },
    ];
  });
}
