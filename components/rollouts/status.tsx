// How rollouts and approval requests show their status. The tables list every status, so a new one fails to
// compile here until it has a look.
import { Ban, CheckCircle2, CirclePause, Clock, Hourglass, Loader2, TimerOff, Undo2, XCircle, type LucideIcon } from 'lucide-react';
import type { ApprovalStatus, RolloutPolicy, RolloutStatus } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';

type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

const ROLLOUT: Record<RolloutStatus, { tone: Tone; icon: LucideIcon; label: string }> = {
  'awaiting-approval': { tone: 'warning', icon: Clock, label: 'awaiting approval' },
  waiting: { tone: 'neutral', icon: Hourglass, label: 'waiting' },
  running: { tone: 'info', icon: Loader2, label: 'running' },
  paused: { tone: 'warning', icon: CirclePause, label: 'paused' },
  succeeded: { tone: 'success', icon: CheckCircle2, label: 'succeeded' },
  'rolled-back': { tone: 'danger', icon: Undo2, label: 'rolled back' },
  aborted: { tone: 'warning', icon: Ban, label: 'aborted' },
  rejected: { tone: 'danger', icon: XCircle, label: 'rejected' },
  'approval-timed-out': { tone: 'danger', icon: TimerOff, label: 'approval timed out' },
  failed: { tone: 'danger', icon: XCircle, label: 'failed' },
};

const APPROVAL: Record<ApprovalStatus, Tone> = { pending: 'warning', approved: 'success', rejected: 'danger', 'timed-out': 'danger', cancelled: 'neutral' };

/** Statuses in which a rollout holds its environment (the same list the server uses). */
const ACTIVE = ['awaiting-approval', 'waiting', 'running', 'paused'] as const satisfies readonly RolloutStatus[];
export const isActiveRollout = (s: RolloutStatus) => (ACTIVE as readonly RolloutStatus[]).includes(s);

export const rolloutStatusLabel = (s: RolloutStatus) => ROLLOUT[s].label;

export function RolloutStatusBadge({ status }: { status: RolloutStatus }) {
  const { tone, icon: Icon, label } = ROLLOUT[status];
  return (
    <Badge tone={tone}>
      <Icon className={cn('mr-1 h-3 w-3', status === 'running' && 'animate-spin')} aria-hidden />
      {label}
    </Badge>
  );
}

export function ApprovalStatusBadge({ status }: { status: ApprovalStatus }) {
  return <Badge tone={APPROVAL[status]}>{status === 'timed-out' ? 'timed out' : status}</Badge>;
}

export const STRATEGY_WORDS: Record<RolloutPolicy['strategy'], string> = {
  'all-at-once': 'all at once',
  canary: 'canary',
  linear: 'linear',
  'blue-green': 'blue-green',
};
