// The load test's schedule (open loop, arms taking turns by segment) and its verdict rules, without a network.
import { describe, expect, it } from 'vitest';
import type { LoadTestArm } from '@/db/schema';
import { armSeconds, schedule, turnSeconds } from '@/server/services/load-tests/engine';
import { loadTestSettingsSchema } from '@/server/services/load-tests/settings';
import { judgeLoadTest } from '@/server/services/load-tests/verdict';

const settings = loadTestSettingsSchema.parse({ minSamples: 10 });
const arm = (releaseNumber: number, p95: number, errorRate = 0, completed = 50, ttftP95: number | null = null): LoadTestArm => ({
  releaseNumber,
  scheduled: completed,
  completed,
  errors: Math.round(errorRate * completed),
  errorRate,
  achievedRps: 5,
  seconds: 10,
  latencyMs: { p50: p95 / 2, p95, p99: p95 * 1.1, mean: p95 / 2, max: p95 * 1.2 },
  ttftMs: { p50: ttftP95, p95: ttftP95, p99: ttftP95, count: ttftP95 === null ? 0 : completed },
  outputTokensPerSecond: 50,
  outputTokens: 1000,
  statuses: { '200': completed },
  errorSamples: [],
  queued: 0,
});
const none = { p95LatencyMs: null, p95TtftMs: null, maxErrorRate: null };

describe('load test schedule', () => {
  it('sends at the rate from the start, the arms taking turns of equal length', () => {
    const arms = [{ arm: 'candidate' as const, releaseNumber: 2 }, { arm: 'baseline' as const, releaseNumber: 1 }];
    const plan = schedule({ ratePerSecond: 2, durationSeconds: 4, segmentSeconds: 1 }, arms);
    expect(plan.map((p) => [p.at, p.arm.releaseNumber])).toEqual([[0, 2], [500, 2], [1000, 1], [1500, 1], [2000, 2], [2500, 2], [3000, 1], [3500, 1]]);
    // 10 s in 2 s turns would give the candidate 6 s: the turns become 10/6 s, five requests each at 1/s.
    expect(turnSeconds({ durationSeconds: 10, segmentSeconds: 2 }, 2)).toBeCloseTo(10 / 6);
    const uneven = schedule({ ratePerSecond: 1, durationSeconds: 10, segmentSeconds: 2 }, arms);
    expect(uneven.filter((p) => p.arm.arm === 'candidate')).toHaveLength(5);
    expect(armSeconds({ durationSeconds: 10, segmentSeconds: 2 }, arms, 'baseline')).toBe(5);
    expect(turnSeconds({ durationSeconds: 10, segmentSeconds: 2 }, 1)).toBe(2);
  });
});

describe('load test verdict', () => {
  it('passes within the margins and fails a p95 beyond the ratio, naming both figures', () => {
    expect(judgeLoadTest(settings, none, arm(2, 110), arm(1, 100)).outcome).toBe('passed');
    const slow = judgeLoadTest(settings, none, arm(2, 400), arm(1, 100));
    expect(slow.outcome).toBe('failed');
    expect(slow.reasons[0]).toBe("p95 latency 400 ms vs #1's 100 ms (4.00×; allowed 1.2× or +25 ms: 125 ms)");
  });

  it('lets a difference under minLatencyDiffMs pass however large the ratio', () => {
    expect(judgeLoadTest(settings, none, arm(2, 12), arm(1, 4)).outcome).toBe('passed');
  });

  it('fails an error rate beyond the allowed increase, and time to first token beyond its ratio', () => {
    expect(judgeLoadTest(settings, none, arm(2, 100, 0.1), arm(1, 100, 0.02)).reasons[0]).toBe("error rate 10.0% vs #1's 2.0% (allowed +2.0%: 4.0%)");
    expect(judgeLoadTest(settings, none, arm(2, 100, 0, 50, 300), arm(1, 100, 0, 50, 100)).checks.find((c) => c.name === 'p95 time to first token')!.outcome).toBe('fail');
  });

  it('holds the candidate to the objectives, alone when there is no stable release', () => {
    const v = judgeLoadTest(settings, { p95LatencyMs: 300, p95TtftMs: null, maxErrorRate: 0.05 }, arm(2, 400), null);
    expect(v.outcome).toBe('failed');
    expect(v.reasons).toEqual(['p95 latency 400 ms against the objective of 300 ms']);
    expect(judgeLoadTest({ ...settings, useObjectives: false }, { p95LatencyMs: 300, p95TtftMs: null, maxErrorRate: null }, arm(2, 400), null).outcome).toBe('inconclusive');
  });

  it('is inconclusive with too few requests, and says how many were needed', () => {
    const v = judgeLoadTest(settings, none, arm(2, 400, 0, 4), arm(1, 100));
    expect(v.outcome).toBe('inconclusive');
    expect(v.reasons[0]).toBe('#2 got 4 of the 10 requests a verdict needs: send longer or faster');
  });
});
