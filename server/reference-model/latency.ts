// The latency model: a log-normal fitted to a configured mean and p99 of total latency, drawn once per request
// as a "slowness factor" that scales the whole response (total time, time to first token, token pace).

/** z such that P(Z < z) = 0.99 for a standard normal. */
export const Z_99 = 2.3263478740408408;

/**
 * Largest p99/mean ratio a log-normal can reach: with σ the shape, ln(p99/mean) = z·σ − σ²/2, which peaks at
 * σ = z with value z²/2. Beyond it no log-normal has that mean and p99, so the config refuses such values.
 */
export const MAX_P99_OVER_MEAN = Math.exp((Z_99 * Z_99) / 2);

export interface LogNormal {
  mu: number;
  sigma: number;
}

/**
 * Solves ln(p99) − ln(mean) = z·σ − σ²/2 for σ, taking the smaller root (the larger one gives a distribution
 * whose bulk sits far below the mean with an extreme tail, not what a latency histogram looks like), then
 * μ = ln(mean) − σ²/2 so that the mean comes out exact.
 */
export function fitLogNormal(meanMs: number, p99Ms: number): LogNormal {
  if (!(meanMs > 0) || !(p99Ms > meanMs)) throw new RangeError('a log-normal needs 0 < mean < p99');
  const gap = Math.log(p99Ms / meanMs);
  const disc = Z_99 * Z_99 - 2 * gap;
  if (disc < 0) throw new RangeError(`p99 may be at most ${MAX_P99_OVER_MEAN.toFixed(2)} times the mean`);
  const sigma = Z_99 - Math.sqrt(disc);
  return { mu: Math.log(meanMs) - (sigma * sigma) / 2, sigma };
}

/** A value of the fitted distribution for a standard normal draw z. */
export function logNormalAt(dist: LogNormal, z: number): number {
  return Math.exp(dist.mu + dist.sigma * z);
}
