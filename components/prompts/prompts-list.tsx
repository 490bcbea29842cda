'use client';
// The prompts of one service, each with its newest version and its labels.
import { useQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { formatTime } from '@/components/format';
import { ServicePicker } from '@/components/registry/service-picker';
import { LabelBadges } from '@/components/registry/label-badges';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Empty } from '@/components/ui/status';
import { useCan } from '@/components/viewer';

export function PromptsList({ service }: { service: string | null }) {
  const trpc = useTRPC();
  const canWrite = useCan('prompts:write');
  const list = useQuery(trpc.prompts.list.queryOptions({ service: service ?? '' }, { enabled: Boolean(service) }));

  return (
    <DataTable
      label={`Prompts of ${service}`}
      columns={COLUMNS}
      rows={service ? list.data : undefined}
      rowKey={(p) => p.id}
      filters={<ServicePicker value={service} basePath="/prompts" />}
      actions={
        service && canWrite ? (
          <Button asChild>
            <Link href={`/prompts/new?service=${service}`}>
              <Plus className="h-4 w-4" aria-hidden /> New prompt
            </Link>
          </Button>
        ) : null
      }
      notice={!service ? <Empty>Choose a service to see its prompts.</Empty> : null}
      loading={Boolean(service) && list.isLoading}
      error={list.error}
      empty={`${service} has no prompts yet.`}
    />
  );
}

const COLUMNS: Column<RouterOutputs['prompts']['list'][number]>[] = [
  {
    key: 'prompt',
    header: 'Prompt',
    className: 'max-w-xs',
    cell: (p) => (
      <>
        <Link href={`/prompts/${p.service}/${p.name}`} className="font-medium text-primary hover:underline">
          {p.name}
        </Link>
        {p.description ? <div className="line-clamp-2 text-xs text-muted-fg">{p.description}</div> : null}
      </>
    ),
  },
  {
    key: 'latest',
    header: 'Latest version',
    cell: (p) =>
      p.latest ? (
        <>
          <Link href={`/prompts/${p.service}/${p.name}?v=${p.latest.version}`} className="hover:underline">
            v{p.latest.version}
          </Link>{' '}
          <span className="text-xs text-muted-fg">{formatTime(p.latest.createdAt)}</span>
          {p.latest.commitMessage ? <div className="line-clamp-1 text-xs text-muted-fg">{p.latest.commitMessage}</div> : null}
        </>
      ) : (
        '—'
      ),
  },
  { key: 'labels', header: 'Labels', cell: (p) => <LabelBadges labels={p.labels} /> },
  { key: 'versions', header: 'Versions', className: 'tabular-nums', cell: (p) => p.versionCount },
];
