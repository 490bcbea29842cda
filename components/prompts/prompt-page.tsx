'use client';
// One prompt of a service: its versions beside the chosen view (a version, a diff, the render playground
// or the new-version form), then its labels with their history. The view lives in the URL.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { formatTime } from '@/components/format';
import { LabelsCard } from '@/components/registry/labels-card';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Card, PageHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { LoadError, Loading } from '@/components/ui/status';
import { TabLinks } from '@/components/ui/tabs';
import { useCan } from '@/components/viewer';
import { PromptDiff } from './prompt-diff';
import { PromptForm } from './prompt-form';
import { RenderPlayground } from './render-playground';
import { VersionView } from './version-view';

export type PromptView = 'version' | 'diff' | 'render' | 'new';

export function PromptPage({ service, prompt, view, v, from, to }: { service: string; prompt: string; view: PromptView; v: number | null; from: number | null; to: number | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('prompts:write');
  const query = useQuery(trpc.prompts.get.queryOptions({ service, prompt }));
  const p = query.data;
  const base = `/prompts/${service}/${prompt}`;
  const latest = p?.versions[0];
  const selected = p ? (v === null ? latest : p.versions.find((x) => x.version === v)) : undefined;
  const numbers = p?.versions.map((x) => x.version) ?? [];
  // Without a choice, compare the selected version with the one before it (or the two newest).
  const diffTo = to ?? selected?.version ?? latest?.version ?? 1;
  const diffFrom = from ?? numbers.find((n) => n < diffTo) ?? diffTo;
  const labelsAt = (n: number) => p?.labels.filter((l) => l.version === n).map((l) => l.name) ?? [];
  const versionHref = (n: number) => `${base}?v=${n}`;
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.prompts.pathKey() });

  const tabs = [
    { href: selected ? versionHref(selected.version) : base, label: 'Version', current: view === 'version' },
    { href: `${base}?view=diff&from=${diffFrom}&to=${diffTo}`, label: 'Diff', current: view === 'diff' },
    { href: `${base}?view=render${selected ? `&v=${selected.version}` : ''}`, label: 'Playground', current: view === 'render' },
    ...(canWrite ? [{ href: `${base}?view=new`, label: 'New version', current: view === 'new' }] : []),
  ];

  return (
    <>
      <Breadcrumbs items={[{ href: `/prompts?service=${service}`, label: 'Prompts' }, { href: `/services/${service}`, label: service }, { label: prompt }]} />
      <PageHeader title={prompt} description={p?.description || `A prompt of ${service}.`} />
      {query.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={query.error} className="px-0" />
      {p ? (
        <div className="grid gap-6">
          <div className="grid gap-6 lg:grid-cols-[15rem_1fr]">
            <Card className="self-start">
              <h2 className="border-b border-border px-4 py-3 text-sm font-semibold">Versions</h2>
              <ol aria-label="Versions" className="max-h-[32rem] divide-y divide-border overflow-y-auto">
                {p.versions.map((x) => {
                  const current = view !== 'new' && view !== 'diff' && selected?.id === x.id;
                  return (
                    <li key={x.id}>
                      <Link
                        href={view === 'render' ? `${base}?view=render&v=${x.version}` : versionHref(x.version)}
                        scroll={false}
                        aria-current={current ? 'true' : undefined}
                        className={cn('block px-4 py-2.5 text-sm hover:bg-muted', current && 'bg-muted')}
                      >
                        <span className="flex items-center gap-1.5">
                          <span className="font-medium">v{x.version}</span>
                          {labelsAt(x.version).map((l) => (
                            <Badge key={l} tone="info">
                              {l}
                            </Badge>
                          ))}
                        </span>
                        <span className="block truncate text-xs text-muted-fg">{x.commitMessage || 'no message'}</span>
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
              <TabLinks label="Prompt views" items={tabs} />
              {view === 'version' ? selected ? <VersionView service={service} v={selected} labels={labelsAt(selected.version)} /> : <p className="text-sm text-danger">{prompt} has no version {v}.</p> : null}
              {view === 'diff' ? <PromptDiff service={service} prompt={prompt} versions={numbers} from={diffFrom} to={diffTo} /> : null}
              {view === 'render' ? selected ? <RenderPlayground key={selected.id} service={service} prompt={prompt} v={selected} /> : <p className="text-sm text-danger">{prompt} has no version {v}.</p> : null}
              {view === 'new' ? (
                canWrite ? (
                  <>
                    <p className="mb-4 text-sm text-muted-fg">Starts from v{latest?.version}. Versions never change: pushing creates v{(latest?.version ?? 0) + 1}, unless identical content already exists.</p>
                    <PromptForm key={latest?.id} service={service} prompt={prompt} initial={latest} onPushed={refresh} />
                  </>
                ) : (
                  <p className="text-sm text-muted-fg">Your role may not push prompt versions (needs prompts:write).</p>
                )
              ) : null}
            </Card>
          </div>
          <LabelsCard target={{ kind: 'prompt', service, prompt }} labels={p.labels} versions={numbers} versionHref={versionHref} onMoved={refresh} />
        </div>
      ) : null}
    </>
  );
}
