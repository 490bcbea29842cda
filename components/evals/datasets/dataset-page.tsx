'use client';
// One dataset of a service: its versions beside the chosen view — the cases of a version (searchable, a page at a
// time) or the diff of two versions (added, removed, changed cases). The view lives in the URL.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { formatTime } from '@/components/format';
import { FieldChanges } from '@/components/registry/diff-view';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Field, Input, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { TabLinks } from '@/components/ui/tabs';
import { useCan } from '@/components/viewer';
import { caseInputText } from './case-text';
import { UploadDatasetDialog } from './upload-dialog';

export type DatasetView = 'cases' | 'diff';
const PAGE = 50;

export function DatasetPage({ service, name, view, v, from, to, q, page }: { service: string; name: string; view: DatasetView; v: number | null; from: number | null; to: number | null; q: string; page: number }) {
  const trpc = useTRPC();
  const canWrite = useCan('datasets:write');
  const query = useQuery(trpc.datasets.get.queryOptions({ service, name }));
  const d = query.data;
  const base = `/evals/${service}/datasets/${name}`;
  const latest = d?.versions[0];
  const selected = d ? (v === null ? latest : d.versions.find((x) => x.version === v)) : undefined;
  const numbers = d?.versions.map((x) => x.version) ?? [];
  // Without a choice, compare the selected version with the one before it; the oldest, with the one after it.
  const pick = to ?? selected?.version ?? latest?.version ?? 1;
  const before = numbers.find((n) => n < pick);
  const after = [...numbers].reverse().find((n) => n > pick);
  const diffFrom = from ?? before ?? pick;
  const diffTo = to === null && from === null && before === undefined && after !== undefined ? after : pick;

  return (
    <>
      <Breadcrumbs items={[{ href: '/evals', label: 'Evals' }, { href: `/evals/${service}`, label: service }, { label: name }]} />
      <PageHeader title={name} description={d?.description || `A dataset of ${service}.`} actions={canWrite && d ? <UploadDatasetDialog service={service} name={name} trigger={<Button variant="secondary">Push a new version</Button>} /> : null} />
      {query.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={query.error} className="px-0" />
      {d ? (
        <div className="grid gap-6 lg:grid-cols-[15rem_1fr]">
          <Card className="self-start">
            <h2 className="border-b border-border px-4 py-3 text-sm font-semibold">Versions</h2>
            <ol aria-label="Versions" className="max-h-[32rem] divide-y divide-border overflow-y-auto">
              {d.versions.map((x) => {
                const current = view === 'cases' && selected?.id === x.id;
                return (
                  <li key={x.id}>
                    <Link href={`${base}?v=${x.version}`} scroll={false} aria-current={current ? 'true' : undefined} className={cn('block px-4 py-2.5 text-sm hover:bg-muted', current && 'bg-muted')}>
                      <span className="flex items-center gap-1.5">
                        <span className="font-medium">v{x.version}</span>
                        <span className="text-xs text-muted-fg tabular-nums">{x.caseCount} cases</span>
                        <Badge tone="neutral">{x.source}</Badge>
                      </span>
                      <span className="block truncate text-xs text-muted-fg">{x.commitMessage || x.fileName || 'no message'}</span>
                      <span className="block text-xs text-muted-fg">
                        {formatTime(x.createdAt)} · {x.createdBy}
                      </span>
                    </Link>
                  </li>
                );
              })}
            </ol>
          </Card>
          <Card className="min-w-0 p-5">
            <TabLinks
              label="Dataset views"
              items={[
                { href: selected ? `${base}?v=${selected.version}` : base, label: 'Cases', current: view === 'cases' },
                { href: `${base}?view=diff&from=${diffFrom}&to=${diffTo}`, label: 'Diff', current: view === 'diff' },
              ]}
            />
            {view === 'cases' ? selected ? <CasesTable key={selected.id} service={service} name={name} version={selected.version} caseCount={selected.caseCount} q={q} page={page} /> : <p className="text-sm text-danger">{name} has no version {v}.</p> : null}
            {view === 'diff' ? <DatasetDiff service={service} name={name} versions={numbers} from={diffFrom} to={diffTo} /> : null}
          </Card>
        </div>
      ) : null}
    </>
  );
}

type CaseRow = RouterOutputs['datasets']['cases']['cases'][number];

function CasesTable({ service, name, version, caseCount, q, page }: { service: string; name: string; version: number; caseCount: number; q: string; page: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [text, setText] = useState(q);
  const href = (search: string, p: number) => `/evals/${service}/datasets/${name}?v=${version}${search ? `&q=${encodeURIComponent(search)}` : ''}${p > 1 ? `&page=${p}` : ''}`;
  // The search goes into the URL a moment after typing stops, so it can be shared and survives a reload.
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => router.replace(href(text.trim(), 1), { scroll: false }), 300);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  const cases = useQuery(trpc.datasets.cases.queryOptions({ service, name, version, search: q || undefined, offset: (page - 1) * PAGE, limit: PAGE }, { placeholderData: keepPreviousData }));
  const total = cases.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <Field label="Search cases" hint="In the input, the expected answer, the tags and the id.">
          <Input type="search" className="w-72" value={text} onChange={(e) => setText(e.target.value)} placeholder="refund" />
        </Field>
        <p className="pb-2 text-sm text-muted-fg" role="status">
          {cases.data ? (q ? `${total} of ${caseCount} cases match` : `${caseCount} cases`) : null}
        </p>
      </div>
      <LoadError error={cases.error} className="px-0" />
      {cases.isLoading ? <Loading className="px-0" /> : null}
      {cases.data && !cases.data.cases.length ? <Empty className="px-0">{q ? 'No case matches.' : 'This version has no cases.'}</Empty> : null}
      {cases.data?.cases.length ? (
        <div className="rounded-md border border-border">
          <Table aria-label={`Cases of ${name}@${version}`}>
            <THead>
              <tr>
                <TH className="w-12">#</TH>
                <TH>Input</TH>
                <TH>Expected</TH>
                <TH>Tags</TH>
              </tr>
            </THead>
            <TBody>
              {cases.data.cases.map((c) => (
                <CaseTableRow key={c.index} c={c} />
              ))}
            </TBody>
          </Table>
        </div>
      ) : null}
      {pages > 1 ? (
        <nav aria-label="Pages of cases" className="flex items-center justify-end gap-2 text-sm">
          <Button variant="secondary" size="sm" disabled={page <= 1} onClick={() => router.replace(href(q, page - 1), { scroll: false })}>
            Previous
          </Button>
          <span className="tabular-nums text-muted-fg">
            Page {page} of {pages}
          </span>
          <Button variant="secondary" size="sm" disabled={page >= pages} onClick={() => router.replace(href(q, page + 1), { scroll: false })}>
            Next
          </Button>
        </nav>
      ) : null}
    </div>
  );
}

function CaseTableRow({ c }: { c: Pick<CaseRow, 'index' | 'externalId' | 'input' | 'expected' | 'tags'> }) {
  return (
    <TR>
      <TD className="align-top text-xs text-muted-fg tabular-nums">
        {c.index}
        {c.externalId ? <div className="font-mono break-all">{c.externalId}</div> : null}
      </TD>
      <TD className="max-w-md align-top">
        <div className="line-clamp-4 font-mono text-xs whitespace-pre-wrap">{caseInputText(c.input)}</div>
      </TD>
      <TD className="max-w-xs align-top">
        <div className="line-clamp-4 text-xs whitespace-pre-wrap">{c.expected ?? <span className="text-muted-fg">—</span>}</div>
      </TD>
      <TD className="align-top">
        <div className="flex flex-wrap gap-1">{c.tags.length ? c.tags.map((t) => <Badge key={t}>{t}</Badge>) : <span className="text-muted-fg">—</span>}</div>
      </TD>
    </TR>
  );
}

function DatasetDiff({ service, name, versions, from, to }: { service: string; name: string; versions: number[]; from: number; to: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const diff = useQuery(trpc.datasets.diff.queryOptions({ service, name, from, to }, { placeholderData: keepPreviousData }));
  const go = (f: number, t: number) => router.replace(`/evals/${service}/datasets/${name}?view=diff&from=${f}&to=${t}`, { scroll: false });
  const picker = (label: string, value: number, onChange: (n: number) => void) => (
    <Field label={label}>
      <Select className="w-28" value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {versions.map((x) => (
          <option key={x} value={x}>
            v{x}
          </option>
        ))}
      </Select>
    </Field>
  );
  const data = diff.data;

  return (
    <div className="grid gap-5">
      <div className="flex flex-wrap items-end gap-3">
        {picker('From', from, (f) => go(f, to))}
        {picker('To', to, (t) => go(from, t))}
        {data ? (
          <p className="pb-2 text-sm" role="status">
            <span className="text-success">{data.counts.added} added</span> · <span className="text-danger">{data.counts.removed} removed</span> · <span className="text-warning">{data.counts.changed} changed</span> · <span className="text-muted-fg">{data.counts.unchanged} unchanged</span>
            {data.reordered ? <span className="text-muted-fg"> · order changed</span> : null}
          </p>
        ) : null}
      </div>
      <p className="text-xs text-muted-fg">Cases with an id are matched by it; the others by their content, so an edited case without an id shows as removed and added.</p>
      {diff.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={diff.error} className="px-0" />
      {data ? (
        <>
          <DiffSection title="Added" tone="success" total={data.counts.added} cases={data.added} />
          <DiffSection title="Removed" tone="danger" total={data.counts.removed} cases={data.removed} />
          <section aria-label="Changed cases">
            <h3 className="mb-2 text-sm font-semibold">Changed ({data.counts.changed})</h3>
            {data.changed.length ? (
              <div className="grid gap-3">
                {data.changed.map((c) => (
                  <div key={c.id}>
                    <p className="mb-1 font-mono text-xs">{c.id}</p>
                    <FieldChanges changes={c.fields} label={`Changes of case ${c.id}`} fromLabel={`v${from}`} toLabel={`v${to}`} />
                  </div>
                ))}
              </div>
            ) : (
              <p className="text-sm text-muted-fg">No case with an id changed.</p>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}

function DiffSection({ title, tone, total, cases }: { title: string; tone: 'success' | 'danger'; total: number; cases: CaseRow[] }) {
  return (
    <section aria-label={`${title} cases`}>
      <h3 className={cn('mb-2 text-sm font-semibold', tone === 'success' ? 'text-success' : 'text-danger')}>
        {title} ({total})
      </h3>
      {cases.length ? (
        <div className="rounded-md border border-border">
          <Table aria-label={`${title} cases`}>
            <THead>
              <tr>
                <TH className="w-12">#</TH>
                <TH>Input</TH>
                <TH>Expected</TH>
                <TH>Tags</TH>
              </tr>
            </THead>
            <TBody>
              {cases.map((c) => (
                <CaseTableRow key={`${c.index}-${c.caseKey}`} c={c} />
              ))}
            </TBody>
          </Table>
          {total > cases.length ? <p className="px-4 py-2 text-xs text-muted-fg">Showing {cases.length} of {total}.</p> : null}
        </div>
      ) : (
        <p className="text-sm text-muted-fg">None.</p>
      )}
    </section>
  );
}
