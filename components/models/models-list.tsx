'use client';
// The model registry: search and filter by status, provider kind and tag; each model with its newest
// matching version and its labels.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { formatTime } from '@/components/format';
import { LabelBadges } from '@/components/registry/label-badges';
import { useTRPC, type RouterInputs, type RouterOutputs } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Input, Select } from '@/components/ui/form';
import { useCan } from '@/components/viewer';
import type { ModelStatus } from '@/db/schema';
import { MODEL_STATUSES, StatusBadge } from './status';

type ProviderKind = RouterInputs['models']['register']['providerKind'];
export const PROVIDER_LABELS: Record<ProviderKind, string> = { 'openai-compatible': 'OpenAI-compatible endpoint', container: 'Container image' };

export function ModelsList() {
  const trpc = useTRPC();
  const canWrite = useCan('models:write');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<ModelStatus | ''>('');
  const [providerKind, setProviderKind] = useState<ProviderKind | ''>('');
  const [tag, setTag] = useState('');
  const filtered = Boolean(search.trim() || status || providerKind || tag.trim());
  const list = useQuery(
    trpc.models.list.queryOptions({ search: search.trim() || undefined, status: status || undefined, providerKind: providerKind || undefined, tag: tag.trim() || undefined }, { placeholderData: keepPreviousData }),
  );

  return (
    <DataTable
      label="Models"
      columns={modelColumns(filtered)}
      rows={list.data}
      rowKey={(m) => m.id}
      toolbarClassName="items-end"
      filters={
        <div className="flex flex-wrap items-center gap-3" role="search" aria-label="Filter models">
          <Input type="search" aria-label="Search models" placeholder="Name, model or description" className="w-60" value={search} onChange={(e) => setSearch(e.target.value)} />
          <Select aria-label="Status" className="w-36" value={status} onChange={(e) => setStatus(e.target.value as ModelStatus | '')}>
            <option value="">Any status</option>
            {MODEL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
          <Select aria-label="Provider kind" className="w-56" value={providerKind} onChange={(e) => setProviderKind(e.target.value as ProviderKind | '')}>
            <option value="">Any provider kind</option>
            {(Object.keys(PROVIDER_LABELS) as ProviderKind[]).map((k) => (
              <option key={k} value={k}>
                {PROVIDER_LABELS[k]}
              </option>
            ))}
          </Select>
          <Input aria-label="Tag" placeholder="Has tag, e.g. family" className="w-44" value={tag} onChange={(e) => setTag(e.target.value)} />
        </div>
      }
      actions={
        canWrite ? (
          <Button asChild>
            <Link href="/models/new">
              <Plus className="h-4 w-4" aria-hidden /> Register version
            </Link>
          </Button>
        ) : null
      }
      loading={list.isLoading}
      error={list.error}
      empty={filtered ? 'No model version matches these filters.' : 'No models registered yet.'}
    />
  );
}

/** With filters on, the version shown is the newest that matches them. */
function modelColumns(filtered: boolean): Column<RouterOutputs['models']['list'][number]>[] {
  return [
    {
      key: 'model',
      header: 'Model',
      className: 'max-w-xs',
      cell: (m) => (
        <>
          <Link href={`/models/${m.name}`} className="font-medium text-primary hover:underline">
            {m.name}
          </Link>
          {m.description ? <div className="line-clamp-2 text-xs text-muted-fg">{m.description}</div> : null}
        </>
      ),
    },
    {
      key: 'version',
      header: `Latest${filtered ? ' matching' : ''} version`,
      cell: (m) => (
        <>
          <Link href={`/models/${m.name}?version=${m.latest.version}`} className="hover:underline">
            v{m.latest.version}
          </Link>{' '}
          <StatusBadge status={m.latest.status} />
          {m.matchingVersions > 1 ? (
            <div className="text-xs text-muted-fg">
              {m.matchingVersions} versions{filtered ? ' match' : ''}
            </div>
          ) : null}
        </>
      ),
    },
    {
      key: 'provider',
      header: 'Provider',
      cell: (m) => (
        <>
          <div className="text-xs text-muted-fg">{PROVIDER_LABELS[m.latest.providerKind]}</div>
          <div className="font-mono text-xs">{m.latest.upstreamModel}</div>
        </>
      ),
    },
    { key: 'labels', header: 'Labels', cell: (m) => <LabelBadges labels={m.labels} /> },
    { key: 'registered', header: 'Registered', className: 'whitespace-nowrap text-muted-fg', cell: (m) => formatTime(m.latest.createdAt) },
  ];
}
