'use client';
// One pipeline run: what triggered it, the candidate and the target, and its steps live (refreshed every second
// while the run is queued or running), with Cancel and Retry for those who may run pipelines.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { RotateCcw, Square } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorAlert } from '@/components/errors';
import { formatDuration, formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog, DialogClose, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import { isActive, RunStatusBadge, shortCommit, targetText, triggerKind } from './status';
import { StepTimeline } from './step-timeline';

export function RunDetail({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const canRun = useCan('pipelines:run');
  const run = useQuery(trpc.pipelines.run.queryOptions({ service, number }, { refetchInterval: (q) => (q.state.data && isActive(q.state.data.status) ? 1000 : false) }));
  const r = run.data;

  return (
    <>
      <Breadcrumbs items={[{ href: `/pipelines?service=${service}`, label: 'Pipelines' }, { href: `/pipelines?service=${service}`, label: service }, { label: `Run #${number}` }]} />
      <PageHeader
        title={`${service} run #${number}`}
        description={r ? <RunLine run={r} /> : undefined}
        actions={
          r && canRun ? (
            <div className="flex gap-2">
              {isActive(r.status) ? <CancelRunDialog service={service} number={number} /> : <RetryButton service={service} number={number} />}
            </div>
          ) : null
        }
      />
      {run.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={run.error} className="px-0" />
      {r ? (
        <div className="grid gap-6 *:min-w-0">
          <Card role="region" aria-label="Run">
            <dl className="grid gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-2 lg:grid-cols-3">
              <Item label="Trigger">
                {triggerKind(r.trigger)} by {r.trigger.author ?? r.createdBy}
              </Item>
              <Item label="Branch">{r.trigger.branch ? <span className="font-mono text-xs">{r.trigger.branch}</span> : <span className="text-muted-fg">none</span>}</Item>
              <Item label="Commit">
                {r.trigger.commit ? (
                  <span className="flex items-center gap-2">
                    <code className="font-mono text-xs" title={r.trigger.commit}>
                      {shortCommit(r.trigger.commit)}
                    </code>
                    <CopyButton text={r.trigger.commit} label="Copy commit" size="sm" />
                  </span>
                ) : (
                  <span className="text-muted-fg">none</span>
                )}
              </Item>
              <Item label="Candidate release">
                {r.releaseNumber ? (
                  <Link href={`/releases/${service}/${r.releaseNumber}`} className="font-medium text-primary hover:underline">
                    {service}#{r.releaseNumber}
                  </Link>
                ) : (
                  <span className="text-muted-fg">{r.trigger.commit ? 'built from the commit when the run starts' : 'none'}</span>
                )}
              </Item>
              <Item label="Does">{targetText(r)}</Item>
              <Item label="Queued">{formatTime(r.createdAt)}</Item>
              <Item label="Started">{formatTime(r.startedAt)}</Item>
              <Item label="Duration">
                <span className="tabular-nums">{formatDuration(r.durationMs)}</span>
              </Item>
              {r.trigger.message ? (
                <Item label="Message" wide>
                  {r.trigger.message}
                </Item>
              ) : null}
              {r.error ? (
                <Item label={r.status === 'cancelled' ? 'Cancelled' : 'Error'} wide>
                  {r.status === 'cancelled' ? r.error.replace(/^cancelled:?\s*/, '') || 'without a reason' : <span className="text-danger">{r.error}</span>}
                </Item>
              ) : null}
            </dl>
          </Card>
          <Card role="region" aria-label="Steps">
            <CardHeader
              title="Steps"
              description={r.status === 'queued' ? 'Queued: the steps start when the workflow engine picks the run up.' : isActive(r.status) ? 'Updating live.' : undefined}
            />
            <StepTimeline steps={r.steps} service={service} />
          </Card>
        </div>
      ) : null}
    </>
  );
}

function Item({ label, wide, children }: { label: string; wide?: boolean; children: ReactNode }) {
  return (
    <div className={wide ? 'sm:col-span-2 lg:col-span-3' : undefined}>
      <dt className="text-xs text-muted-fg">{label}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}

function RunLine({ run }: { run: { status: Parameters<typeof RunStatusBadge>[0]['status']; createdAt: Date; startedAt: Date | null; endedAt: Date | null } }) {
  const when = run.endedAt ? `ended ${formatTime(run.endedAt)}` : run.startedAt ? `started ${formatTime(run.startedAt)}` : `queued ${formatTime(run.createdAt)}`;
  return (
    <span className="flex items-center gap-2">
      <RunStatusBadge status={run.status} /> {when}
    </span>
  );
}

function RetryButton({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const qc = useQueryClient();
  const retry = useMutation(
    trpc.pipelines.retry.mutationOptions({
      onSuccess: async (next) => {
        await qc.invalidateQueries({ queryKey: trpc.pipelines.runs.pathKey() });
        router.push(`/pipelines/${service}/runs/${next.number}`);
      },
    }),
  );
  return (
    <div className="grid justify-items-end gap-2">
      <Button variant="secondary" disabled={retry.isPending} onClick={() => retry.mutate({ service, number })}>
        <RotateCcw className="h-4 w-4" aria-hidden /> {retry.isPending ? 'Starting…' : 'Retry'}
      </Button>
      <ErrorAlert error={retry.error} className="max-w-sm" />
    </div>
  );
}

function CancelRunDialog({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const cancel = useMutation(
    trpc.pipelines.cancel.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        await Promise.all([qc.invalidateQueries({ queryKey: trpc.pipelines.run.queryKey({ service, number }) }), qc.invalidateQueries({ queryKey: trpc.pipelines.runs.pathKey() })]);
      },
    }),
  );
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    cancel.mutate({ service, number, reason: String(new FormData(e.currentTarget).get('reason') ?? '') });
  }
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) cancel.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="danger">
          <Square className="h-4 w-4" aria-hidden /> Cancel run
        </Button>
      </DialogTrigger>
      <DialogContent title={`Cancel run #${number}?`} description="The run stops before its next step and its unfinished steps are marked cancelled. Retry starts a new run with the same trigger.">
        <form onSubmit={onSubmit} className="grid gap-4">
          <Field label="Reason" hint="Optional, shown on the run.">
            <Input name="reason" maxLength={500} autoComplete="off" />
          </Field>
          <ErrorAlert error={cancel.error} />
          <div className="flex justify-end gap-2">
            <DialogClose asChild>
              <Button variant="secondary">Keep running</Button>
            </DialogClose>
            <Button type="submit" variant="danger" disabled={cancel.isPending}>
              {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
            </Button>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}
