// Special functions the drift tests need, written here so the library has no dependency: chi-squared and normal
// tail probabilities (through the incomplete gamma function of server/lib/gamma, which eval statistics share), the
// Kolmogorov distribution of the two-sided one-sample statistic for large n, and a seeded random generator.
import { gammaQ, logGamma } from '@/server/lib/gamma';

/** P(X ≥ x) for X ~ χ²(df). */
export function chiSquaredSf(x: number, df: number): number {
  if (df <= 0) return x > 0 ? 0 : 1;
  return gammaQ(df / 2, x / 2);
}

/** P(Z ≥ z) for a standard normal Z (through erfc(t) = Q(1/2, t²), accurate in the far tail too). */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const upper = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? upper : 1 - upper;
}

/** ln C(n, k). */
function logBinomial(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * The one-sided Smirnov tail P(D⁺ₙ ≥ d), by the exact Birnbaum–Tingey sum
 * d · Σ_{j ≤ n(1−d)} C(n, j) (d + j/n)^(j−1) (1 − d − j/n)^(n−j), every term in log space.
 */
export function smirnovSf(n: number, d: number): number {
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const last = Math.floor(n * (1 - d) + 1e-12);
  let sum = 0;
  for (let j = 0; j <= last; j++) {
    const rest = 1 - d - j / n;
    if (rest <= 0 && n - j > 0) continue;
    const lt = logBinomial(n, j) + Math.log(d) + (j - 1) * Math.log(d + j / n) + (n - j === 0 ? 0 : (n - j) * Math.log(rest));
    sum += Math.exp(lt);
  }
  return Math.min(1, Math.max(0, sum));
}

/** Pelz and Good's (1976) expansion of the Kolmogorov CDF P(Dₙ ≤ d) in powers of n^(−1/2), for large n. */
function kolmogorovCdfPelzGood(n: number, d: number): number {
  const z = Math.sqrt(n) * d;
  const pi2 = Math.PI * Math.PI;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -pi2 / 8 / z2;
  if (qlog < -745) return 0;
  const q = Math.exp(qlog);
  const k = [0, 0, 0, 0];
  const kmax = Math.ceil((16 * z) / Math.PI);
  // Sums over odd m = 2k − 1 of polynomial(m) · q^(m²), by Horner's scheme in q^(8k).
  for (let i = kmax; i >= 1; i--) {
    const m2 = (2 * i - 1) ** 2;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * i);
    const coeffs = [
      1,
      -z2 + (pi2 / 4) * m2,
      6 * z6 + 2 * z4 + ((2 * z4 - 5 * z2) * pi2 * m2) / 4 + (pi2 * pi2 * (1 - 2 * z2) * m4) / 16,
      -30 * z6 - 90 * z4 * z4 + (pi2 * (135 * z4 - 96 * z6) * m2) / 4 + (pi2 * pi2 * (-60 * z2 + 212 * z4) * m4) / 16 + (pi2 * pi2 * pi2 * (5 - 30 * z2) * m6) / 64,
    ];
    for (let t = 0; t < 4; t++) k[t] = k[t]! * qp + coeffs[t]!;
  }
  const root2pi = Math.sqrt(2 * Math.PI);
  const denominators = [z, 6 * z4, 72 * z4 * z2 * z, 6480 * z4 * z6];
  for (let t = 0; t < 4; t++) k[t] = (k[t]! * q * root2pi) / denominators[t]!;
  // The terms over all integers k: K₂ gets π²k² q^(k²), K₃ gets (3π²k²z² − π⁴k⁴) q^(k²), with q = e^(−π²/(2z²)).
  const qq = Math.exp(-pi2 / 2 / z2);
  let s2 = 0;
  let s3 = 0;
  for (let i = kmax; i >= 1; i--) {
    const p = qq ** (i * i);
    s2 += i * i * p;
    const kpi = Math.PI * i;
    s3 += (3 * z2 - kpi * kpi) * i * i * p;
  }
  k[2] = k[2]! + (s2 * pi2 * root2pi) / (-36 * z2 * z);
  k[3] = k[3]! + (s3 * pi2 * root2pi) / (216 * z6);
  return k[0]! + k[1]! / Math.sqrt(n) + k[2]! / n + k[3]! / (n * Math.sqrt(n));
}

/**
 * P(Dₙ ≥ d) for the two-sided one-sample Kolmogorov–Smirnov statistic with n observations (scipy's `kstwo.sf`),
 * for the large n the asymptotic two-sample test uses: the exact Ruben–Gambino forms at the ends, twice the
 * one-sided Smirnov tail where the two tails cannot overlap (d ≥ 1/2) or their overlap is negligible, and the
 * Pelz–Good expansion in the middle (scipy uses the Durbin matrix or Pomeranz's recursion there for n ≤ 140).
 */
export function kolmogorovSf(n: number, d: number): number {
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    const cdf = Math.exp(logGamma(n + 1) - n * Math.log(n) + n * Math.log(2 * t - 1));
    return Math.min(1, Math.max(0, 1 - cdf));
  }
  if (t >= n - 1) return Math.min(1, 2 * (1 - d) ** n);
  if (d >= 0.5) return Math.min(1, 2 * smirnovSf(n, d));
  const nd2 = t * d;
  if (nd2 >= 370) return 0;
  if (nd2 >= (n <= 140 ? 4 : 2.2)) return Math.min(1, 2 * smirnovSf(n, d));
  return Math.min(1, Math.max(0, 1 - kolmogorovCdfPelzGood(n, d)));
}

/** A small seeded generator (mulberry32): the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place with the given generator. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}
