// How eval runs show their status, verdict and figures, shared by the lists and the run page. Scores and pass
// rates are fractions 0–1 shown as percentages; differences between them are percentage points.
import { Ban, CheckCircle2, Clock, Loader2, OctagonAlert, XCircle, type LucideIcon } from 'lucide-react';
import type { EvalRunStatus } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';

type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

const RUN: Record<EvalRunStatus, { tone: Tone; icon: LucideIcon }> = {
  queued: { tone: 'neutral', icon: Clock },
  running: { tone: 'info', icon: Loader2 },
  passed: { tone: 'success', icon: CheckCircle2 },
  failed: { tone: 'danger', icon: XCircle },
  error: { tone: 'danger', icon: OctagonAlert },
  cancelled: { tone: 'warning', icon: Ban },
};

/** A run that may still change: pages refresh while one is on screen. */
export const isRunActive = (status: EvalRunStatus) => status === 'queued' || status === 'running';

export function EvalStatusBadge({ status }: { status: EvalRunStatus }) {
  const { tone, icon: Icon } = RUN[status];
  return (
    <Badge tone={tone}>
      <Icon className={cn('mr-1 h-3 w-3', status === 'running' && 'animate-spin')} aria-hidden />
      {status}
    </Badge>
  );
}

/** The verdict of a finished run: passed or failed, or nothing while it runs. */
export function VerdictBadge({ passed }: { passed: boolean | null | undefined }) {
  if (passed === null || passed === undefined) return <span className="text-muted-fg">—</span>;
  return passed ? <Badge tone="success">gate passed</Badge> : <Badge tone="danger">gate failed</Badge>;
}

/** `82.5%` */
export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  return `${(x * 100).toFixed(1)}%`;
}

/** A difference of fractions as signed percentage points: `+3.2 pts`, `−15.0 pts`. */
export function points(d: number | null | undefined): string {
  if (d === null || d === undefined || Number.isNaN(d)) return '—';
  const v = d * 100;
  const text = Math.abs(v).toFixed(1);
  return `${v > 0.0499 ? '+' : v < -0.0499 ? '−' : '±'}${text} pts`;
}

/** A 95% interval of a difference: `[−20.1, −9.8] pts`. */
export function interval(ci: [number, number] | null | undefined): string {
  if (!ci) return '—';
  const f = (x: number) => `${x < 0 ? '−' : x > 0 ? '+' : ''}${Math.abs(x * 100).toFixed(1)}`;
  return `[${f(ci[0])}, ${f(ci[1])}] pts`;
}

/** `p < 0.001`, `p = 0.034`. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return '—';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(p < 0.01 ? 4 : 3)}`;
}

/** The colour of a difference: a regression is red, an improvement green. */
export function diffTone(d: number | null | undefined): string {
  if (d === null || d === undefined) return 'text-muted-fg';
  return d < -0.0005 ? 'text-danger' : d > 0.0005 ? 'text-success' : 'text-muted-fg';
}
