'use client';
// An environment's rollouts, newest first, one-click rollbacks among them: which release, how, how it ended and
// why; each one's timeline on demand.
import { useQuery } from '@tanstack/react-query';
import { ChevronRight } from 'lucide-react';
import { Fragment, useState } from 'react';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { Timeline } from './live-rollout';
import { RolloutStatusBadge, STRATEGY_WORDS } from './status';

export function RolloutHistory({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.rollouts.list.queryOptions({ service, environment, limit: 25 }));
  const [shown, setShown] = useState<number | null>(null);
  const rows = list.data ?? [];
  return (
    <Card role="region" aria-label="Rollouts">
      <CardHeader title="Rollouts" description="Every promotion of a release to this environment and how it ended, and every one-click rollback. Each step is also an entry in the history below." />
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.isSuccess && !rows.length ? <Empty>No rollouts yet. Promote a release to roll it out by this environment’s policy.</Empty> : null}
      {rows.length ? (
        <Table aria-label="Rollouts of the environment">
          <THead>
            <tr>
              <TH>Rollout</TH>
              <TH>Release</TH>
              <TH>Status</TH>
              <TH>Asked</TH>
              <TH>Ended</TH>
              <TH>Why it ended</TH>
            </tr>
          </THead>
          <TBody>
            {rows.map((r) => (
              <Fragment key={r.id}>
                <TR>
                  <TD className="whitespace-nowrap">
                    <button
                      type="button"
                      aria-expanded={shown === r.number}
                      aria-label={`Timeline of rollout ${r.number}`}
                      onClick={() => setShown(shown === r.number ? null : r.number)}
                      className="inline-flex items-center gap-1 font-medium hover:underline focus-visible:outline-2 focus-visible:outline-ring"
                    >
                      <ChevronRight className={cn('h-3.5 w-3.5 transition-transform', shown === r.number && 'rotate-90')} aria-hidden />
                      {r.number}
                    </button>
                    <div className="pl-4 text-xs text-muted-fg">{r.kind === 'rollback' ? <Badge tone="danger">rollback</Badge> : STRATEGY_WORDS[r.strategy]}</div>
                  </TD>
                  <TD className="whitespace-nowrap">{r.kind === 'rollback' ? `→ ${r.release.ref}` : r.release.ref}</TD>
                  <TD>
                    <RolloutStatusBadge status={r.status} />
                  </TD>
                  <TD className="whitespace-nowrap text-muted-fg">
                    {formatTime(r.createdAt)}
                    <div className="text-xs">{r.requestedBy}</div>
                  </TD>
                  <TD className="whitespace-nowrap text-muted-fg">{formatTime(r.endedAt)}</TD>
                  <TD className="max-w-sm text-muted-fg">{r.reason ?? '—'}</TD>
                </TR>
                {shown === r.number ? (
                  <tr>
                    <td colSpan={6} className="bg-muted/30 px-6 py-3">
                      <RolloutEvents service={service} environment={environment} number={r.number} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </TBody>
        </Table>
      ) : null}
    </Card>
  );
}

function RolloutEvents({ service, environment, number }: { service: string; environment: string; number: number }) {
  const trpc = useTRPC();
  const one = useQuery(trpc.rollouts.get.queryOptions({ service, environment, number }));
  if (one.isLoading) return <Loading className="px-0 py-0" />;
  if (one.error) return <LoadError error={one.error} className="px-0 py-0" />;
  return one.data ? <Timeline events={one.data.events} /> : null;
}
