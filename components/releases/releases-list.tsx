'use client';
// The releases of one service, newest first, each with where it runs now. Ticking two releases compares them.
import { useQuery } from '@tanstack/react-query';
import { GitCompare, Plus } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { formatTime } from '@/components/format';
import { RunsIn } from '@/components/registry/routes';
import { ServicePicker } from '@/components/registry/service-picker';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { DataTable } from '@/components/ui/data-table';
import { Empty } from '@/components/ui/status';
import { useCan } from '@/components/viewer';

export function ReleasesList({ service }: { service: string | null }) {
  const trpc = useTRPC();
  const canWrite = useCan('releases:write');
  const list = useQuery(trpc.releases.list.queryOptions({ service: service ?? '' }, { enabled: Boolean(service) }));
  const [picked, setPicked] = useState<number[]>([]);
  const toggle = (n: number) => setPicked((ps) => (ps.includes(n) ? ps.filter((p) => p !== n) : [...ps.slice(-1), n]));
  const [from, to] = [...picked].sort((a, b) => a - b);

  return (
    <DataTable
      label={`Releases of ${service}`}
      columns={[
        {
          key: 'compare',
          header: <span className="sr-only">Compare</span>,
          headerClassName: 'w-10',
          cell: (r) => <input type="checkbox" className="h-4 w-4 accent-primary" aria-label={`Compare ${r.ref}`} checked={picked.includes(r.number)} onChange={() => toggle(r.number)} />,
        },
        {
          key: 'release',
          header: 'Release',
          cell: (r) => (
            <>
              <Link href={`/releases/${service}/${r.number}`} className="font-medium text-primary hover:underline">
                {r.ref}
              </Link>
              {r.notes ? <div className="line-clamp-1 max-w-xs text-xs text-muted-fg">{r.notes}</div> : null}
            </>
          ),
        },
        { key: 'runs', header: 'Runs in', cell: (r) => <RunsIn service={service!} placements={r.runningIn} className="text-xs" /> },
        { key: 'model', header: 'Model', className: 'font-mono text-xs', cell: (r) => r.model },
        { key: 'prompts', header: 'Prompts', className: 'font-mono text-xs', cell: (r) => (r.prompts.length ? r.prompts.join(', ') : <span className="font-sans text-muted-fg">none</span>) },
        { key: 'source', header: 'Source', cell: (r) => <Badge>{r.source}</Badge> },
        {
          key: 'created',
          header: 'Created',
          className: 'whitespace-nowrap text-muted-fg',
          cell: (r) => (
            <>
              {formatTime(r.createdAt)}
              <div className="text-xs">{r.createdBy}</div>
            </>
          ),
        },
      ]}
      rows={service ? list.data : undefined}
      rowKey={(r) => r.id}
      filters={<ServicePicker value={service} basePath="/releases" />}
      actions={
        service ? (
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
        ) : null
      }
      notice={!service ? <Empty>Choose a service to see its releases.</Empty> : null}
      loading={Boolean(service) && list.isLoading}
      error={list.error}
      empty={`${service} has no releases yet.`}
    />
  );
}
