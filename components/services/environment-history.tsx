'use client';
// The append-only record of what an environment ran, newest first, with a Restore per earlier entry; and
// "what ran at…", answered from the same record.
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { History } from 'lucide-react';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatTime } from '@/components/format';
import { RouteList } from '@/components/registry/routes';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

/** A bypass (an admin's direct change of a protected environment) is marked next to its kind, with its reason. */
const KIND_TONE = { deploy: 'info', weights: 'neutral', restore: 'warning', rollback: 'danger' } as const;

export function EnvironmentHistory({
  service,
  environment,
  restoreBlocked,
  onRestored,
  rolloutNumbers,
  recent,
}: {
  service: string;
  environment: string;
  restoreBlocked: string | null;
  onRestored: () => void;
  /** Rollout ids to numbers, to name the rollout behind an entry. */
  rolloutNumbers?: Map<string, number>;
  /** Only the newest entries (on the overview), with a link to the whole history. */
  recent?: { limit: number; allHref: string };
}) {
  const trpc = useTRPC();
  const query = useInfiniteQuery(trpc.environments.history.infiniteQueryOptions({ service, environment, limit: recent?.limit ?? 25 }, { getNextPageParam: (last) => last.nextCursor ?? undefined }));
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Card>
      <CardHeader
        title={recent ? 'Recent changes' : 'History'}
        description={recent ? 'The newest changes of what this environment runs; restoring an entry appends a copy of it.' : 'Every change of what this environment runs. Entries are never edited; restoring an entry appends a copy of it.'}
        actions={
          recent ? (
            <Link href={recent.allHref} className="shrink-0 text-sm text-primary hover:underline">
              All history
            </Link>
          ) : null
        }
      />
      {items.length ? (
        <Table aria-label="Environment history">
          <THead>
            <tr>
              <TH>Time</TH>
              <TH>Change</TH>
              <TH>Routes</TH>
              <TH>By</TH>
              <TH>Reason</TH>
              <TH className="text-right">
                <span className="sr-only">Actions</span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {items.map((h, i) => (
              <TR key={h.id}>
                <TD className="whitespace-nowrap text-muted-fg">
                  <time dateTime={h.at.toISOString()}>{formatTime(h.at)}</time>
                  <div className="text-xs">entry {h.id}</div>
                </TD>
                <TD>
                  <span className="flex flex-wrap gap-1">
                    <Badge tone={KIND_TONE[h.kind]}>{h.kind}</Badge>
                    {h.bypassReason ? <Badge tone="danger">bypass</Badge> : null}
                    {h.gateOverrides.length ? <Badge tone="warning">gate override</Badge> : null}
                  </span>
                  {h.restoredFromId ? <div className="text-xs text-muted-fg">of entry {h.restoredFromId}</div> : null}
                  {h.rolloutId ? <div className="text-xs text-muted-fg">{rolloutNumbers?.has(h.rolloutId) ? `rollout ${rolloutNumbers.get(h.rolloutId)}` : 'by a rollout'}</div> : null}
                </TD>
                <TD>
                  <RouteList service={service} routes={h.routes} />
                </TD>
                <TD>{h.actorLabel}</TD>
                <TD className="max-w-xs text-muted-fg">
                  {h.bypassReason ? (
                    <div className="text-danger">
                      <span className="font-medium">Bypassed the release flow:</span> {h.bypassReason}
                    </div>
                  ) : null}
                  {h.gateOverrides.map((o) => (
                    <div key={`${o.release}-${o.gate}`} className="text-warning">
                      <span className="font-medium">
                        #{o.release} let in past its {o.gate} gate by {o.by}:
                      </span>{' '}
                      {o.reason}
                    </div>
                  ))}
                  {h.reason || (h.bypassReason || h.gateOverrides.length ? null : '—')}
                </TD>
                <TD className="text-right">
                  {i === 0 && !query.isPlaceholderData ? (
                    <span className="text-xs text-muted-fg">current</span>
                  ) : restoreBlocked ? null : (
                    <RestoreDialog service={service} environment={environment} entry={h} onDone={onRestored} />
                  )}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {query.isLoading ? <Loading /> : null}
      <LoadError error={query.error} />
      {query.isSuccess && !items.length ? <Empty>Nothing has been deployed to {environment} yet.</Empty> : null}
      {query.hasNextPage && !recent ? (
        <div className="border-t border-border px-5 py-3">
          <Button variant="secondary" size="sm" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {query.isFetchingNextPage ? 'Loading…' : 'Load older entries'}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

type Entry = { id: number; at: Date; routes: { releaseNumber: number; weight: number }[] };

function RestoreDialog({ service, environment, entry, onDone }: { service: string; environment: string; entry: Entry; onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const restore = useMutation(
    trpc.environments.restore.mutationOptions({
      onSuccess: () => {
        onDone();
        setOpen(false);
      },
    }),
  );
  const fields = fieldErrors(restore.error);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    restore.mutate({ service, environment, historyId: entry.id, reason: String(new FormData(e.currentTarget).get('reason') ?? '') });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) restore.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={`Restore entry ${entry.id}`}>
          <History className="h-3.5 w-3.5" aria-hidden /> Restore
        </Button>
      </DialogTrigger>
      <DialogContent title={`Restore entry ${entry.id}`} description={`${environment} will run again what it ran at ${formatTime(entry.at)}.`}>
        <form onSubmit={onSubmit} className="grid gap-4">
          <RouteList service={service} routes={entry.routes} />
          <Field label="Reason" error={fields.reason}>
            <Input name="reason" placeholder={`restore entry ${entry.id}`} maxLength={500} />
          </Field>
          <ErrorAlert error={restore.error} besideFields />
          <Button type="submit" disabled={restore.isPending}>
            {restore.isPending ? 'Restoring…' : 'Restore'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** `datetime-local` wants local time without a zone: 2026-03-01T14:05. */
function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function StateAt({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const [value, setValue] = useState(() => localInputValue(new Date()));
  const [at, setAt] = useState<Date | null>(null);
  const state = useQuery(trpc.environments.stateAt.queryOptions({ service, environment, at: at ?? new Date(0) }, { enabled: at !== null, placeholderData: keepPreviousData }));
  const invalid = !value || Number.isNaN(new Date(value).getTime());

  return (
    <Card>
      <CardHeader title="What ran at…" description="Pick a moment to see what this environment served then." />
      <form
        className="flex flex-wrap items-end gap-3 px-5 py-4"
        onSubmit={(e) => {
          e.preventDefault();
          // Seconds past the chosen minute count as "at" that minute.
          if (!invalid) setAt(new Date(new Date(value).getTime() + 59_999));
        }}
      >
        <Field label="Date and time">
          <Input type="datetime-local" value={value} onChange={(e) => setValue(e.target.value)} className="w-60" required />
        </Field>
        <Button type="submit" variant="secondary" disabled={invalid}>
          Look up
        </Button>
      </form>
      <div aria-live="polite" className="border-t border-border px-5 py-4 text-sm empty:hidden">
        {state.isFetching && !state.data ? <span className="text-muted-fg">Looking up…</span> : null}
        {state.error ? <ErrorAlert error={state.error} /> : null}
        {state.data ? (
          state.data.entry ? (
            <div className="grid gap-1">
              <RouteList service={service} routes={state.data.entry.routes} showModel />
              <p className="text-muted-fg">
                In force since {formatTime(state.data.entry.at)} ({state.data.entry.kind} by {state.data.entry.actorLabel}
                {state.data.entry.reason ? `: “${state.data.entry.reason}”` : ''}).
              </p>
            </div>
          ) : (
            <p>Nothing had run yet in {environment} at {formatTime(state.data.at)}.</p>
          )
        ) : null}
      </div>
    </Card>
  );
}
