'use client';
// An environment's containers on the Docker engine: per release and slot its replicas with state, health,
// restarts, CPU and memory (refreshed every few seconds), and the last lines of a replica's logs.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, Loading, LoadError } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

const REFRESH_MS = 5_000;

const mb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '—' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

function stateTone(state: string, health: string): 'success' | 'warning' | 'danger' | 'neutral' {
  if (state === 'running' && health === 'healthy') return 'success';
  if (state === 'failed' || health === 'unhealthy') return 'danger';
  if (state === 'starting' || state === 'removing') return 'warning';
  return 'neutral';
}

export function ContainersPanel({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.containers.list.queryOptions({ service, environment }, { refetchInterval: REFRESH_MS }));
  const stats = useQuery(trpc.containers.stats.queryOptions({ service, environment }, { refetchInterval: REFRESH_MS, enabled: !!list.data?.releases.length }));
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const logs = useQuery(trpc.containers.logs.queryOptions({ service, environment, instance: logsOf ?? '00000000-0000-0000-0000-000000000000', lines: 50 }, { enabled: !!logsOf, refetchInterval: REFRESH_MS }));
  const data = list.data;
  const runtime = data?.runtime;

  return (
    <Card>
      <CardHeader
        title="Containers"
        description={
          runtime?.kind === 'docker'
            ? `Container releases run here on the Docker engine: ${runtime.replicas} replica(s) each, healthy within ${runtime.healthTimeoutSeconds} s before they get traffic; a release that lost its traffic is kept ${data?.keepOldMinutes} min for a rollback.`
            : 'This environment serves endpoints only; choose the Docker engine under Settings to run container releases here.'
        }
      />
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error ?? stats.error} />
      {stats.data && !stats.data.engine ? <p className="px-5 pb-2 text-sm text-warning">The Docker engine does not answer: CPU and memory are not shown.</p> : null}
      {data && !data.releases.length ? <Empty>No containers run here now.</Empty> : null}
      {data?.releases.map((g) => (
        <section key={`${g.releaseId}:${g.slot}`} className="px-5 pb-4" aria-label={`#${g.releaseNumber} slot ${g.slot}`}>
          <h3 className="flex flex-wrap items-center gap-2 py-2 text-sm font-semibold">
            {service}#{g.releaseNumber} · {g.model} <Badge tone="info">slot {g.slot}</Badge>
            {g.expiresAt ? <Badge tone="warning">no traffic · removed after {new Date(g.expiresAt).toLocaleTimeString()}</Badge> : null}
          </h3>
          <Table>
            <THead>
              <TR>
                <TH>Replica</TH>
                <TH>State</TH>
                <TH>Port</TH>
                <TH>Restarts</TH>
                <TH>CPU</TH>
                <TH>Memory</TH>
                <TH>Container</TH>
                <TH>
                  <span className="sr-only">Logs</span>
                </TH>
              </TR>
            </THead>
            <TBody>
              {g.replicas.map((r) => {
                const s = stats.data?.stats[r.id];
                return (
                  <TR key={r.id}>
                    <TD>{r.replica + 1}</TD>
                    <TD>
                      <Badge tone={stateTone(r.state, r.health)}>
                        {r.state}
                        {r.state === 'running' ? ` · ${r.health}` : ''}
                      </Badge>
                      {r.message ? <span className="ml-2 text-xs text-muted-fg">{r.message}</span> : null}
                    </TD>
                    <TD className="tabular-nums">{r.hostPort}</TD>
                    <TD className="tabular-nums">{r.restarts}</TD>
                    <TD className="tabular-nums">{s?.cpuPercent === null || s?.cpuPercent === undefined ? '—' : `${s.cpuPercent}%`}</TD>
                    <TD className="tabular-nums">
                      {mb(s?.memoryBytes)}
                      {s?.memoryLimitBytes ? <span className="text-muted-fg"> / {mb(s.memoryLimitBytes)}</span> : null}
                    </TD>
                    <TD className="font-mono text-xs">{r.containerId ? r.containerId.slice(0, 12) : '—'}</TD>
                    <TD>
                      <Button size="sm" variant="secondary" onClick={() => setLogsOf(logsOf === r.id ? null : r.id)} aria-pressed={logsOf === r.id}>
                        {logsOf === r.id ? 'Hide logs' : 'Logs'}
                      </Button>
                    </TD>
                  </TR>
                );
              })}
            </TBody>
          </Table>
          {g.replicas.some((r) => r.id === logsOf) ? (
            <pre aria-label="Container logs" className="mt-2 max-h-80 overflow-auto rounded-md bg-muted p-3 text-xs whitespace-pre-wrap">
              {logs.isLoading ? 'Loading…' : logs.data?.text || '(no output)'}
            </pre>
          ) : null}
        </section>
      ))}
      {data?.removed.length ? (
        <details className="px-5 pb-4">
          <summary className="cursor-pointer text-sm text-muted-fg">Recently removed ({data.removed.length})</summary>
          <ul className="mt-2 grid gap-1 text-xs">
            {data.removed.map((r) => (
              <li key={r.id}>
                #{r.releaseNumber} slot {r.slot} replica {r.replica + 1} (port {r.hostPort}) removed {r.removedAt ? new Date(r.removedAt).toLocaleString() : ''}: {r.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </Card>
  );
}
