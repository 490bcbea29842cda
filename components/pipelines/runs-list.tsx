'use client';
// One service's pipeline runs, newest first, page by page; refreshed every 2 s while a run on screen is queued
// or running. The header links to the definition and starts a run.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { FileCode2 } from 'lucide-react';
import Link from 'next/link';
import { formatDuration, formatTime } from '@/components/format';
import { ServicePicker } from '@/components/registry/service-picker';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';
import { RunPipelineDialog } from './run-dialog';
import { isActive, RunStatusBadge, shortCommit, targetText, triggerKind } from './status';

const PAGE_SIZE = 25;

export function PipelineRuns({ service }: { service: string | null }) {
  const trpc = useTRPC();
  const canRun = useCan('pipelines:run');
  const definition = useQuery(trpc.pipelines.definition.queryOptions({ service: service ?? '' }, { enabled: Boolean(service) }));
  const runs = useInfiniteQuery(
    trpc.pipelines.runs.infiniteQueryOptions(
      { service: service ?? '', limit: PAGE_SIZE },
      {
        enabled: Boolean(service),
        getNextPageParam: (last) => last.nextCursor,
        refetchInterval: (query) => (query.state.data?.pages.some((p) => p.items.some((r) => isActive(r.status))) ? 2000 : false),
      },
    ),
  );
  const items = runs.data?.pages.flatMap((p) => p.items) ?? [];
  const def = definition.data;

  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-border px-5 py-4">
        <ServicePicker value={service} basePath="/pipelines" />
        {service ? (
          <div className="flex flex-wrap items-center gap-2">
            <Button variant="secondary" asChild>
              <Link href={`/pipelines/${service}/definition`}>
                <FileCode2 className="h-4 w-4" aria-hidden /> Definition{def ? (def.saved ? ` v${def.version}` : ' (not saved)') : ''}
              </Link>
            </Button>
            {canRun && def?.saved ? <RunPipelineDialog service={service} branches={def.definition.branches} /> : null}
          </div>
        ) : null}
      </div>
      {!service ? <Empty>Choose a service to see its pipeline runs.</Empty> : null}
      {def && !def.saved ? (
        <p role="note" className="border-b border-border bg-warning/10 px-5 py-3 text-sm text-warning">
          {service} has no pipeline yet. Open the{' '}
          <Link href={`/pipelines/${service}/definition`} className="font-medium underline">
            definition
          </Link>{' '}
          to start from the template and save it; runs can start once it is saved.
        </p>
      ) : null}
      {items.length ? (
        <Table aria-label={`Pipeline runs of ${service}`}>
          <THead>
            <tr>
              <TH>Run</TH>
              <TH>Status</TH>
              <TH>Trigger</TH>
              <TH>Does</TH>
              <TH>Candidate</TH>
              <TH>Started</TH>
              <TH className="text-right">Duration</TH>
            </tr>
          </THead>
          <TBody>
            {items.map((r) => (
              <TR key={r.id}>
                <TD>
                  <Link href={`/pipelines/${service}/runs/${r.number}`} className="font-medium text-primary hover:underline">
                    #{r.number}
                  </Link>
                </TD>
                <TD className="max-w-xs">
                  <RunStatusBadge status={r.status} />
                  {r.error && r.status !== 'cancelled' ? <div className="line-clamp-1 text-xs text-danger" title={r.error}>{r.error}</div> : null}
                </TD>
                <TD>
                  <div className="flex flex-wrap items-baseline gap-x-2">
                    <span>{triggerKind(r.trigger)}</span>
                    {r.trigger.branch ? <span className="font-mono text-xs">{r.trigger.branch}</span> : null}
                    {r.trigger.commit ? (
                      <code className="font-mono text-xs text-muted-fg" title={r.trigger.commit}>
                        {shortCommit(r.trigger.commit)}
                      </code>
                    ) : null}
                  </div>
                  <div className="text-xs text-muted-fg">{r.trigger.author ?? r.createdBy}</div>
                </TD>
                <TD className="whitespace-nowrap">{targetText(r)}</TD>
                <TD>
                  {r.releaseNumber ? (
                    <Link href={`/releases/${service}/${r.releaseNumber}`} className="text-primary hover:underline">
                      #{r.releaseNumber}
                    </Link>
                  ) : (
                    <span className="text-muted-fg">{r.trigger.commit ? 'from commit' : '—'}</span>
                  )}
                </TD>
                <TD className="whitespace-nowrap text-muted-fg">{r.startedAt ? formatTime(r.startedAt) : `queued ${formatTime(r.createdAt)}`}</TD>
                <TD className="text-right whitespace-nowrap tabular-nums">{formatDuration(r.durationMs)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {service && runs.isLoading ? <Loading /> : null}
      <LoadError error={runs.error ?? definition.error} />
      {runs.data && !items.length ? <Empty>{service} has no pipeline runs yet.</Empty> : null}
      {runs.hasNextPage ? (
        <div className="border-t border-border px-5 py-3">
          <Button variant="secondary" size="sm" disabled={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
            {runs.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}
