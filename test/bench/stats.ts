// Pure figures for the gateway benchmark: percentiles of one run's latencies (nearest rank, so a reported p99
// is a latency some request really had) and the median with its range over rounds, as the table prints them.

/** The p-th percentile (0 < p ≤ 100) of values sorted ascending, by nearest rank; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be above 0 and at most 100 (got ${p})`);
  if (!sorted.length) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, minimum and maximum of the rounds' figures, leaving out rounds that had none (NaN). */
export function spread(values: readonly number[]): Spread {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!xs.length) return { median: NaN, min: NaN, max: NaN };
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  return { median, min: xs[0]!, max: xs.at(-1)! };
}

/** "1.23 [1.01–1.90]" with the given number of decimals; "–" when no round had the figure. */
export function formatSpread(s: Spread, decimals: number, sign = false): string {
  if (!Number.isFinite(s.median)) return '–';
  const f = (n: number) => `${sign && n > 0 ? '+' : ''}${n.toFixed(decimals)}`;
  return `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;
}
