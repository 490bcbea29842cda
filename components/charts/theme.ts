// The charts' one theme: colours are the app's CSS variables (app/globals.css), so light and dark follow the page,
// and formats for axes and tooltips.
import type { MarkerKind } from '@/server/services/monitoring/types';

const SERIES = 6;

/** A release keeps its colour on every chart and page: picked by its number. Unattributed traffic (0) is grey. */
export function releaseColour(release: number): string {
  return release === 0 ? 'var(--muted-fg)' : `var(--chart-${((release - 1) % SERIES) + 1})`;
}

/** The n-th group of a chart (services, model versions) when groups have no number of their own. */
export function seriesColour(i: number): string {
  return `var(--chart-${(i % SERIES) + 1})`;
}

export const MARKER_STYLE: Record<MarkerKind, { colour: string; word: string; dash: string }> = {
  deploy: { colour: 'var(--primary)', word: 'Deploy', dash: '0' },
  'rollout-step': { colour: 'var(--chart-3)', word: 'Rollout step', dash: '4 3' },
  rollback: { colour: 'var(--danger)', word: 'Rollback', dash: '0' },
  abort: { colour: 'var(--warning)', word: 'Abort', dash: '4 3' },
  bypass: { colour: 'var(--chart-5)', word: 'Bypass', dash: '0' },
  alert: { colour: 'var(--danger)', word: 'Alert', dash: '0' },
};

export const AXIS = {
  tick: { fill: 'var(--muted-fg)', fontSize: 11 },
  stroke: 'var(--border)',
  grid: 'var(--chart-grid)',
  /** Room for the longest tick, e.g. "$0.0000018". */
  width: 78,
} as const;

/** Axis ticks: times of day for ranges up to a day and a half, dates beyond. */
export function timeTick(spanMs: number): (t: number) => string {
  const long = spanMs > 36 * 3600_000;
  return (t) => new Date(t).toLocaleString(undefined, long ? { month: 'short', day: 'numeric' } : { hour: '2-digit', minute: '2-digit' });
}

/** Tooltip headings: the bucket's start and end. */
export function bucketLabel(t: number, stepSeconds: number): string {
  const end = new Date(t + stepSeconds * 1000);
  const start = new Date(t);
  const sameDay = start.toDateString() === end.toDateString();
  const day = start.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  const time = (d: Date) => d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return sameDay ? `${day}, ${time(start)}–${time(end)}` : `${day}, ${time(start)} – ${end.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${time(end)}`;
}

/** Compact counts on axes: 950, 1.2k, 3.4M. */
export function compact(n: number): string {
  return n.toLocaleString('en', { notation: 'compact', maximumFractionDigits: 1 });
}

/** The axis top for a largest value: the next round step × 10ⁿ at or above it (971 → 1000, 38.8k → 40k, 59 → 60). */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return v;
  const p = 10 ** Math.floor(Math.log10(v));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((m) => m * p >= v * (1 - 1e-9))!;
  return Number((step * p).toPrecision(12));
}

/** Drift charts: the reference window in the muted tone, the current window in the first series colour (danger when it drifted). */
export const DRIFT_COLOURS = {
  reference: 'var(--muted-fg)',
  current: 'var(--chart-1)',
  drifted: 'var(--danger)',
  stable: 'var(--success)',
  untested: 'var(--muted-fg)',
} as const;
