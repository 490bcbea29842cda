// SLO burn rates over window figures: error budgets, latency budgets from the histogram, cost against its
// allowance, and the two-window rule that fires only when both windows burn.
import { describe, expect, it } from 'vitest';
import type { AlertRule, Slos } from '@/db/schema';
import { bucketOf, emptyHistogram } from '@/server/lib/histogram';
import { countAbove, defaultRules, judge, objectiveOf, readWindow } from '@/server/services/alerts/burn';
import type { WindowFigures } from '@/server/services/monitoring/window';

const SLOS: Slos = { maxErrorRate: 0.01, p95LatencyMs: 1000, p95TtftMs: null, maxCostPerRequestUsd: 0.01, minEvalScore: null };
const SPAN = { from: new Date('2026-01-01T10:00:00Z'), to: new Date('2026-01-01T11:00:00Z') };

function figures(f: Partial<WindowFigures> & { latencies?: [ms: number, n: number][] }): WindowFigures {
  const latency = emptyHistogram();
  for (const [ms, n] of f.latencies ?? []) latency[bucketOf(ms)]! += n;
  return { requests: 0, errors: 0, latency, ttft: emptyHistogram(), costUsd: 0, inputTokens: 0, outputTokens: 0, feedbackCount: 0, feedbackSum: 0, fallbacks: 0, ...f };
}

const rule = (r: Partial<AlertRule> = {}): AlertRule => ({ objective: 'error-rate', severity: 'page', longWindowMinutes: 60, shortWindowMinutes: 5, burnRate: 14.4, minEvents: 20, enabled: true, ...r });

describe('burn rates', () => {
  it('divide the error rate by the error budget', () => {
    const r = readWindow(objectiveOf(SLOS, 'error-rate')!, figures({ requests: 1000, errors: 150 }), SPAN);
    expect(r).toMatchObject({ events: 1000, bad: 150, ratio: 0.15, value: 0.15 });
    expect(r.burnRate).toBeCloseTo(15);
  });

  it('count requests slower than a latency objective from the histogram, against a 5% budget', () => {
    const o = objectiveOf(SLOS, 'p95-latency')!;
    expect(o.budget).toBe(0.05);
    // 80 fast requests, 20 far slower than the 1000 ms objective: 20% slow is 4× the budget.
    const r = readWindow(o, figures({ requests: 100, latencies: [[200, 80], [3000, 20]] }), SPAN);
    expect(r.events).toBe(100);
    expect(r.bad).toBeCloseTo(20);
    expect(r.burnRate).toBeCloseTo(4);
    expect(r.value).toBeGreaterThan(2700);
  });

  it('split the bucket that holds the objective', () => {
    const counts = emptyHistogram();
    const i = bucketOf(1000);
    counts[i] = 10;
    const above = countAbove(counts, 1000);
    expect(above).toBeGreaterThan(0);
    expect(above).toBeLessThan(10);
    expect(countAbove(counts, 10_000)).toBe(0);
    expect(countAbove(counts, 1)).toBe(10);
  });

  it('compare the mean cost per request with the objective', () => {
    const r = readWindow(objectiveOf(SLOS, 'cost-per-request')!, figures({ requests: 100, costUsd: 3 }), SPAN);
    expect(r.value).toBeCloseTo(0.03);
    expect(r.burnRate).toBeCloseTo(3);
  });

  it('have no value without traffic, and report any error against a budget of zero', () => {
    expect(readWindow(objectiveOf(SLOS, 'error-rate')!, figures({}), SPAN).burnRate).toBeNull();
    const none = objectiveOf({ ...SLOS, maxErrorRate: 0 }, 'error-rate')!;
    expect(readWindow(none, figures({ requests: 10, errors: 0 }), SPAN).burnRate).toBe(0);
    expect(readWindow(none, figures({ requests: 10, errors: 1 }), SPAN).burnRate).toBeGreaterThan(100);
  });
});

describe('a two-window rule', () => {
  const o = objectiveOf(SLOS, 'error-rate')!;
  const read = (requests: number, errors: number) => readWindow(o, figures({ requests, errors }), SPAN);

  it('fires only when both windows burn faster than its threshold', () => {
    expect(judge(rule(), read(1000, 200), read(100, 20)).firing).toBe(true);
    // The hour burned, but the last five minutes are clean: the burn is over.
    expect(judge(rule(), read(1000, 200), read(100, 0)).firing).toBe(false);
    // A short spike that has not yet spent the hour's share.
    expect(judge(rule(), read(1000, 50), read(100, 50)).firing).toBe(false);
  });

  it('needs enough events in the long window, and stays quiet when disabled', () => {
    expect(judge(rule(), read(10, 10), read(5, 5)).firing).toBe(false);
    expect(judge(rule({ minEvents: 5 }), read(10, 10), read(5, 5)).firing).toBe(true);
    expect(judge(rule({ enabled: false }), read(1000, 500), read(100, 50)).firing).toBe(false);
  });
});

describe('default rules', () => {
  it('page at 14.4× over 1 h and 5 min and ticket at 6× over 6 h and 30 min, for each objective the SLOs set', () => {
    const rules = defaultRules(SLOS);
    expect(rules.map((r) => `${r.objective}/${r.severity}`)).toEqual(['error-rate/page', 'error-rate/ticket', 'p95-latency/page', 'p95-latency/ticket', 'cost-per-request/page', 'cost-per-request/ticket']);
    expect(rules[0]).toMatchObject({ longWindowMinutes: 60, shortWindowMinutes: 5, burnRate: 14.4 });
    expect(rules[1]).toMatchObject({ longWindowMinutes: 360, shortWindowMinutes: 30, burnRate: 6 });
    expect(defaultRules({ ...SLOS, maxErrorRate: null, p95LatencyMs: null, maxCostPerRequestUsd: null })).toEqual([]);
  });
});
