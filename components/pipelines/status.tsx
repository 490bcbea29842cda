// How pipeline runs and steps show their status, trigger and target, shared by the runs list and the run page.
// The tone tables list every status, so a new status fails to compile here until it has a look.
import { Ban, CheckCircle2, CircleDashed, Clock, Loader2, MinusCircle, XCircle, type LucideIcon } from 'lucide-react';
import type { PipelineRunStatus, PipelineTrigger, StepRunStatus } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';

type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

const RUN: Record<PipelineRunStatus, { tone: Tone; icon: LucideIcon }> = {
  queued: { tone: 'neutral', icon: Clock },
  running: { tone: 'info', icon: Loader2 },
  passed: { tone: 'success', icon: CheckCircle2 },
  failed: { tone: 'danger', icon: XCircle },
  cancelled: { tone: 'warning', icon: Ban },
};

const STEP: Record<StepRunStatus, { tone: Tone; icon: LucideIcon }> = {
  pending: { tone: 'neutral', icon: CircleDashed },
  running: { tone: 'info', icon: Loader2 },
  passed: { tone: 'success', icon: CheckCircle2 },
  failed: { tone: 'danger', icon: XCircle },
  skipped: { tone: 'neutral', icon: MinusCircle },
  cancelled: { tone: 'warning', icon: Ban },
};

const ICON_TONE: Record<Tone, string> = {
  neutral: 'text-muted-fg',
  info: 'text-primary',
  success: 'text-success',
  warning: 'text-warning',
  danger: 'text-danger',
};

/** A run that may still change: pages refresh while one is on screen. */
export const isActive = (status: PipelineRunStatus) => status === 'queued' || status === 'running';

export function RunStatusBadge({ status }: { status: PipelineRunStatus }) {
  const { tone, icon: Icon } = RUN[status];
  return (
    <Badge tone={tone}>
      <Icon className={cn('mr-1 h-3 w-3', status === 'running' && 'animate-spin')} aria-hidden />
      {status}
    </Badge>
  );
}

export function StepStatusIcon({ status, className }: { status: StepRunStatus; className?: string }) {
  const { tone, icon: Icon } = STEP[status];
  return <Icon className={cn('h-4 w-4 shrink-0', ICON_TONE[tone], status === 'running' && 'animate-spin', className)} aria-hidden />;
}

export function StepStatusBadge({ status }: { status: StepRunStatus }) {
  return <Badge tone={STEP[status].tone}>{status}</Badge>;
}

export const shortCommit = (commit: string | null | undefined) => (commit ? commit.slice(0, 7) : null);

const TRIGGER_KIND: Record<PipelineTrigger['kind'], string> = {
  manual: 'manual',
  push: 'push',
  pull_request: 'pull request',
  merge_request: 'merge request',
  webhook: 'webhook',
};

export const triggerKind = (t: PipelineTrigger) => `${TRIGGER_KIND[t.kind]}${t.provider ? ` (${t.provider})` : ''}`;

/** `evaluate only` or `deploy → staging`. */
export function targetText(run: { mode: 'evaluate' | 'deploy'; targetEnvironment: string | null }): string {
  return run.mode === 'deploy' ? `deploy → ${run.targetEnvironment ?? '?'}` : 'evaluate only';
}
