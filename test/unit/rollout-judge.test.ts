// The verdict on a rollout step: SLO checks, checks against the stable arm, too little traffic, an obviously
// broken candidate, switched-off limits and the messages that explain it all.
import { describe, expect, it } from 'vitest';
import type { AnalysisSettings, ArmFigures, Slos } from '@/db/schema';
import { judge } from '@/server/rollouts/analysis';
import { DEFAULT_ANALYSIS } from '@/server/services/environments/settings';

const arm = (over: Partial<ArmFigures> = {}): ArmFigures => ({
  releaseNumber: 2,
  requests: 400,
  errors: 2,
  errorRate: 0.005,
  p95LatencyMs: 340,
  p95TtftMs: 120,
  costPerRequestUsd: 0.002,
  feedbackCount: 30,
  feedbackMean: 0.7,
  ...over,
});
const stable = (over: Partial<ArmFigures> = {}) => arm({ releaseNumber: 1, p95LatencyMs: 338, ...over });
const slos: Slos = { p95LatencyMs: 3000, maxErrorRate: 0.02, maxCostPerRequestUsd: 0.05, minEvalScore: null, p95TtftMs: 1000 };
const noSlos: Slos = { p95LatencyMs: null, maxErrorRate: null, maxCostPerRequestUsd: null, minEvalScore: null, p95TtftMs: null };
const settings: AnalysisSettings = DEFAULT_ANALYSIS;
const check = (r: ReturnType<typeof judge>, metric: string, kind: 'slo' | 'relative') => r.checks.find((c) => c.metric === metric && c.kind === kind);

describe('judging a rollout step', () => {
  it('passes a healthy candidate, with every check shown', () => {
    const r = judge(arm({ requests: 412, errors: 1, errorRate: 1 / 412 }), stable(), slos, settings);
    expect(r.verdict).toBe('pass');
    expect(r.summary).toBe('healthy: 412 requests, error rate 0.2%, p95 340 ms');
    expect(r.checks.map((c) => `${c.kind}:${c.metric}`)).toEqual([
      'slo:error-rate',
      'slo:p95-latency',
      'slo:p95-ttft',
      'slo:cost-per-request',
      'relative:error-rate',
      'relative:p95-latency',
      'relative:p95-ttft',
      'relative:cost-per-request',
      'relative:feedback',
    ]);
    expect(r.checks.every((c) => c.passed)).toBe(true);
    expect(check(r, 'p95-latency', 'relative')).toMatchObject({ candidate: 340, baseline: 338, limit: 1.5, message: "p95 latency 340 ms within 1.50× of 338 ms" });
  });

  it('is inconclusive below the minimum samples, still showing the checks', () => {
    const r = judge(arm({ requests: 12, errors: 0, errorRate: 0, p95LatencyMs: 5000 }), stable(), slos, settings);
    expect(r.verdict).toBe('inconclusive');
    expect(r.summary).toBe('not enough traffic to decide: the candidate served 12 of the 50 requests needed');
    // The latency SLO fails on these 12 requests, but does not decide yet.
    expect(check(r, 'p95-latency', 'slo')).toMatchObject({ passed: false });
    const none = judge(arm({ requests: 0, errors: 0, errorRate: null, p95LatencyMs: null, p95TtftMs: null, costPerRequestUsd: null, feedbackCount: 0, feedbackMean: null }), null, slos, settings);
    expect(none).toEqual({ verdict: 'inconclusive', checks: [], summary: 'not enough traffic to decide: the candidate served 0 of the 50 requests needed' });
  });

  it('fails an obviously broken candidate before it has the minimum samples', () => {
    // 2 errors of 12: 2/50 = 4% would still be above 2% even if the other 38 needed succeeded.
    const broken = judge(arm({ requests: 12, errors: 2, errorRate: 2 / 12 }), stable(), slos, settings);
    expect(broken.verdict).toBe('fail');
    expect(broken.summary).toBe('error rate 16.7% is above the SLO of 2.0%, and its 2 errors keep it there even if the rest of the 50 requests needed succeed');
    // 1 error of 12 is 8.3% now, but 1/50 = 2% could still meet the SLO: wait for more traffic.
    expect(judge(arm({ requests: 12, errors: 1, errorRate: 1 / 12 }), stable(), slos, settings).verdict).toBe('inconclusive');
    // Without an error-rate SLO there is nothing to fail early on.
    expect(judge(arm({ requests: 12, errors: 12, errorRate: 1 }), null, { ...slos, maxErrorRate: null }, settings).verdict).toBe('inconclusive');
  });

  it('checks each SLO, failing and passing, with the figures in the message', () => {
    const cases: [Partial<ArmFigures>, string, string][] = [
      [{ errors: 48, errorRate: 0.12 }, 'error-rate', 'error rate 12.0% is above the SLO of 2.0%'],
      [{ p95LatencyMs: 3500 }, 'p95-latency', 'p95 latency 3500 ms is above the SLO of 3000 ms'],
      [{ p95TtftMs: 1200.4 }, 'p95-ttft', 'p95 TTFT 1200 ms is above the SLO of 1000 ms'],
      [{ costPerRequestUsd: 0.0612 }, 'cost-per-request', 'cost per request $0.0612 is above the SLO of $0.05'],
    ];
    for (const [over, metric, message] of cases) {
      const r = judge(arm(over), null, slos, settings);
      expect(r.verdict, metric).toBe('fail');
      expect(r.summary).toBe(message);
      expect(check(r, metric, 'slo')).toMatchObject({ passed: false, message, baseline: null });
    }
    const ok = judge(arm(), null, slos, settings);
    expect(ok.checks.map((c) => c.message)).toEqual([
      'error rate 0.5% within the SLO of 2.0%',
      'p95 latency 340 ms within the SLO of 3000 ms',
      'p95 TTFT 120 ms within the SLO of 1000 ms',
      'cost per request $0.002 within the SLO of $0.05',
    ]);
    // A figure exactly on its limit meets it.
    expect(judge(arm({ errors: 8, errorRate: 0.02, p95LatencyMs: 3000 }), null, slos, settings).verdict).toBe('pass');
  });

  it('names every failed check in the summary', () => {
    const r = judge(arm({ errors: 48, errorRate: 0.12, p95LatencyMs: 812 }), stable(), slos, settings);
    expect(r.verdict).toBe('fail');
    expect(r.summary).toBe(
      "error rate 12.0% is above the SLO of 2.0%; error rate 12.0% is 11.5 points above the stable arm's 0.5% (limit 2.0 points); p95 latency 812 ms is 2.40× the stable arm's 338 ms (limit 1.50×)",
    );
  });

  it('checks each figure against the stable arm, failing and passing', () => {
    const cases: [Partial<ArmFigures>, Partial<ArmFigures>, string, string][] = [
      [{ errors: 14, errorRate: 0.035 }, { errorRate: 0.01 }, 'error-rate', "error rate 3.5% is 2.5 points above the stable arm's 1.0% (limit 2.0 points)"],
      [{ p95LatencyMs: 812 }, {}, 'p95-latency', "p95 latency 812 ms is 2.40× the stable arm's 338 ms (limit 1.50×)"],
      [{ p95TtftMs: 400 }, { p95TtftMs: 200 }, 'p95-ttft', "p95 TTFT 400 ms is 2.00× the stable arm's 200 ms (limit 1.50×)"],
      [{ costPerRequestUsd: 0.004 }, { costPerRequestUsd: 0.002 }, 'cost-per-request', "cost per request $0.004 is 2.00× the stable arm's $0.002 (limit 1.50×)"],
      [{ feedbackMean: 0.45 }, { feedbackMean: 0.72 }, 'feedback', "mean feedback 0.45 is 0.27 below the stable arm's 0.72 (limit 0.10)"],
    ];
    for (const [cand, base, metric, message] of cases) {
      const r = judge(arm(cand), stable(base), noSlos, settings);
      expect(r.verdict, metric).toBe('fail');
      expect(r.summary).toBe(message);
      expect(check(r, metric, 'relative')).toMatchObject({ passed: false, message });
    }
    const ok = judge(arm({ errors: 10, errorRate: 0.025, feedbackMean: 0.65 }), stable({ errorRate: 0.01, feedbackMean: 0.72 }), noSlos, settings);
    expect(ok.verdict).toBe('pass');
    expect(ok.checks.map((c) => c.message)).toEqual([
      "error rate 2.5% within 2.0 points of the stable arm's 1.0%",
      'p95 latency 340 ms within 1.50× of 338 ms',
      'p95 TTFT 120 ms within 1.50× of 120 ms',
      'cost per request $0.002 within 1.50× of $0.002',
      "mean feedback 0.65 within 0.10 of the stable arm's 0.72",
    ]);
    // An increase of exactly the limit is allowed, float noise notwithstanding (0.05 − 0.03).
    expect(judge(arm({ errorRate: 0.05 }), stable({ errorRate: 0.03 }), noSlos, settings).verdict).toBe('pass');
  });

  it('compares feedback only with enough scores on both arms', () => {
    const low = { feedbackMean: 0.1 };
    expect(check(judge(arm({ ...low, feedbackCount: 19 }), stable(), noSlos, settings), 'feedback', 'relative')).toBeUndefined();
    expect(check(judge(arm(low), stable({ feedbackCount: 5 }), noSlos, settings), 'feedback', 'relative')).toBeUndefined();
    expect(judge(arm({ ...low, feedbackCount: 20 }), stable({ feedbackCount: 20 }), noSlos, settings).verdict).toBe('fail');
    expect(judge(arm(low), stable({ feedbackCount: 5 }), noSlos, { ...settings, minFeedbackSamples: 5 }).verdict).toBe('fail');
  });

  it('compares online pass rates only with enough scores on both arms, and fails a drop past maxQualityDrop', () => {
    const q = (qualityPassRate: number, qualityCount = 40) => ({ qualityPassRate, qualityCount });
    const within = judge(arm(q(0.81)), stable(q(0.9)), noSlos, settings);
    expect(within.verdict).toBe('pass');
    expect(check(within, 'online-quality', 'relative')).toMatchObject({ passed: true, candidate: 0.81, baseline: 0.9, limit: 0.1 });
    expect(check(within, 'online-quality', 'relative')!.message).toBe("online pass rate 81.0% within 10.0 points of the stable arm's 90.0% (40 and 40 scored answers)");
    // Exactly the limit passes, float noise notwithstanding.
    expect(judge(arm(q(0.8)), stable(q(0.9)), noSlos, settings).verdict).toBe('pass');
    const worse = judge(arm(q(0.6, 25)), stable(q(0.9)), noSlos, settings);
    expect(worse.verdict).toBe('fail');
    expect(worse.summary).toBe("online pass rate 60.0% is 30.0 points below the stable arm's 90.0% (limit 10.0 points; 25 and 40 scored answers)");
    // Too few scores on either arm, no limit, or analyses made before online evals: no check.
    expect(check(judge(arm(q(0.1, 19)), stable(q(0.9)), noSlos, settings), 'online-quality', 'relative')).toBeUndefined();
    expect(check(judge(arm(q(0.1)), stable(q(0.9, 5)), noSlos, settings), 'online-quality', 'relative')).toBeUndefined();
    expect(judge(arm(q(0.1)), stable(q(0.9, 5)), noSlos, { ...settings, minQualitySamples: 5 }).verdict).toBe('fail');
    expect(judge(arm(q(0.1)), stable(q(0.9)), noSlos, { ...settings, maxQualityDrop: null }).verdict).toBe('pass');
    const { maxQualityDrop: _d, minQualitySamples: _m, ...older } = settings;
    expect(judge(arm(q(0.1)), stable(q(0.9)), noSlos, older as AnalysisSettings).verdict).toBe('pass');
  });

  it('switches a check off when its limit is null', () => {
    const bad = arm({ errors: 200, errorRate: 0.5, p95LatencyMs: 9000, p95TtftMs: 9000, costPerRequestUsd: 9, feedbackMean: -1 });
    const off: AnalysisSettings = { ...settings, maxErrorRateIncrease: null, maxLatencyRatio: null, maxTtftRatio: null, maxCostRatio: null, maxFeedbackDrop: null };
    expect(judge(bad, stable(), noSlos, off)).toEqual({ verdict: 'pass', checks: [], summary: 'healthy: 400 requests, error rate 50.0%, p95 9000 ms' });
    // p95TtftMs may be missing from SLOs saved before it existed.
    const { p95TtftMs: _, ...older } = slos;
    expect(check(judge(arm(), null, older, settings), 'p95-ttft', 'slo')).toBeUndefined();
    // Figures the arm has no data for (no streamed requests) are skipped too.
    expect(check(judge(arm({ p95TtftMs: null }), stable(), slos, settings), 'p95-ttft', 'relative')).toBeUndefined();
  });

  it('makes no relative checks without a stable arm or when it has too little traffic', () => {
    const slow = arm({ p95LatencyMs: 2000 });
    expect(judge(slow, null, noSlos, settings)).toMatchObject({ verdict: 'pass', checks: [] });
    const r = judge(slow, stable({ requests: 49 }), slos, settings);
    expect(r.verdict).toBe('pass');
    expect(r.checks.every((c) => c.kind === 'slo')).toBe(true);
    expect(judge(slow, stable({ requests: 50 }), slos, settings).verdict).toBe('fail');
  });

  it('never divides by a zero stable figure', () => {
    const r = judge(arm({ costPerRequestUsd: 0.01 }), stable({ p95LatencyMs: 0, p95TtftMs: 0, costPerRequestUsd: 0 }), noSlos, settings);
    expect(r.checks.map((c) => c.metric)).toEqual(['error-rate', 'feedback']);
    expect(r.checks.every((c) => Number.isFinite(c.candidate!) && Number.isFinite(c.baseline!))).toBe(true);
    expect(judge(arm({ p95LatencyMs: Number.NaN }), stable(), slos, settings).checks.some((c) => c.metric === 'p95-latency')).toBe(false);
  });
});
