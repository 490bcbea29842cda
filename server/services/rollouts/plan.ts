// A rollout's plan (the moves its policy makes) and the routing table of each move. Pure: the engine and the
// promote dialog's preview both use it.
import type { RolloutPolicy, RolloutStep, RouteEntry } from '@/db/schema';

const seconds = (minutes: number) => Math.round(minutes * 60);

/**
 * The moves from the stable release(s) to the candidate. Without a stable release to shift from (a first
 * deploy) there is nothing to compare with or return to: every strategy is a single switch to all traffic.
 */
export function buildPlan(policy: RolloutPolicy, hasBaseline: boolean): RolloutStep[] {
  if (!hasBaseline) return [{ kind: 'switch', weight: 100, bakeSeconds: 0 }];
  switch (policy.strategy) {
    case 'all-at-once':
      return [{ kind: 'switch', weight: 100, bakeSeconds: seconds(policy.bakeMinutes ?? 0) }];
    case 'canary':
      return [...policy.steps.map((s) => ({ kind: 'shift' as const, weight: s.weight, bakeSeconds: seconds(s.bakeMinutes) })), { kind: 'shift', weight: 100, bakeSeconds: 0 }];
    case 'linear': {
      const steps: RolloutStep[] = [];
      for (let w = policy.stepPercent; w < 100; w += policy.stepPercent) steps.push({ kind: 'shift', weight: w, bakeSeconds: seconds(policy.intervalMinutes) });
      return [...steps, { kind: 'shift', weight: 100, bakeSeconds: 0 }];
    }
    case 'blue-green':
      return [
        { kind: 'warm', weight: 0, bakeSeconds: 0 },
        { kind: 'switch', weight: 100, bakeSeconds: seconds(policy.bakeMinutes), holdSeconds: seconds(policy.rollbackWindowMinutes ?? 10) },
        { kind: 'retire', weight: 100, bakeSeconds: 0 },
      ];
  }
}

/** Splits `total` over the baseline releases in proportion to their weights (largest remainders), keeping order. */
function share(baseline: RouteEntry[], total: number): RouteEntry[] {
  const sum = baseline.reduce((s, r) => s + r.weight, 0) || 1;
  const exact = baseline.map((r) => (r.weight / sum) * total);
  const out = exact.map((x, i) => ({ ...baseline[i]!, weight: Math.floor(x) }));
  let left = total - out.reduce((s, r) => s + r.weight, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i]!.weight += 1;
    left -= 1;
  }
  return out;
}

/**
 * The routing table for one move: the candidate at the step's weight and the baseline sharing the rest. A warm
 * step routes the candidate at 0% (loaded and pinnable, serving no one); a switch keeps the old releases at 0%
 * for the rollback window, if it has one (else drops them at once); retire drops them.
 */
export function routesFor(step: RolloutStep, candidate: { releaseId: string; releaseNumber: number }, baseline: RouteEntry[]): RouteEntry[] {
  const others = baseline.filter((r) => r.releaseId !== candidate.releaseId);
  const cand = { releaseId: candidate.releaseId, releaseNumber: candidate.releaseNumber, weight: step.weight };
  if (!others.length) return [{ ...cand, weight: 100 }];
  switch (step.kind) {
    case 'warm':
      return [...share(others, 100), { ...cand, weight: 0 }];
    case 'switch':
      // Only a switch with a rollback window to hold (blue-green, retired by a later step) keeps the old releases.
      return step.holdSeconds ? [{ ...cand, weight: 100 }, ...others.map((r) => ({ ...r, weight: 0 }))] : [{ ...cand, weight: 100 }];
    case 'retire':
      return [{ ...cand, weight: 100 }];
    case 'shift':
      return step.weight >= 100 ? [{ ...cand, weight: 100 }] : [...share(others, 100 - step.weight), cand];
  }
}

/** Words for a step, e.g. "25% to #7", "warm #7 at 0%". */
export function describeStep(step: RolloutStep, releaseNumber: number): string {
  switch (step.kind) {
    case 'warm':
      return `warm #${releaseNumber} at 0% and smoke-check it`;
    case 'switch':
      return `switch all traffic to #${releaseNumber}`;
    case 'retire':
      return 'retire the old release';
    case 'shift':
      return `${step.weight}% to #${releaseNumber}`;
  }
}

/** Whether two routing tables route the same releases at the same weights (whatever the key order of stored JSON). */
export function sameRoutes(a: RouteEntry[], b: RouteEntry[]): boolean {
  const key = (routes: RouteEntry[]) => routes.map((r) => `${r.releaseId}:${r.weight}`).sort().join();
  return key(a) === key(b);
}
