// Environment settings in a sentence, for cards and headers.
import type { ProtectionRules, RolloutPolicy } from '@/db/schema';

export const STRATEGY_LABELS: Record<RolloutPolicy['strategy'], string> = {
  'all-at-once': 'All at once',
  canary: 'Canary steps',
  linear: 'Linear',
  'blue-green': 'Blue-green',
};

export function describeRollout(r: RolloutPolicy): string {
  const tail = r.autoRollback ? ', auto-rollback' : '';
  switch (r.strategy) {
    case 'all-at-once':
      return `All at once${tail}`;
    case 'canary':
      return `Canary ${r.steps.map((s) => `${s.weight}%`).join(' → ')} → 100%${tail}`;
    case 'linear':
      return `Linear +${r.stepPercent}% every ${r.intervalMinutes} min${tail}`;
    case 'blue-green':
      return `Blue-green, ${r.bakeMinutes} min bake${tail}`;
  }
}

export function describeProtection(p: ProtectionRules): string {
  const parts = [p.requiredApprovals ? `${p.requiredApprovals} approval${p.requiredApprovals > 1 ? 's' : ''} required` : 'no approval needed'];
  if (p.allowedBranches.length) parts.push(`from ${p.allowedBranches.join(', ')}`);
  if (p.requiredGates.length) parts.push(`gates: ${p.requiredGates.join(', ')}`);
  if (p.waitTimerMinutes) parts.push(`${p.waitTimerMinutes} min wait`);
  return parts.join(' · ');
}

const PIPELINE_ORDER = ['dev', 'staging', 'production'];

/** Environments in the order releases travel (dev → staging → production), custom ones after, by name. */
export function inPipelineOrder<T extends { name: string }>(envs: T[]): T[] {
  const rank = (n: string) => (PIPELINE_ORDER.includes(n) ? PIPELINE_ORDER.indexOf(n) : PIPELINE_ORDER.length);
  return [...envs].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}
