'use client';
// One eval run: live progress while it runs (refreshed every second), then its verdict, the comparison of the
// candidate with its baseline, the per-metric table and the cases side by side.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Square } from 'lucide-react';
import Link from 'next/link';
import { useState, type ReactNode } from 'react';
import type { EvalRunStatus, RunSummary } from '@/db/schema';
import { ErrorAlert } from '@/components/errors';
import { formatDuration, formatTime, formatUsd } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import { CaseTable } from './case-table';
import { DataQualityResults } from './data-quality-results';
import { InjectionResults } from './injection-results';
import { ComparisonCard, MetricsTable, VerdictCard } from './run-summary';
import { SafetyChecks } from './safety-checks';
import { EvalStatusBadge, isRunActive } from './status';

/** What the run page shows of a run (the router's run view, flattened). */
export interface RunView {
  number: number;
  kind: RouterOutputs['evals']['getRun']['kind'];
  status: EvalRunStatus;
  suite: string;
  suiteVersion: number;
  release: number;
  baseline: number | null;
  environment: string | null;
  estimate: { calls: number; cachedCalls: number; costUsd: number };
  budgetUsd: number | null;
  totalCalls: number;
  doneCalls: number;
  cacheHits: number;
  costUsd: number;
  summary: RunSummary | null;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The router's run view as the page reads it. */
function toRunView(r: RouterOutputs['evals']['getRun']): RunView {
  return { ...r, ...r.progress, suite: r.suite?.name ?? '—', suiteVersion: r.suite?.version ?? 0 };
}

export function EvalRunDetail({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const canRun = useCan('evals:run');
  const query = useQuery(trpc.evals.getRun.queryOptions({ service, number }, { refetchInterval: (q) => (q.state.data && isRunActive(q.state.data.status) ? 1000 : false) }));
  const run = query.data ? toRunView(query.data) : null;
  const active = run ? isRunActive(run.status) : false;
  // Runs of every suite type share the numbering; the heading says which type this one is.
  const kind = run && run.kind !== 'eval' ? run.kind : 'eval';
  return (
    <>
      <Breadcrumbs items={[{ href: '/evals', label: 'Evals' }, { href: `/evals/${service}?tab=runs`, label: service }, { label: `${kind[0]!.toUpperCase()}${kind.slice(1)} run #${number}` }]} />
      <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight">
            {service} {kind} run #{number}
          </h1>
          {run ? (
            <p className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-sm text-muted-fg">
              <EvalStatusBadge status={run.status} />
              <span>
                suite{' '}
                <Link href={`/evals/${service}/suites/${run.suite}`} className="text-primary hover:underline">
                  {run.suite}
                </Link>{' '}
                v{run.suiteVersion} · {service}#{run.release} vs {run.baseline ? `${service}#${run.baseline}` : 'no baseline'}
                {run.environment ? ` · gate of ${run.environment}` : ''}
              </span>
            </p>
          ) : null}
        </div>
        {run && canRun && active ? <CancelRunDialog service={service} number={number} /> : null}
      </div>
      {query.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={query.error} className="px-0" />
      {run ? (
        // One column that may shrink below its content's width, so wide tables scroll inside their cards on a phone.
        <div className="grid grid-cols-[minmax(0,1fr)] gap-6">
          <ProgressCard run={run} />
          {run.summary ? <VerdictCard summary={run.summary} /> : null}
          {run.kind === 'data-quality' ? (
            // Rows of data, not answers: the checks and the rows that broke them, no arms to compare.
            run.summary?.checks ? <DataQualityResults service={service} number={number} checks={run.summary.checks} /> : null
          ) : (
            <>
              {run.summary ? (
                <>
                  {run.kind === 'safety' ? <SafetyChecks summary={run.summary} /> : null}
                  <ComparisonCard service={service} summary={run.summary} candidateRelease={run.release} cacheHits={run.cacheHits} totalCalls={run.totalCalls} />
                  {/* Safety and injection runs show their own per-check and per-category figures instead. */}
                  {run.kind === 'injection' || run.kind === 'safety' ? null : <MetricsTable summary={run.summary} />}
                </>
              ) : null}
              {run.kind === 'injection' ? (
                <InjectionResults service={service} number={number} summary={run.summary} candidateRelease={run.release} baselineRelease={run.baseline} live={active} />
              ) : null}
              <CaseTable service={service} number={number} candidateRelease={run.release} baselineRelease={run.baseline} live={active} />
            </>
          )}
        </div>
      ) : null}
    </>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-fg">{label}</dt>
      <dd className="mt-0.5 tabular-nums">{children}</dd>
    </div>
  );
}

function ProgressCard({ run }: { run: RunView }) {
  const active = isRunActive(run.status);
  const total = run.totalCalls || run.estimate.calls + run.estimate.cachedCalls;
  const share = total ? Math.min(1, run.doneCalls / total) : 0;
  const duration = run.startedAt ? (run.finishedAt ?? new Date()).getTime() - run.startedAt.getTime() : null;
  return (
    <Card role="region" aria-label="Progress">
      <div className="grid gap-4 px-5 py-4">
        {active ? (
          <div className="grid gap-1.5">
            <div className="flex justify-between text-sm">
              <span>{run.status === 'queued' ? 'Queued: starts when the workflow engine picks it up.' : 'Running, updating live.'}</span>
              <span className="tabular-nums" aria-label="Calls done">
                {run.doneCalls} / {total} calls
              </span>
            </div>
            <div role="progressbar" aria-label="Run progress" aria-valuemin={0} aria-valuemax={total} aria-valuenow={run.doneCalls} className="h-2 overflow-hidden rounded-full bg-muted">
              <div className="h-full rounded-full bg-primary transition-[width]" style={{ width: `${share * 100}%` }} />
            </div>
          </div>
        ) : null}
        {run.kind === 'data-quality' ? (
          // A data-quality run calls no model: its progress is rows checked, and it costs nothing.
          <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-3 lg:grid-cols-6">
            <Item label="Rows checked">
              {run.doneCalls} of {total}
            </Item>
            <Item label="Started">{run.startedAt ? formatTime(run.startedAt) : `queued ${formatTime(run.createdAt)}`}</Item>
            <Item label="Duration">{formatDuration(duration)}</Item>
          </dl>
        ) : (
          <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-3 lg:grid-cols-6">
            <Item label="Calls">
              {run.doneCalls} of {total}
            </Item>
            <Item label="Cache hits">{run.cacheHits}</Item>
            <Item label="Cost">
              {formatUsd(run.costUsd)}
              {run.budgetUsd !== null ? <span className="text-muted-fg"> of {formatUsd(run.budgetUsd)} budget</span> : null}
            </Item>
            <Item label="Estimated">
              {run.estimate.calls} calls, {formatUsd(run.estimate.costUsd)}
              {run.estimate.cachedCalls ? <span className="text-muted-fg"> (+{run.estimate.cachedCalls} cached)</span> : null}
            </Item>
            <Item label="Started">{run.startedAt ? formatTime(run.startedAt) : `queued ${formatTime(run.createdAt)}`}</Item>
            <Item label="Duration">{formatDuration(duration)}</Item>
          </dl>
        )}
        {run.error ? (
          <p role="alert" className={run.status === 'cancelled' ? 'text-sm text-warning' : 'text-sm text-danger'}>
            {run.error}
          </p>
        ) : null}
      </div>
    </Card>
  );
}

function CancelRunDialog({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const cancel = useMutation(
    trpc.evals.cancelRun.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        await qc.invalidateQueries({ queryKey: trpc.evals.pathKey() });
      },
    }),
  );
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="secondary">
          <Square className="h-4 w-4" aria-hidden /> Cancel run
        </Button>
      </DialogTrigger>
      <DialogContent title={`Cancel eval run #${number}?`} description="Calls in flight finish; no new ones start. Results so far stay; the run decides no gate.">
        <div className="grid gap-3">
          <ErrorAlert error={cancel.error} />
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button variant="ghost">Keep running</Button>
            </DialogClose>
            <Button variant="danger" disabled={cancel.isPending} onClick={() => cancel.mutate({ service, number })}>
              {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
            </Button>
          </div>
        </div>
      </DialogContent>
    </Dialog>
  );
}
