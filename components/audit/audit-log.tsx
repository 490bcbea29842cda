'use client';
// The audit log browser: filters by actor, action, target and time; newest first, loading older pages on demand.
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/components/errors';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/form';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

type Filters = { actor?: string; action?: string; targetKind?: string; from?: Date; to?: Date };

const opt = (v: FormDataEntryValue | null) => (v && String(v).trim() ? String(v).trim() : undefined);
const optDate = (v: FormDataEntryValue | null) => (opt(v) ? new Date(String(v)) : undefined);

export function AuditLog({ targetKind }: { targetKind?: string }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>({ targetKind });
  const query = useInfiniteQuery(trpc.audit.list.infiniteQueryOptions({ ...filters, limit: 50 }, { getNextPageParam: (last) => last.nextCursor ?? undefined, placeholderData: keepPreviousData }));
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setFilters({ actor: opt(f.get('actor')), action: opt(f.get('action')), targetKind: opt(f.get('targetKind')), from: optDate(f.get('from')), to: optDate(f.get('to')) });
  }

  return (
    <div className="grid gap-4">
      <Card className="p-4">
        <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-label="Filter audit events">
          <Field label="Actor">
            <Input name="actor" placeholder="email or token" />
          </Field>
          <Field label="Action">
            <Input name="action" placeholder="e.g. token or user.create" />
          </Field>
          <Field label="Target">
            <Input name="targetKind" placeholder="e.g. user" defaultValue={targetKind} />
          </Field>
          <Field label="From">
            <Input name="from" type="datetime-local" />
          </Field>
          <Field label="To">
            <Input name="to" type="datetime-local" />
          </Field>
          <div className="flex justify-end sm:col-span-3 lg:col-span-5">
            <Button type="submit" variant="secondary">
              Apply filters
            </Button>
          </div>
        </form>
      </Card>
      <Card>
        <Table aria-label="Audit events">
          <THead>
            <tr>
              <TH>Time</TH>
              <TH>Actor</TH>
              <TH>Action</TH>
              <TH>Target</TH>
              <TH>What changed</TH>
            </tr>
          </THead>
          <TBody>
            {items.map((e) => (
              <TR key={e.id}>
                <TD className="whitespace-nowrap text-muted-fg">
                  <time dateTime={e.at.toISOString()}>{formatTime(e.at)}</time>
                </TD>
                <TD>{e.actorLabel}</TD>
                <TD>
                  <Badge>{e.action}</Badge>
                </TD>
                <TD>
                  <span className="text-muted-fg">{e.targetKind}</span> {e.targetLabel}
                </TD>
                <TD>
                  <div>{e.summary}</div>
                  {e.requestId ? <div className="font-mono text-xs text-muted-fg">request {e.requestId}</div> : null}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
        {query.isLoading ? <p className="px-5 py-4 text-sm text-muted-fg">Loading…</p> : null}
        {query.error ? <p className="px-5 py-4 text-sm text-danger">{errorMessage(query.error)}</p> : null}
        {query.isSuccess && items.length === 0 ? <p className="px-5 py-6 text-sm text-muted-fg">No events match these filters.</p> : null}
        {query.hasNextPage ? (
          <div className="border-t border-border px-5 py-3">
            <Button variant="secondary" size="sm" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
              {query.isFetchingNextPage ? 'Loading…' : 'Load older events'}
            </Button>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
