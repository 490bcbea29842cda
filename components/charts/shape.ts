// Data shaping for the charts: the monitoring API's points (one per bucket × release) pivoted into one row per
// bucket with a column per release, gaps filled, and the derived figures (rates, per-request cost, hourly cost).
import type { AnalysisResult, AnalysisSettings, DriftHistogram } from '@/db/schema';
import type { Marker, SeriesPoint } from '@/server/services/monitoring/types';

/** A chart row: the bucket's start in epoch ms, and one value per series key. */
export type Row = { t: number } & Record<string, number | null>;

export interface Span {
  from: string;
  to: string;
  stepSeconds: number;
}

/** The column of a release in a pivoted row (`r0` holds traffic recorded without a release). */
export const releaseKey = (release: number) => `r${release}`;

/**
 * Every bucket start in [from, to): aligned to the step on the epoch, as the server buckets, plus any point time
 * that does not fall on that grid (so no point is dropped whatever alignment the server used).
 */
export function bucketGrid(span: Span, extra: number[] = []): number[] {
  const step = span.stepSeconds * 1000;
  const from = Date.parse(span.from);
  const to = Date.parse(span.to);
  const times = new Set<number>(extra);
  if (step > 0) for (let t = Math.floor(from / step) * step; t < to; t += step) times.add(t);
  return [...times].sort((a, b) => a - b);
}

/**
 * One row per bucket, a column per release with `value(point)`. Buckets without traffic get `empty`: 0 for counts
 * (so stacked areas drop to zero), null for figures that do not exist without traffic (a gap in a line).
 */
export function pivotByRelease<P extends { t: string; release: number } = SeriesPoint>(points: P[], span: Span, releases: number[], value: (p: P) => number | null, empty: 0 | null): Row[] {
  const byTime = new Map<number, Map<number, P>>();
  for (const p of points) {
    const t = Date.parse(p.t);
    const m = byTime.get(t) ?? new Map<number, P>();
    m.set(p.release, p);
    byTime.set(t, m);
  }
  return bucketGrid(span, [...byTime.keys()]).map((t) => {
    const row: Row = { t };
    const at = byTime.get(t);
    for (const r of releases) {
      const p = at?.get(r);
      row[releaseKey(r)] = p ? value(p) : empty;
    }
    return row;
  });
}

/**
 * One row per bucket with a column per named figure, for the points of one release (one point per bucket).
 * Buckets without a point get `empty`.
 */
export function pivotFields(points: SeriesPoint[], span: Span, values: Record<string, (p: SeriesPoint) => number | null>, empty: 0 | null): Row[] {
  const byTime = new Map<number, SeriesPoint>(points.map((p) => [Date.parse(p.t), p]));
  return bucketGrid(span, [...byTime.keys()]).map((t) => {
    const row: Row = { t };
    const p = byTime.get(t);
    for (const [key, value] of Object.entries(values)) row[key] = p ? value(p) : empty;
    return row;
  });
}

/** Releases in the order charts draw them: as the API lists them (newest first), plus any only the points name. */
export function releasesOf(listed: number[], points: { release: number }[]): number[] {
  const seen = new Set(listed);
  const extra = [...new Set(points.map((p) => p.release))].filter((r) => !seen.has(r)).sort((a, b) => b - a);
  return [...listed, ...extra];
}

export const errorRate = (p: { requests: number; errors: number }): number | null => (p.requests ? p.errors / p.requests : null);
export const costPerRequest = (p: { requests: number; costUsd: number }): number | null => (p.requests ? p.costUsd / p.requests : null);
export const feedbackMean = (p: { feedbackCount: number; feedbackSum: number }): number | null => (p.feedbackCount ? p.feedbackSum / p.feedbackCount : null);
/** A bucket's cost as a rate per hour, so the figure does not change with the bucket size the range picked. */
export const costPerHour = (p: { costUsd: number }, stepSeconds: number): number => (stepSeconds > 0 ? (p.costUsd * 3600) / stepSeconds : p.costUsd);

/** The markers that fall in the bucket starting at `t` (alerts: those whose span covers it). */
export function markersAt(markers: Marker[], t: number, stepSeconds: number): Marker[] {
  const end = t + stepSeconds * 1000;
  return markers.filter((m) => {
    const at = Date.parse(m.t);
    if (m.kind === 'alert') {
      const until = m.endT ? Date.parse(m.endT) : Number.POSITIVE_INFINITY;
      return at < end && until > t;
    }
    return at >= t && at < end;
  });
}

/**
 * Rows of `{ day, g0, g1, … }` for stacked daily cost bars, with `groups[i]` naming column `g<i>` (names such as
 * `model@1.2` cannot be data keys: a dot reads as a path). Groups are ordered by their total, largest first, so the
 * biggest spender sits at the bottom of each bar and first in the legend.
 */
export function pivotDaily<T extends { day: string; costUsd: number }>(days: T[], groupOf: (d: T) => string): { rows: ({ day: string } & Record<string, number | string>)[]; groups: string[] } {
  const totals = new Map<string, number>();
  const byDay = new Map<string, Map<string, number>>();
  for (const d of days) {
    const g = groupOf(d);
    totals.set(g, (totals.get(g) ?? 0) + d.costUsd);
    const m = byDay.get(d.day) ?? new Map<string, number>();
    m.set(g, (m.get(g) ?? 0) + d.costUsd);
    byDay.set(d.day, m);
  }
  const groups = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([g]) => g);
  const rows = [...byDay.keys()].sort().map((day) => {
    const row: { day: string } & Record<string, number | string> = { day };
    groups.forEach((g, i) => (row[`g${i}`] = byDay.get(day)!.get(g) ?? 0));
    return row;
  });
  return { rows, groups };
}

/** One analysis of a rollout, as the chart of a live rollout draws it. */
export interface AnalysisWindow {
  /** When the figures were taken (epoch ms), and the step they were taken at (0-based). */
  at: number;
  step: number;
  label: string;
  verdict: AnalysisResult['verdict'];
  candidateErrorRate: number | null;
  stableErrorRate: number | null;
  candidateP95: number | null;
  stableP95: number | null;
  /** What the candidate was allowed against the stable arm in this window (stable + increase, stable × ratio). */
  allowedErrorRate: number | null;
  allowedP95: number | null;
}

/**
 * The analysis windows a rollout kept: every analysis its timeline recorded (passed steps, pauses, rollbacks)
 * and the latest one, once each, oldest first.
 */
export function analysisWindows(events: { data: unknown }[], last: AnalysisResult | null, settings: Pick<AnalysisSettings, 'maxErrorRateIncrease' | 'maxLatencyRatio'> | null): AnalysisWindow[] {
  const found = new Map<string, AnalysisResult>();
  const add = (a: unknown) => {
    if (a && typeof a === 'object' && 'verdict' in a && 'candidate' in a && 'at' in a) found.set(String((a as AnalysisResult).at), a as AnalysisResult);
  };
  for (const e of events) add((e.data as { analysis?: unknown } | null)?.analysis);
  add(last);
  return [...found.values()]
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    .map((a) => {
      const base = a.baseline;
      const increase = settings?.maxErrorRateIncrease ?? null;
      const ratio = settings?.maxLatencyRatio ?? null;
      const at = Date.parse(a.at);
      return {
        at,
        step: a.step,
        label: `step ${a.step + 1} · ${new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`,
        verdict: a.verdict,
        candidateErrorRate: a.candidate.errorRate,
        stableErrorRate: base?.errorRate ?? null,
        candidateP95: a.candidate.p95LatencyMs,
        stableP95: base?.p95LatencyMs ?? null,
        allowedErrorRate: base?.errorRate != null && increase != null ? base.errorRate + increase : null,
        allowedP95: base?.p95LatencyMs != null && ratio != null ? base.p95LatencyMs * ratio : null,
      };
    });
}

/** A day of the month so far (cumulative spend) or to come (the projection's straight line to the month's end). */
export interface MonthRow {
  day: string;
  spent: number | null;
  projected: number | null;
}

/**
 * The month's days: cumulative spend up to today from the daily costs, and the projection from today's total to
 * `projectedUsd` on the last day.
 */
export function monthRows(daily: { day: string; costUsd: number }[], now: Date, projectedUsd: number): MonthRow[] {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const today = now.getUTCDate();
  const perDay = new Map<string, number>();
  for (const d of daily) perDay.set(d.day, (perDay.get(d.day) ?? 0) + d.costUsd);
  const rows: MonthRow[] = [];
  let sum = 0;
  for (let d = 1; d <= days; d++) {
    const day = new Date(Date.UTC(year, month, d)).toISOString().slice(0, 10);
    if (d <= today) sum += perDay.get(day) ?? 0;
    const projected = d < today ? null : d === days ? projectedUsd : sum + ((projectedUsd - sum) * (d - today)) / Math.max(1, days - today);
    rows.push({ day, spent: d <= today ? sum : null, projected: d === today ? sum : projected });
  }
  return rows;
}

/** A histogram's bins as chart rows: each window's count and its share of that window. */
export interface HistogramRow {
  bin: string;
  reference: number;
  current: number;
  referenceCount: number;
  currentCount: number;
}

/**
 * The bins of a drift histogram as shares of each window, with the bin whose shares differ most and the largest
 * share. Null when either
 * window has no values (nothing to compare).
 */
export function histogramRows(h: DriftHistogram): { rows: HistogramRow[]; referenceTotal: number; currentTotal: number; largest: HistogramRow | null; top: number } | null {
  const referenceTotal = h.reference.reduce((n, v) => n + v, 0);
  const currentTotal = h.current.reduce((n, v) => n + v, 0);
  if (!h.bins.length || referenceTotal <= 0 || currentTotal <= 0) return null;
  const rows = h.bins.map((bin, i) => {
    const referenceCount = h.reference[i] ?? 0;
    const currentCount = h.current[i] ?? 0;
    return { bin, referenceCount, currentCount, reference: referenceCount / referenceTotal, current: currentCount / currentTotal };
  });
  const largest = rows.reduce<HistogramRow | null>((best, r) => (!best || Math.abs(r.current - r.reference) > Math.abs(best.current - best.reference) ? r : best), null);
  return { rows, referenceTotal, currentTotal, largest, top: Math.max(...rows.map((r) => Math.max(r.reference, r.current))) };
}

/** One check of one row of a status timeline: when, what it found, a line saying how, and a link to the check. */
export interface StatusPoint {
  t: number;
  /** When the window the check read began, when known (else the check reaches back the hold). */
  from?: number;
  state: 'drift' | 'ok' | 'untested';
  detail: string;
  href?: string;
}

export interface StatusRow {
  key: string;
  label: string;
  points: StatusPoint[];
}

/**
 * The cells of a status timeline: a check speaks for the window that ended at it, so its cell runs from the start of
 * that window (when the point knows it, else `holdMs` before it: default the median gap between checks, else an
 * hour), but not before the row's previous check, to its own time, clipped to the domain. Checks outside the domain are dropped; rows keep their order.
 */
export function statusCells(rows: StatusRow[], domain: [number, number], holdMs?: number): (StatusRow & { cells: (StatusPoint & { from: number; to: number })[] })[] {
  const times = [...new Set(rows.flatMap((r) => r.points.map((p) => p.t)))].sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  const hold = holdMs ?? (gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 3600_000);
  return rows.map((r) => {
    const points = r.points.filter((p) => p.t >= domain[0] && p.t <= domain[1]).sort((a, b) => a.t - b.t);
    const cells = points.map((p, i) => ({ ...p, from: Math.max(domain[0], p.from ?? p.t - hold, i > 0 ? points[i - 1]!.t : -Infinity), to: p.t }));
    return { ...r, cells: cells.filter((c) => c.to > c.from) };
  });
}
