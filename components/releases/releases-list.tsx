'use client';
// The releases of one service, newest first. Ticking two releases compares them.
import { useQuery } from '@tanstack/react-query';
import { GitCompare, Plus } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { formatTime } from '@/components/format';
import { ServicePicker } from '@/components/registry/service-picker';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';

export function ReleasesList({ service }: { service: string | null }) {
  const trpc = useTRPC();
  const canWrite = useCan('releases:write');
  const list = useQuery(trpc.releases.list.queryOptions({ service: service ?? '' }, { enabled: Boolean(service) }));
  const [picked, setPicked] = useState<number[]>([]);
  const toggle = (n: number) => setPicked((ps) => (ps.includes(n) ? ps.filter((p) => p !== n) : [...ps.slice(-1), n]));
  const [from, to] = [...picked].sort((a, b) => a - b);

  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-border px-5 py-4">
        <ServicePicker value={service} basePath="/releases" />
        {service ? (
          <div className="flex flex-wrap items-center gap-2">
            {picked.length === 2 ? (
              <Button variant="secondary" asChild>
                <Link href={`/releases/${service}/diff?from=${from}&to=${to}`}>
                  <GitCompare className="h-4 w-4" aria-hidden /> Compare #{from} and #{to}
                </Link>
              </Button>
            ) : (
              <span className="text-sm text-muted-fg">Tick two releases to compare them.</span>
            )}
            {canWrite ? (
              <Button asChild>
                <Link href={`/releases/${service}/new`}>
                  <Plus className="h-4 w-4" aria-hidden /> Create release
                </Link>
              </Button>
            ) : null}
          </div>
        ) : null}
      </div>
      {!service ? <Empty>Choose a service to see its releases.</Empty> : null}
      {list.data?.length ? (
        <Table aria-label={`Releases of ${service}`}>
          <THead>
            <tr>
              <TH className="w-10">
                <span className="sr-only">Compare</span>
              </TH>
              <TH>Release</TH>
              <TH>Model</TH>
              <TH>Prompts</TH>
              <TH>Source</TH>
              <TH>Created</TH>
            </tr>
          </THead>
          <TBody>
            {list.data.map((r) => (
              <TR key={r.id}>
                <TD>
                  <input type="checkbox" className="h-4 w-4 accent-primary" aria-label={`Compare ${r.ref}`} checked={picked.includes(r.number)} onChange={() => toggle(r.number)} />
                </TD>
                <TD>
                  <Link href={`/releases/${service}/${r.number}`} className="font-medium text-primary hover:underline">
                    {r.ref}
                  </Link>
                  {r.notes ? <div className="line-clamp-1 max-w-xs text-xs text-muted-fg">{r.notes}</div> : null}
                </TD>
                <TD className="font-mono text-xs">{r.model}</TD>
                <TD className="font-mono text-xs">{r.prompts.length ? r.prompts.join(', ') : <span className="font-sans text-muted-fg">none</span>}</TD>
                <TD>
                  <Badge>{r.source}</Badge>
                </TD>
                <TD className="whitespace-nowrap text-muted-fg">
                  {formatTime(r.createdAt)}
                  <div className="text-xs">{r.createdBy}</div>
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {service && list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.data && !list.data.length ? <Empty>{service} has no releases yet.</Empty> : null}
    </Card>
  );
}
