// A rollout's plan as a numbered list: each move with its bake, and, in the live view, which steps are done
// and which one is under way.
import { Check, CircleDashed, Loader2 } from 'lucide-react';
import { formatMinutes } from '@/components/format';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';

export interface PlanStep {
  index: number;
  kind: 'shift' | 'warm' | 'switch' | 'retire';
  weight: number;
  bakeSeconds: number;
  holdSeconds?: number;
  description: string;
}

/** Where a rollout is: the index of the step reached (-1 before the first), whether it still moves, and whether it finished. */
export interface PlanProgress {
  reached: number;
  active: boolean;
  succeeded: boolean;
}

function details(s: PlanStep): string {
  const parts: string[] = [];
  if (s.bakeSeconds > 0) parts.push(`bakes ${formatMinutes(s.bakeSeconds / 60)}${s.weight > 0 ? ' with analysis' : ''}`);
  if (s.holdSeconds) parts.push(`the old release stays routable for ${formatMinutes(s.holdSeconds / 60)}`);
  return parts.join(' · ');
}

export function PlanSteps({ plan, progress, label = 'Plan' }: { plan: PlanStep[]; progress?: PlanProgress; label?: string }) {
  return (
    <ol aria-label={label} className="grid gap-1">
      {plan.map((s) => {
        const done = progress ? progress.succeeded || s.index < progress.reached || (!progress.active && s.index === progress.reached) : false;
        const current = progress ? progress.active && s.index === progress.reached : false;
        const extra = details(s);
        return (
          <li
            key={s.index}
            aria-current={current ? 'step' : undefined}
            className={cn('flex items-start gap-2 rounded-md px-2 py-1.5 text-sm', current && 'bg-primary/10 ring-1 ring-primary/40', progress && !done && !current && 'text-muted-fg')}
          >
            {progress ? (
              done ? (
                <Check className="mt-0.5 h-4 w-4 shrink-0 text-success" aria-hidden />
              ) : current ? (
                <Loader2 className="mt-0.5 h-4 w-4 shrink-0 animate-spin text-primary" aria-hidden />
              ) : (
                <CircleDashed className="mt-0.5 h-4 w-4 shrink-0 text-muted-fg" aria-hidden />
              )
            ) : (
              <span className="mt-2 h-1.5 w-1.5 shrink-0 rounded-full bg-muted-fg" aria-hidden />
            )}
            <span className="min-w-0">
              <span className="font-medium">
                Step {s.index + 1}: {s.description}
              </span>
              {extra ? <span className="text-muted-fg"> · {extra}</span> : null}
              {current ? (
                <span className="ml-2">
                  <Badge tone="info">now</Badge>
                </span>
              ) : null}
              {progress && done ? <span className="sr-only"> (done)</span> : null}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
