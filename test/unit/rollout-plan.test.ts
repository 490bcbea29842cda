// A rollout's plan and the routing table of each of its moves: canary shares, blue-green's warm, switch with a
// rollback window and retire, and an all-at-once switch that leaves nothing of the old releases behind.
import { describe, expect, it } from 'vitest';
import type { RolloutPolicy, RouteEntry } from '@/db/schema';
import { buildPlan, routesFor } from '@/server/services/rollouts/plan';
import { DEFAULT_ANALYSIS } from '@/server/services/environments/settings';

const candidate = { releaseId: 'r3', releaseNumber: 3 };
const baseline: RouteEntry[] = [
  { releaseId: 'r1', releaseNumber: 1, weight: 75 },
  { releaseId: 'r2', releaseNumber: 2, weight: 25 },
];
const tables = (policy: RolloutPolicy) => buildPlan(policy, true).map((step) => routesFor(step, candidate, baseline).map((r) => [r.releaseNumber, r.weight]));

describe('the routing tables of a rollout', () => {
  it('canary: the baseline shares what the candidate leaves, in proportion', () => {
    expect(tables({ strategy: 'canary', steps: [{ weight: 10, bakeMinutes: 1 }], autoRollback: true, analysis: DEFAULT_ANALYSIS })).toEqual([
      [
        [1, 68],
        [2, 22],
        [3, 10],
      ],
      [[3, 100]],
    ]);
  });

  it('blue-green: warm at 0%, switch keeping the old releases at 0% for the rollback window, then retire them', () => {
    const policy: RolloutPolicy = { strategy: 'blue-green', bakeMinutes: 1, rollbackWindowMinutes: 2, autoRollback: true, analysis: DEFAULT_ANALYSIS };
    expect(buildPlan(policy, true).map((s) => [s.kind, s.bakeSeconds, s.holdSeconds])).toEqual([
      ['warm', 0, undefined],
      ['switch', 60, 120],
      ['retire', 0, undefined],
    ]);
    expect(tables(policy)).toEqual([
      [
        [1, 75],
        [2, 25],
        [3, 0],
      ],
      [
        [3, 100],
        [1, 0],
        [2, 0],
      ],
      [[3, 100]],
    ]);
  });

  it('linear: equal steps every interval up to all traffic, the baseline sharing the rest at each', () => {
    const policy: RolloutPolicy = { strategy: 'linear', stepPercent: 30, intervalMinutes: 0.5, autoRollback: true, analysis: DEFAULT_ANALYSIS };
    expect(buildPlan(policy, true).map((s) => [s.kind, s.weight, s.bakeSeconds])).toEqual([
      ['shift', 30, 30],
      ['shift', 60, 30],
      ['shift', 90, 30],
      ['shift', 100, 0],
    ]);
    expect(tables(policy)).toEqual([
      [
        [1, 53],
        [2, 17],
        [3, 30],
      ],
      [
        [1, 30],
        [2, 10],
        [3, 60],
      ],
      // 10% over 75:25 is 7.5 and 2.5: the tie goes to the first.
      [
        [1, 8],
        [2, 2],
        [3, 90],
      ],
      [[3, 100]],
    ]);
    // A step that divides 100 does not repeat 100%: 25 → 25, 50, 75, then all.
    expect(buildPlan({ ...policy, stepPercent: 25 }, true).map((s) => s.weight)).toEqual([25, 50, 75, 100]);
    // Every table routes exactly 100%.
    for (const table of tables(policy)) expect(table.reduce((sum, [, w]) => sum + w!, 0)).toBe(100);
  });

  it('all-at-once: the switch, with no rollback window and no retire step after it, drops the old releases', () => {
    expect(tables({ strategy: 'all-at-once', autoRollback: true, bakeMinutes: 2, analysis: DEFAULT_ANALYSIS })).toEqual([[[3, 100]]]);
  });

  it('a first deploy is one switch to all traffic, with nothing to bake against', () => {
    const plan = buildPlan({ strategy: 'canary', steps: [{ weight: 10, bakeMinutes: 1 }, { weight: 50, bakeMinutes: 0.5 }], autoRollback: true, analysis: DEFAULT_ANALYSIS }, false);
    expect(plan).toEqual([{ kind: 'switch', weight: 100, bakeSeconds: 0 }]);
    expect(routesFor(plan[0]!, candidate, [])).toEqual([{ ...candidate, weight: 100 }]);
  });
});
