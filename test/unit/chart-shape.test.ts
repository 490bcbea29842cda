// The charts' data shaping: points pivoted by release with gaps filled as the chart needs them, markers found by
// bucket, daily cost grouped, the month's projection, a rollout's analysis windows, and drift reports' histograms
// and status cells.
import { describe, expect, it } from 'vitest';
import { analysisWindows, bucketGrid, costPerHour, histogramRows, markersAt, monthRows, pivotByRelease, pivotDaily, pivotFields, releasesOf, statusCells } from '@/components/charts/shape';
import { niceCeil } from '@/components/charts/theme';
import type { AnalysisResult } from '@/db/schema';
import type { Marker, SeriesPoint } from '@/server/services/monitoring/types';

const point = (t: string, release: number, over: Partial<SeriesPoint> = {}): SeriesPoint => ({
  t,
  release,
  requests: 10,
  errors: 1,
  errorsByClass: {},
  p50: 100,
  p95: 200,
  p99: 300,
  ttftP50: null,
  ttftP95: null,
  ttftP99: null,
  inputTokens: 5,
  outputTokens: 7,
  costUsd: 0.01,
  feedbackCount: 0,
  feedbackSum: 0,
  fallbacks: 0,
  ...over,
});
const span = { from: '2026-12-04T10:00:00.000Z', to: '2026-12-04T10:05:00.000Z', stepSeconds: 60 };
const at = (min: number) => Date.parse(`2026-12-04T10:0${min}:00.000Z`);

describe('pivoting points by release', () => {
  it('gives one row per bucket of the range with a column per release; counts fill gaps with 0, figures with null', () => {
    const points = [point('2026-12-04T10:01:00.000Z', 2, { requests: 4 }), point('2026-12-04T10:01:00.000Z', 1, { requests: 6 }), point('2026-12-04T10:03:00.000Z', 1, { requests: 3, p95: 250 })];
    expect(pivotByRelease(points, span, [2, 1], (p) => p.requests, 0)).toEqual([
      { t: at(0), r2: 0, r1: 0 },
      { t: at(1), r2: 4, r1: 6 },
      { t: at(2), r2: 0, r1: 0 },
      { t: at(3), r2: 0, r1: 3 },
      { t: at(4), r2: 0, r1: 0 },
    ]);
    expect(pivotByRelease(points, span, [1], (p) => p.p95, null).map((r) => r.r1)).toEqual([null, 200, null, 250, null]);
  });

  it('keeps a point that falls off the step grid instead of dropping it', () => {
    expect(bucketGrid(span, [at(2) + 30_000])).toContain(at(2) + 30_000);
    expect(bucketGrid(span)).toEqual([at(0), at(1), at(2), at(3), at(4)]);
  });

  it('lists releases as the API does, then those only the points name (unattributed traffic included)', () => {
    expect(releasesOf([3, 1], [point(span.from, 0), point(span.from, 2), point(span.from, 1)])).toEqual([3, 1, 2, 0]);
  });

  it('pivots several figures of one release into named columns', () => {
    const rows = pivotFields([point('2026-12-04T10:02:00.000Z', 4)], span, { p50: (p) => p.p50, p99: (p) => p.p99 }, null);
    expect(rows[2]).toEqual({ t: at(2), p50: 100, p99: 300 });
    expect(rows[0]).toEqual({ t: at(0), p50: null, p99: null });
  });

  it('turns a bucket’s cost into a rate per hour, whatever the bucket size', () => {
    expect(costPerHour({ costUsd: 0.5 }, 300)).toBeCloseTo(6);
    expect(costPerHour({ costUsd: 2 }, 3600)).toBe(2);
  });
});

describe('markers in a bucket', () => {
  const marker = (t: string, kind: Marker['kind'], endT?: string | null): Marker => ({ t, kind, label: kind, actor: 'ada', reason: null, release: 2, endT });
  it('finds point markers inside the bucket and alerts whose span covers it', () => {
    const deploy = marker('2026-12-04T10:01:30.000Z', 'deploy');
    const alert = marker('2026-12-04T09:58:00.000Z', 'alert', '2026-12-04T10:02:10.000Z');
    const open = marker('2026-12-04T10:03:10.000Z', 'alert', null);
    expect(markersAt([deploy, alert, open], at(1), 60)).toEqual([deploy, alert]);
    expect(markersAt([deploy, alert, open], at(3), 60)).toEqual([open]);
    expect(markersAt([deploy, alert, open], at(4), 60)).toEqual([open]);
  });
});

describe('daily cost', () => {
  it('stacks the days by a group, largest spender first, under keys that survive dots in names', () => {
    const days = [
      { day: '2026-12-02', costUsd: 1, modelVersion: 'small@1.0' },
      { day: '2026-12-01', costUsd: 2, modelVersion: 'large@2.1' },
      { day: '2026-12-02', costUsd: 3, modelVersion: 'large@2.1' },
    ];
    expect(pivotDaily(days, (d) => d.modelVersion)).toEqual({
      groups: ['large@2.1', 'small@1.0'],
      rows: [
        { day: '2026-12-01', g0: 2, g1: 0 },
        { day: '2026-12-02', g0: 3, g1: 1 },
      ],
    });
  });

  it('adds the month up to today and draws the projection from there to the month’s end', () => {
    const rows = monthRows(
      [
        { day: '2026-11-30', costUsd: 99 },
        { day: '2026-12-01', costUsd: 2 },
        { day: '2026-12-03', costUsd: 1 },
        { day: '2026-12-04', costUsd: 1 },
      ],
      new Date('2026-12-04T12:00:00Z'),
      31,
    );
    expect(rows).toHaveLength(31);
    expect(rows.slice(0, 4).map((r) => r.spent)).toEqual([2, 2, 3, 4]);
    expect(rows[4]!.spent).toBeNull();
    expect(rows[3]!.projected).toBe(4);
    expect(rows[30]!.projected).toBe(31);
    expect(rows[2]!.projected).toBeNull();
  });
});

describe('analysis windows of a rollout', () => {
  const analysis = (at: string, step: number, cand: number, base: number): AnalysisResult => ({
    at,
    step,
    verdict: 'pass',
    since: at,
    summary: '',
    checks: [],
    candidate: { releaseNumber: 2, requests: 50, errors: 1, errorRate: cand, p95LatencyMs: 300, p95TtftMs: null, costPerRequestUsd: null, feedbackCount: 0, feedbackMean: null },
    baseline: { releaseNumber: 1, requests: 500, errors: 5, errorRate: base, p95LatencyMs: 200, p95TtftMs: null, costPerRequestUsd: null, feedbackCount: 0, feedbackMean: null },
  });
  it('takes every analysis of the timeline and the latest once each, oldest first, with the limits against stable', () => {
    const first = analysis('2026-12-04T10:00:00.000Z', 0, 0.02, 0.01);
    const last = analysis('2026-12-04T10:05:00.000Z', 1, 0.03, 0.01);
    const events = [{ data: { analysis: last } }, { data: {} }, { data: { analysis: first } }, { data: null }];
    const windows = analysisWindows(events, last, { maxErrorRateIncrease: 0.02, maxLatencyRatio: 1.5 });
    expect(windows.map((w) => [w.step, w.candidateErrorRate, w.stableErrorRate, w.candidateP95, w.stableP95])).toEqual([
      [0, 0.02, 0.01, 300, 200],
      [1, 0.03, 0.01, 300, 200],
    ]);
    expect(windows[0]!.allowedErrorRate).toBeCloseTo(0.03);
    expect(windows[0]!.allowedP95).toBe(300);
    expect(analysisWindows(events, null, { maxErrorRateIncrease: null, maxLatencyRatio: null })[1]!.allowedP95).toBeNull();
  });
});

describe('axis tops', () => {
  it('rounds the largest value up to a round step times a power of ten', () => {
    expect([971, 38_800, 0.75, 59, 0.0000168, 1, 0].map(niceCeil)).toEqual([1000, 40_000, 0.8, 60, 0.00002, 1, 0]);
  });
});

describe('drift histograms', () => {
  it('turns counts into shares of each window and finds the bin that moved most', () => {
    const shaped = histogramRows({ bins: ['[0, 10)', '[10, 20)', '[20, 30)'], reference: [60, 30, 10], current: [10, 20, 20] })!;
    expect(shaped.referenceTotal).toBe(100);
    expect(shaped.currentTotal).toBe(50);
    expect(shaped.rows.map((r) => [r.reference, r.current])).toEqual([
      [0.6, 0.2],
      [0.3, 0.4],
      [0.1, 0.4],
    ]);
    expect(shaped.largest?.bin).toBe('[0, 10)');
  });

  it('has nothing to draw when either window is empty', () => {
    expect(histogramRows({ bins: ['a', 'b'], reference: [3, 4], current: [0, 0] })).toBeNull();
    expect(histogramRows({ bins: [], reference: [], current: [] })).toBeNull();
  });
});

describe('status timeline cells', () => {
  const h = 3600_000;
  const t0 = Date.parse('2026-12-04T00:00:00.000Z');
  const row = (key: string, hours: number[]) => ({ key, label: key, points: hours.map((x) => ({ t: t0 + x * h, state: 'ok' as const, detail: '' })) });

  it('runs each check from the previous one to itself; the first reaches back the usual gap, and a missed check leaves a gap', () => {
    const [cells] = statusCells([row('a', [2, 3, 4, 6])], [t0, t0 + 10 * h]);
    expect(cells!.cells.map((c) => [(c.from - t0) / h, (c.to - t0) / h])).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
      [5, 6],
    ]);
  });

  it('clips to the domain, drops checks outside it, and caps the reach back at the hold', () => {
    const [cells] = statusCells([row('a', [-1, 0.5, 5])], [t0, t0 + 10 * h], 2 * h);
    expect(cells!.cells.map((c) => [(c.from - t0) / h, (c.to - t0) / h])).toEqual([
      [0, 0.5],
      [3, 5],
    ]);
  });

  it('starts a check at the start of the window it read when the point knows it', () => {
    const points = [
      { t: t0 + 5 * h, from: t0 + 4.75 * h, state: 'drift' as const, detail: '' },
      { t: t0 + 6 * h, from: t0 + 2 * h, state: 'ok' as const, detail: '' },
    ];
    const [cells] = statusCells([{ key: 'a', label: 'a', points }], [t0, t0 + 10 * h]);
    expect(cells!.cells.map((c) => [(c.from - t0) / h, (c.to - t0) / h])).toEqual([
      [4.75, 5],
      [5, 6],
    ]);
  });
});
