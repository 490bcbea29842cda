// Log-spaced latency histograms shared by rollups, dashboard queries, alerts and metrics: bucket 0 holds 0–1 ms,
// bucket i (1 ≤ i < HIST_BUCKETS) holds (1.1^(i-1), 1.1^i] ms, and the last bucket also takes anything slower.
// Counts add bucket by bucket, so minutes merge into hours and processes into one figure without raw rows.

/** Each bucket's upper bound is this many times the one below it: a relative width of 10%. */
export const HIST_BASE = 1.1;
/** Enough buckets to reach ~9.4 minutes (1.1^139 ms), beyond any gateway timeout. */
export const HIST_BUCKETS = 140;

const LN_BASE = Math.log(HIST_BASE);

/** Index of the bucket holding `ms`. The SQL of the rollups computes the same expression (see bucketSql). */
export function bucketOf(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(HIST_BUCKETS - 1, Math.ceil(Math.log(ms) / LN_BASE));
}

/** The same bucket index in SQL, for a numeric column or expression. */
export function bucketSql(expr: string): string {
  return `(case when ${expr} <= 1 then 0 else least(${HIST_BUCKETS - 1}, ceil(ln(${expr}::float8) / ln(${HIST_BASE}))::int) end)`;
}

export function bucketUpperMs(i: number): number {
  return HIST_BASE ** Math.max(0, Math.min(i, HIST_BUCKETS - 1));
}

function bucketLowerMs(i: number): number {
  return i <= 0 ? 0 : bucketUpperMs(i - 1);
}

export function emptyHistogram(): number[] {
  return new Array<number>(HIST_BUCKETS).fill(0);
}

/** Adds `add` to `target` bucket by bucket (both dense); returns target. */
export function mergeInto(target: number[], add: number[]): number[] {
  for (let i = 0; i < add.length; i++) if (add[i]) target[i] = (target[i] ?? 0) + add[i]!;
  return target;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) in ms, interpolated linearly inside the bucket that holds it, so the error is at most
 * that bucket's width (10% of the value). null when the histogram is empty.
 */
export function quantile(counts: number[], q: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = Math.min(1, Math.max(0, q)) * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c === 0) continue;
    if (seen + c >= rank) {
      const lo = bucketLowerMs(i);
      return lo + (bucketUpperMs(i) - lo) * ((rank - seen) / c);
    }
    seen += c;
  }
  return bucketUpperMs(HIST_BUCKETS - 1);
}

/**
 * Rollups store a histogram sparsely, as the indexes of its non-empty buckets and their counts (a minute of a
 * quiet service holds one or two requests, not 140 zeros). These convert between the stored and the dense form.
 */
export function denseOf(buckets: readonly number[] | null, counts: readonly number[] | null, into: number[] = emptyHistogram()): number[] {
  if (!buckets || !counts) return into;
  for (let k = 0; k < buckets.length; k++) into[buckets[k]!] = (into[buckets[k]!] ?? 0) + (counts[k] ?? 0);
  return into;
}

export function sparseOf(counts: readonly number[]): { buckets: number[]; counts: number[] } {
  const out = { buckets: [] as number[], counts: [] as number[] };
  counts.forEach((c, i) => {
    if (c) {
      out.buckets.push(i);
      out.counts.push(c);
    }
  });
  return out;
}
