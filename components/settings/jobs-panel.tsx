'use client';
// Settings → Jobs: the jobs engine, the functions it has synced with their triggers and last day of runs, the runs
// of a function with their steps, and what failed lately. Refreshes every few seconds while anything is running.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { formatTime, relativeTime } from '@/components/format';
import { JsonBlock } from '@/components/registry/json-block';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

type Status = RouterOutputs['executor']['runs']['items'][number]['status'];
type Fn = RouterOutputs['executor']['functions']['functions'][number];

const STATUS_TONE: Record<Status, 'neutral' | 'info' | 'success' | 'warning' | 'danger'> = {
  queued: 'neutral',
  running: 'info',
  sleeping: 'info',
  waiting: 'warning',
  completed: 'success',
  failed: 'danger',
  cancelled: 'neutral',
};
const ACTIVE: Status[] = ['queued', 'running', 'sleeping', 'waiting'];
const LIVE_MS = 3_000;

export function StatusBadge({ status }: { status: Status }) {
  return <Badge tone={STATUS_TONE[status]}>{status}</Badge>;
}

function duration(from: Date | null, to: Date | null): string {
  if (!from) return '—';
  const ms = (to ?? new Date()).getTime() - from.getTime();
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

export function JobsPanel() {
  const trpc = useTRPC();
  const [selected, setSelected] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const fns = useQuery(trpc.executor.functions.queryOptions(undefined, { refetchInterval: LIVE_MS }));
  const engine = fns.data?.engine;
  return (
    <div className="grid gap-6">
      <Card className="p-5 text-sm">
        {engine === 'inngest' ? (
          <p>
            Functions run on <strong>Inngest</strong> (Cloud, self-hosted or a dev server), which keeps their runs; look there for run history. This page lists what the embedded executor
            ran before, if anything.
          </p>
        ) : (
          <p>
            Functions run on the <strong>embedded executor</strong>: the app calls its own Inngest endpoint, keeps every run and step in its database, and resumes runs after a restart. Set
            the Inngest settings to run them on Inngest instead.
          </p>
        )}
      </Card>
      <Card>
        <CardHeader title="Functions" description="Synced from the app’s Inngest endpoint at every start. Runs are counted over the last 24 hours." />
        {fns.data?.functions.length ? <FunctionsTable functions={fns.data.functions} selected={selected} onSelect={(id) => (setSelected(id === selected ? null : id), setRunId(null))} /> : null}
        {fns.isLoading ? <Loading /> : null}
        <LoadError error={fns.error} />
        {fns.data && !fns.data.functions.length ? <Empty>No function has been synced yet.</Empty> : null}
      </Card>
      <RunsCard functionId={selected} selectedRun={runId} onSelectRun={setRunId} />
      {runId ? <RunCard runId={runId} onClose={() => setRunId(null)} /> : null}
      <FailuresCard functionId={selected} onSelectRun={setRunId} />
    </div>
  );
}

function FunctionsTable({ functions, selected, onSelect }: { functions: Fn[]; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <Table aria-label="Functions">
      <THead>
        <tr>
          <TH>Function</TH>
          <TH>Triggers</TH>
          <TH>Flow control</TH>
          <TH>Last 24 hours</TH>
          <TH>Last run</TH>
          <TH className="text-right">Runs</TH>
        </tr>
      </THead>
      <TBody>
        {functions.map((f) => (
          <TR key={f.id}>
            <TD>
              <div className="font-medium">{f.name}</div>
              <div className="font-mono text-xs text-muted-fg">{f.id}</div>
            </TD>
            <TD className="text-xs">
              {f.events.map((e) => (
                <div key={e.name} className="font-mono">
                  {e.name}
                  {e.if ? <span className="text-muted-fg"> if {e.if}</span> : null}
                </div>
              ))}
              {f.crons.map((c) => (
                <div key={c} className="font-mono">
                  cron {c}
                </div>
              ))}
              {f.nextTickAt ? <div className="text-muted-fg">next {relativeTime(f.nextTickAt)}</div> : null}
              {!f.events.length && !f.crons.length ? <span className="text-muted-fg">invoked only</span> : null}
            </TD>
            <TD className="text-xs text-muted-fg">
              <div>{f.retries === null ? '—' : `${f.retries} retries`}</div>
              {f.concurrency.map((c, i) => (
                <div key={i}>
                  at most {c.limit} at once{c.key ? ` per ${c.key}` : ''}
                </div>
              ))}
              {f.cancelOn.map((c) => (
                <div key={c.event}>cancelled by {c.event}</div>
              ))}
              {f.idempotency ? <div>once per {f.idempotency}</div> : null}
            </TD>
            <TD>
              <div className="flex flex-wrap gap-1">
                {(Object.entries(f.lastDay) as [Status, number][])
                  .filter(([, n]) => n > 0)
                  .map(([s, n]) => (
                    <Badge key={s} tone={STATUS_TONE[s]}>
                      {n} {s}
                    </Badge>
                  ))}
                {Object.values(f.lastDay).every((n) => n === 0) ? <span className="text-xs text-muted-fg">none</span> : null}
              </div>
            </TD>
            <TD className="whitespace-nowrap text-xs">{f.lastRun ? <StatusBadge status={f.lastRun.status} /> : null} <span className="text-muted-fg">{f.lastRun ? relativeTime(f.lastRun.createdAt) : 'never'}</span></TD>
            <TD className="text-right">
              <Button size="sm" variant={selected === f.id ? 'secondary' : 'ghost'} aria-pressed={selected === f.id} onClick={() => onSelect(f.id)}>
                {selected === f.id ? 'Showing' : 'Show'}
              </Button>
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

function RunsCard({ functionId, selectedRun, onSelectRun }: { functionId: string | null; selectedRun: string | null; onSelectRun: (id: string) => void }) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(
    trpc.executor.runs.infiniteQueryOptions(
      { functionId: functionId ?? undefined, limit: 25 },
      {
        getNextPageParam: (last) => last.nextCursor ?? undefined,
        placeholderData: keepPreviousData,
        refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => ACTIVE.includes(r.status))) ? LIVE_MS : false),
      },
    ),
  );
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card>
      <CardHeader title={functionId ? `Runs of ${functionId}` : 'Recent runs'} description="Newest first; choose a run to see its steps." />
      {items.length ? (
        <Table aria-label="Runs">
          <THead>
            <tr>
              <TH>Run</TH>
              <TH>Status</TH>
              <TH>Trigger</TH>
              <TH>Steps done</TH>
              <TH>Started</TH>
              <TH>Took</TH>
              <TH>Error</TH>
            </tr>
          </THead>
          <TBody>
            {items.map((r) => (
              <TR key={r.id}>
                <TD>
                  <button type="button" className="font-mono text-xs text-primary hover:underline" aria-current={selectedRun === r.id} onClick={() => onSelectRun(r.id)}>
                    {r.id}
                  </button>
                  {functionId ? null : <div className="font-mono text-xs text-muted-fg">{r.functionId}</div>}
                </TD>
                <TD>
                  <StatusBadge status={r.status} />
                  {r.attempt > 0 ? <div className="text-xs text-muted-fg">attempt {r.attempt + 1}</div> : null}
                </TD>
                <TD className="font-mono text-xs">{r.eventName ?? '—'}</TD>
                <TD>{r.stepsDone}</TD>
                <TD className="whitespace-nowrap text-muted-fg">{r.startedAt ? formatTime(r.startedAt) : r.nextRunAt ? `due ${relativeTime(r.nextRunAt)}` : '—'}</TD>
                <TD className="whitespace-nowrap text-muted-fg">{duration(r.startedAt, r.endedAt)}</TD>
                <TD className="max-w-xs truncate text-xs text-danger" title={r.error ?? r.cancelReason ?? undefined}>
                  {r.error ?? <span className="text-muted-fg">{r.cancelReason ?? ''}</span>}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {query.isLoading ? <Loading /> : null}
      <LoadError error={query.error} />
      {query.data && !items.length ? <Empty>No runs yet.</Empty> : null}
      {query.hasNextPage ? (
        <div className="border-t border-border px-5 py-3">
          <Button variant="secondary" size="sm" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? 'Loading…' : 'Older runs'}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

function RunCard({ runId, onClose }: { runId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const run = useQuery(trpc.executor.run.queryOptions({ runId }, { refetchInterval: (q) => (q.state.data && ACTIVE.includes(q.state.data.status) ? LIVE_MS : false) }));
  const r = run.data;
  return (
    <Card>
      <CardHeader
        title={`Run ${runId}`}
        description={r ? `${r.functionName ?? r.functionId} · created ${formatTime(r.createdAt)}${r.parentRunId ? ` · invoked by ${r.parentRunId}` : ''}` : undefined}
        actions={
          <Button size="sm" variant="ghost" onClick={onClose}>
            Close
          </Button>
        }
      />
      {run.isLoading ? <Loading /> : null}
      <LoadError error={run.error} />
      {r ? (
        <div className="grid gap-4 p-5">
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <StatusBadge status={r.status} />
            <span className="text-muted-fg">took {duration(r.startedAt, r.endedAt)}</span>
            {r.errorMessage ? <span className="text-danger">{r.errorMessage}</span> : null}
            {r.cancelReason ? <span className="text-muted-fg">{r.cancelReason}</span> : null}
          </div>
          <Table aria-label="Steps">
            <THead>
              <tr>
                <TH>Step</TH>
                <TH>Kind</TH>
                <TH>Status</TH>
                <TH>Attempt</TH>
                <TH>At</TH>
                <TH>Result or error</TH>
              </tr>
            </THead>
            <TBody>
              {r.steps.map((s) => (
                <TR key={s.id}>
                  <TD className="font-medium">{s.name}</TD>
                  <TD className="font-mono text-xs text-muted-fg">{s.op}</TD>
                  <TD>
                    <Badge tone={s.status === 'completed' ? 'success' : s.status === 'failed' ? 'danger' : s.status === 'retrying' ? 'warning' : 'info'}>{s.status}</Badge>
                  </TD>
                  <TD>{s.attempt + 1}</TD>
                  <TD className="whitespace-nowrap text-muted-fg">{formatTime(s.at)}</TD>
                  <TD className="max-w-md truncate font-mono text-xs" title={s.error ?? JSON.stringify(s.data)}>
                    {s.error ? <span className="text-danger">{s.error}</span> : s.data === null || s.data === undefined ? '' : JSON.stringify(s.data)}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          {!r.steps.length ? <p className="text-sm text-muted-fg">No step has run yet.</p> : null}
          {r.waits.length ? (
            <div className="text-sm">
              {r.waits.map((w) => (
                <p key={w.stepId} className="text-muted-fg">
                  {w.kind === 'invoke' ? 'Waiting for an invoked function' : w.eventName ? `Waiting for ${w.eventName}${w.condition ? ` where ${w.condition}` : ''}` : 'Sleeping'} until {formatTime(w.expiresAt)}
                </p>
              ))}
            </div>
          ) : null}
          <div className="grid gap-4 lg:grid-cols-2">
            <div>
              <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-fg">Event</h3>
              <JsonBlock label="Event" value={r.event} />
            </div>
            <div>
              <h3 className="mb-1 text-xs font-medium uppercase tracking-wide text-muted-fg">{r.error ? 'Error' : 'Result'}</h3>
              <JsonBlock label={r.error ? 'Error' : 'Result'} value={r.error ?? r.output} />
            </div>
          </div>
        </div>
      ) : null}
    </Card>
  );
}

function FailuresCard({ functionId, onSelectRun }: { functionId: string | null; onSelectRun: (id: string) => void }) {
  const trpc = useTRPC();
  const failures = useQuery(trpc.executor.failures.queryOptions({ functionId: functionId ?? undefined, limit: 20 }, { refetchInterval: LIVE_MS * 5 }));
  const d = failures.data;
  return (
    <Card>
      <CardHeader title="Failures" description="Failed runs and failed or retried steps of the last seven days." />
      {d && (d.runs.length || d.steps.length) ? (
        <Table aria-label="Failures">
          <THead>
            <tr>
              <TH>When</TH>
              <TH>Function</TH>
              <TH>What</TH>
              <TH>Error</TH>
            </tr>
          </THead>
          <TBody>
            {[
              ...d.runs.map((r) => ({ key: `run-${r.id}`, at: r.endedAt ?? r.createdAt, functionId: r.functionId, runId: r.id, what: 'run failed', error: r.error })),
              ...d.steps.map((s) => ({ key: `step-${s.id}`, at: s.at, functionId: s.functionId, runId: s.runId, what: `step ${s.name} ${s.status} (attempt ${s.attempt + 1})`, error: s.error })),
            ]
              .sort((a, b) => b.at.getTime() - a.at.getTime())
              .map((f) => (
                <TR key={f.key}>
                  <TD className="whitespace-nowrap text-muted-fg">{formatTime(f.at)}</TD>
                  <TD className="font-mono text-xs">{f.functionId}</TD>
                  <TD>
                    <button type="button" className="text-left text-primary hover:underline" onClick={() => onSelectRun(f.runId)}>
                      {f.what}
                    </button>
                  </TD>
                  <TD className="max-w-md truncate text-xs text-danger" title={f.error ?? undefined}>
                    {f.error}
                  </TD>
                </TR>
              ))}
          </TBody>
        </Table>
      ) : null}
      {failures.isLoading ? <Loading /> : null}
      <LoadError error={failures.error} />
      {d && !d.runs.length && !d.steps.length ? <Empty>Nothing failed lately.</Empty> : null}
    </Card>
  );
}
