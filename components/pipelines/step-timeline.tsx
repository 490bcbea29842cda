'use client';
// A run's steps as a timeline grouped by stage: each step's status, duration and attempts, and on demand its
// logs, outputs and error. Failed and running steps start expanded; the reader's own choice then sticks.
import { ChevronRight } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import type { StepRunStatus } from '@/db/schema';
import { formatDuration, formatTime } from '@/components/format';
import { LoadTestDetail } from '@/components/load-tests/load-test-detail';
import { JsonBlock } from '@/components/registry/json-block';
import type { RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';
import { StepStatusBadge, StepStatusIcon } from './status';

type Step = RouterOutputs['pipelines']['run']['steps'][number];

const DONE: StepRunStatus[] = ['passed', 'failed', 'skipped', 'cancelled'];

/** Consecutive steps of one stage, in run order (the candidate step forms the `source` stage). */
function byStage(steps: Step[]): { stage: string; steps: Step[] }[] {
  const groups: { stage: string; steps: Step[] }[] = [];
  for (const step of [...steps].sort((a, b) => a.position - b.position)) {
    const last = groups.at(-1);
    if (last && last.stage === step.stage) last.steps.push(step);
    else groups.push({ stage: step.stage, steps: [step] });
  }
  return groups;
}

function stageStatus(steps: Step[]): StepRunStatus {
  const s = steps.map((x) => x.status);
  if (s.includes('running')) return 'running';
  if (s.some((x, i) => x === 'failed' && !steps[i]!.continueOnFailure)) return 'failed';
  if (s.includes('cancelled')) return 'cancelled';
  if (s.every((x) => x === 'skipped')) return 'skipped';
  if (s.every((x) => DONE.includes(x))) return 'passed';
  return 'pending';
}

const clock = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** A deploy step that started a rollout links to it: its live view, approvals and analysis are on the environment page. */
function RolloutLink({ step, service }: { step: Step; service: string }) {
  const { rollout, environment } = step.outputs as { rollout?: unknown; environment?: unknown };
  if (step.type !== 'deploy' || typeof rollout !== 'number' || typeof environment !== 'string') return null;
  return (
    <p>
      <Link className="font-medium text-primary underline" href={`/services/${service}/environments/${environment}`}>
        Rollout {rollout} in {environment}
      </Link>
      {step.status === 'running' ? ' — follow it, or decide its approval there and in Approvals' : null}
    </p>
  );
}

function StepItem({ step, service }: { step: Step; service: string }) {
  const [chosen, setChosen] = useState<boolean | null>(null);
  const open = chosen ?? (step.status === 'failed' || step.status === 'running');
  const hasOutputs = Object.keys(step.outputs).length > 0;
  const panelId = `step-${step.position}-details`;
  return (
    <li className="rounded-md border border-border" aria-label={`Step ${step.name}`}>
      <button
        type="button"
        className="flex w-full flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2 text-left text-sm hover:bg-muted/60 focus-visible:outline-2 focus-visible:outline-ring"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setChosen(!open)}
      >
        <ChevronRight className={cn('h-4 w-4 shrink-0 text-muted-fg transition-transform', open && 'rotate-90')} aria-hidden />
        <StepStatusIcon status={step.status} />
        <span className="font-medium">{step.name}</span>
        <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs text-muted-fg">{step.type}</code>
        {step.continueOnFailure ? <Badge>may fail</Badge> : null}
        <span className="ml-auto flex items-center gap-3">
          {step.attempts > 1 ? <span className="text-xs text-muted-fg">attempt {step.attempts}</span> : null}
          <StepStatusBadge status={step.status} />
          <span className="text-right text-xs tabular-nums text-muted-fg sm:w-20">{formatDuration(step.durationMs)}</span>
        </span>
      </button>
      {open ? (
        <div id={panelId} className="grid gap-3 border-t border-border px-3 py-3 text-sm *:min-w-0">
          {step.error ? (
            <p role="alert" className="rounded-md bg-danger/10 px-3 py-2 text-danger">
              {step.error}
            </p>
          ) : null}
          <RolloutLink step={step} service={service} />
          {step.type === 'load-test' && typeof step.outputs.loadTest === 'string' ? <LoadTestDetail id={step.outputs.loadTest} compact /> : null}
          <div className="text-xs text-muted-fg">
            {step.startedAt ? `Started ${formatTime(step.startedAt)}` : 'Not started'}
            {step.endedAt ? ` · ended ${formatTime(step.endedAt)}` : ''}
            {step.attempts ? ` · ${step.attempts} attempt${step.attempts === 1 ? '' : 's'}` : ''}
          </div>
          <div>
            <h4 className="mb-1 text-xs font-medium tracking-wide text-muted-fg uppercase">Logs</h4>
            {step.logs.length ? (
              <pre aria-label={`Logs of ${step.name}`} className="max-h-80 overflow-auto rounded-md bg-muted px-3 py-2 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all">
                {step.logs.map((l, i) => (
                  <div key={i}>
                    <span className="text-muted-fg select-none">{clock(l.at)} </span>
                    {l.line}
                  </div>
                ))}
              </pre>
            ) : (
              <p className="text-xs text-muted-fg">{step.status === 'pending' ? 'No logs yet.' : 'No log lines.'}</p>
            )}
          </div>
          {hasOutputs ? (
            <div>
              <h4 className="mb-1 text-xs font-medium tracking-wide text-muted-fg uppercase">Outputs</h4>
              <JsonBlock value={step.outputs} label={`Outputs of ${step.name}`} />
            </div>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

export function StepTimeline({ steps, service }: { steps: Step[]; service: string }) {
  const done = steps.filter((s) => DONE.includes(s.status)).length;
  return (
    <div className="grid gap-5 px-5 py-4 *:min-w-0">
      <div className="grid gap-1">
        <div className="flex justify-between text-xs text-muted-fg">
          <span>
            {done} of {steps.length} steps done
          </span>
        </div>
        <div role="progressbar" aria-label="Steps done" aria-valuemin={0} aria-valuemax={steps.length} aria-valuenow={done} className="h-1.5 overflow-hidden rounded-full bg-muted">
          <div className="h-full bg-primary transition-[width]" style={{ width: `${steps.length ? (done / steps.length) * 100 : 0}%` }} />
        </div>
      </div>
      <ol className="grid gap-5 *:min-w-0">
        {byStage(steps).map((group, i) => {
          const status = stageStatus(group.steps);
          return (
            <li key={`${group.stage}-${i}`} aria-label={`Stage ${group.stage}`} className="grid gap-2">
              <h3 className="flex items-center gap-2 text-sm font-semibold">
                <StepStatusIcon status={status} />
                <span>{group.stage}</span>
                <span className="font-normal text-muted-fg">
                  {group.steps.length} step{group.steps.length === 1 ? '' : 's'}
                  <span className="sr-only">, {status}</span>
                </span>
              </h3>
              <ol className="grid gap-2 border-l-2 border-border pl-4 *:min-w-0">
                {group.steps.map((s) => (
                  <StepItem key={s.id} step={s} service={service} />
                ))}
              </ol>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
