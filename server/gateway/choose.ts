// Which release answers a request. Sticky keys hash to a bucket that maps onto the weights, so the same
// key stays on the same release while the weights are unchanged; the newest release takes the lowest
// buckets, so when a canary grows, everyone already on it stays on it.

export const BUCKETS = 10_000;

/** FNV-1a (32-bit): fast, well spread, and the same in every process. */
export function stickyBucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}

export interface Arm<T> {
  releaseNumber: number;
  weight: number;
  target: T;
}

export interface Arms<T> {
  arms: Arm<T>[];
  /** Upper bucket bound of each arm, in order. */
  bounds: number[];
  /** The oldest release routed (the one a canary is measured against): where failing newer arms fall back to. */
  stable: Arm<T>;
}

export function buildArms<T>(routes: Arm<T>[]): Arms<T> {
  const arms = routes.filter((r) => r.weight > 0).sort((a, b) => b.releaseNumber - a.releaseNumber);
  if (!arms.length) throw new Error('a routing table needs at least one release with weight');
  const total = arms.reduce((s, a) => s + a.weight, 0);
  let acc = 0;
  const bounds = arms.map((a) => {
    acc += a.weight;
    return Math.round((acc / total) * BUCKETS);
  });
  const stable = arms[arms.length - 1]!;
  return { arms, bounds, stable };
}

export function pickArm<T>(arms: Arms<T>, bucket: number): Arm<T> {
  for (let i = 0; i < arms.bounds.length; i++) if (bucket < arms.bounds[i]!) return arms.arms[i]!;
  return arms.arms[arms.arms.length - 1]!;
}

export function randomBucket(): number {
  return Math.floor(Math.random() * BUCKETS);
}
