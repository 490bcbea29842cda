'use client';
// Two releases side by side: the model fields that changed, prompts added, removed or changed (with their
// content diffs), and config changes. The changes part is shared with the promote dialog and the approval page.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import { formatTime } from '@/components/format';
import { FieldChanges, LineDiff } from '@/components/registry/diff-view';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { Field, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';

export type ReleaseDiffData = RouterOutputs['releases']['diff'];
type Diff = ReleaseDiffData;
const CHANGE_TONE = { added: 'success', removed: 'danger', changed: 'warning', unchanged: 'neutral' } as const;

function Side({ title, r }: { title: string; r: Diff['from'] }) {
  return (
    <Card className="p-5">
      <p className="text-xs font-medium tracking-wide text-muted-fg uppercase">{title}</p>
      <Link href={`/releases/${r.service}/${r.number}`} className="mt-1 block text-lg font-semibold text-primary hover:underline">
        {r.ref}
      </Link>
      <dl className="mt-2 grid grid-cols-[6rem_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-muted-fg">Model</dt>
        <dd className="font-mono text-xs">{r.model.ref}</dd>
        <dt className="text-muted-fg">Prompts</dt>
        <dd className="font-mono text-xs">{r.prompts.length ? r.prompts.map((p) => p.ref).join(', ') : '—'}</dd>
        <dt className="text-muted-fg">Created</dt>
        <dd>
          {formatTime(r.createdAt)} by {r.createdBy}
        </dd>
      </dl>
    </Card>
  );
}

export function ReleaseDiff({ service, from, to }: { service: string; from: number | null; to: number | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const list = useQuery(trpc.releases.list.queryOptions({ service }));
  const numbers = list.data?.map((r) => r.number) ?? [];
  const b = to ?? numbers[0] ?? null;
  const a = from ?? numbers.find((n) => b !== null && n < b) ?? null;
  const diff = useQuery(trpc.releases.diff.queryOptions({ service, from: a ?? 1, to: b ?? 1 }, { enabled: a !== null && b !== null, placeholderData: keepPreviousData }));
  const go = (f: number | null, t: number | null) => router.replace(`/releases/${service}/diff?from=${f ?? ''}&to=${t ?? ''}`, { scroll: false });
  const d = diff.data;

  const picker = (label: string, value: number | null, onPick: (n: number) => void) => (
    <Field label={label}>
      <Select className="w-72" value={value ?? ''} onChange={(e) => onPick(Number(e.target.value))}>
        {value === null ? <option value="">Choose…</option> : null}
        {list.data?.map((r) => (
          <option key={r.id} value={r.number}>
            #{r.number} · {r.model}
          </option>
        ))}
      </Select>
    </Field>
  );

  return (
    <>
      <Breadcrumbs items={[{ href: `/releases?service=${service}`, label: 'Releases' }, { href: `/services/${service}`, label: service }, { label: 'Compare' }]} />
      <PageHeader title={a !== null && b !== null ? `${service}#${a} → #${b}` : `Compare releases of ${service}`} description="What changes when traffic moves from one release to the other." />
      <div className="mb-6 flex flex-wrap items-end gap-3">
        {picker('From', a, (n) => go(n, b))}
        {picker('To', b, (n) => go(a, n))}
      </div>
      {list.isLoading || diff.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={list.error ?? diff.error} className="px-0" />
      {list.data && list.data.length < 2 ? <Empty className="px-0">{service} needs at least two releases to compare.</Empty> : null}
      {d ? (
        <div className="grid gap-6">
          <div className="grid gap-4 md:grid-cols-2">
            <Side title="From" r={d.from} />
            <Side title="To" r={d.to} />
          </div>
          <ReleaseChanges service={service} diff={d} />
        </div>
      ) : null}
    </>
  );
}

/**
 * What changes between two releases: model fields, prompts (with their content diffs) and config. Shared by the
 * compare page, the promote dialog and the approval page.
 */
export function ReleaseChanges({ service, diff: d, compact }: { service: string; diff: Diff; compact?: boolean }) {
  const section = (title: string, description: string | undefined, children: ReactNode) =>
    compact ? (
      <section aria-label={title} className="grid gap-2">
        <h3 className="text-sm font-semibold">
          {title}
          {description ? <span className="ml-2 font-normal text-muted-fg">{description}</span> : null}
        </h3>
        {children}
      </section>
    ) : (
      <Card>
        <CardHeader title={title} description={description} />
        <div className="px-5 py-4">{children}</div>
      </Card>
    );
  return (
    <div className={compact ? 'grid gap-4' : 'grid gap-6'}>
      {section(
        'Model',
        d.model.length ? `${d.model.length} field${d.model.length > 1 ? 's' : ''} differ` : undefined,
        <FieldChanges changes={d.model} label="Model changes" empty="Same model version." fromLabel={`#${d.from.number}`} toLabel={`#${d.to.number}`} />,
      )}
      {section(
        'Prompts',
        undefined,
        <div className="grid gap-5">
          {!d.prompts.length ? <p className="text-sm text-muted-fg">Neither release serves a prompt.</p> : null}
          {d.prompts.map((p) => (
            <section key={p.name} aria-label={`Prompt ${p.name}`} className="grid gap-3">
              <h3 className="flex flex-wrap items-center gap-2 text-sm">
                <Link href={`/prompts/${service}/${p.name}`} className="font-semibold text-primary hover:underline">
                  {p.name}
                </Link>
                <Badge tone={CHANGE_TONE[p.change]}>{p.change}</Badge>
                <span className="font-mono text-xs text-muted-fg">
                  {p.from !== null ? `v${p.from}` : '—'} → {p.to !== null ? `v${p.to}` : '—'}
                </span>
              </h3>
              {p.diff ? (
                <div className="grid gap-3 pl-0 sm:pl-4">
                  <LineDiff ops={p.diff.messages} label={`Messages diff of ${p.name}`} />
                  {p.diff.variables.length ? <FieldChanges changes={p.diff.variables} label={`Variable changes of ${p.name}`} fromLabel={`#${d.from.number}`} toLabel={`#${d.to.number}`} /> : null}
                  {p.diff.params.length ? <FieldChanges changes={p.diff.params} label={`Parameter changes of ${p.name}`} fromLabel={`#${d.from.number}`} toLabel={`#${d.to.number}`} /> : null}
                  {p.diff.responseSchema.length ? <FieldChanges changes={p.diff.responseSchema} label={`Response schema changes of ${p.name}`} fromLabel={`#${d.from.number}`} toLabel={`#${d.to.number}`} /> : null}
                </div>
              ) : null}
            </section>
          ))}
        </div>,
      )}
      {section('Config', undefined, <FieldChanges changes={d.config} label="Config changes" empty="Same config." fromLabel={`#${d.from.number}`} toLabel={`#${d.to.number}`} />)}
    </div>
  );
}
