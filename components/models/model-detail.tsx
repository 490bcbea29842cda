'use client';
// One model: its versions with the releases that pin them, the chosen version in full (lineage, artifacts,
// tokenizer, image, params, prices, description, releases and where they run), its status moves, and its labels.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatBytes, formatPrice, formatTime } from '@/components/format';
import { JsonBlock, PlainText } from '@/components/registry/json-block';
import { LabelsCard } from '@/components/registry/labels-card';
import { RunsIn } from '@/components/registry/routes';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Field, Input, Select } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';
import type { ModelStatus } from '@/db/schema';
// The server's transition table, so the form offers exactly the moves the verb accepts.
import { STATUS_TRANSITIONS } from '@/server/services/registry-rules';
import { PROVIDER_LABELS } from './models-list';
import { StatusBadge } from './status';
import { ContainerSettings } from './image-builds';

const orList = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}` : (xs[0] ?? ''));

type Model = RouterOutputs['models']['get'];
type Version = Model['versions'][number];

export function ModelDetail({ name, version }: { name: string; version: number | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('models:write');
  const model = useQuery(trpc.models.get.queryOptions({ name }));
  const m = model.data;
  const selected = m ? (m.versions.find((v) => v.version === version) ?? (version === null ? m.versions[0] : undefined)) : undefined;
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.models.pathKey() });
  const versionHref = (v: number) => `/models/${name}?version=${v}`;

  return (
    <>
      <Breadcrumbs items={[{ href: '/models', label: 'Models' }, { label: name }]} />
      <PageHeader
        title={name}
        description={m?.description || undefined}
        actions={
          canWrite ? (
            <Button asChild>
              <Link href={`/models/new?model=${name}`}>
                <Plus className="h-4 w-4" aria-hidden /> Register new version
              </Link>
            </Button>
          ) : null
        }
      />
      {model.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={model.error} className="px-0" />
      {m ? (
        <div className="grid gap-6">
          <Card>
            <CardHeader title="Versions" description="Immutable once registered; only the status moves." />
            <Table aria-label="Model versions">
              <THead>
                <tr>
                  <TH>Version</TH>
                  <TH>Status</TH>
                  <TH>Provider</TH>
                  <TH>Upstream model</TH>
                  <TH>Prices (in / out per 1M)</TH>
                  <TH>Labels</TH>
                  <TH>Releases</TH>
                  <TH>Registered</TH>
                </tr>
              </THead>
              <TBody>
                {m.versions.map((v) => (
                  <TR key={v.id}>
                    <TD className={cn(selected?.id === v.id && 'border-l-2 border-primary')}>
                      <Link href={versionHref(v.version)} scroll={false} aria-current={selected?.id === v.id ? 'true' : undefined} className="font-medium whitespace-nowrap text-primary hover:underline">
                        {v.ref}
                      </Link>
                    </TD>
                    <TD>
                      <StatusBadge status={v.status} />
                    </TD>
                    <TD className="text-xs">{PROVIDER_LABELS[v.providerKind]}</TD>
                    <TD className="font-mono text-xs">{v.upstreamModel}</TD>
                    <TD className="text-xs tabular-nums">
                      {formatPrice(v.priceInputPer1M)} / {formatPrice(v.priceOutputPer1M)}
                    </TD>
                    <TD>
                      <div className="flex flex-wrap gap-1">
                        {m.labels
                          .filter((l) => l.version === v.version)
                          .map((l) => (
                            <Badge key={l.name} tone={l.protected ? 'warning' : 'neutral'}>
                              {l.name}
                            </Badge>
                          ))}
                      </div>
                    </TD>
                    <TD>
                      <ReleaseRefs releases={v.releases} />
                    </TD>
                    <TD className="whitespace-nowrap text-muted-fg">{formatTime(v.createdAt)}</TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          </Card>
          {selected ? <VersionDetail key={selected.id} v={selected} onChanged={refresh} /> : <p className="text-sm text-danger">{name} has no version {version}.</p>}
          <LabelsCard target={{ kind: 'model', model: name }} labels={m.labels} versions={m.versions.map((v) => v.version)} versionHref={versionHref} onMoved={refresh} />
        </div>
      ) : null}
    </>
  );
}

/** In the versions table: the releases pinning a version, those running now marked; the version's card lists them all. */
const SHOWN_RELEASES = 3;
function ReleaseRefs({ releases }: { releases: Version['releases'] }) {
  if (!releases.length) return <span className="text-xs text-muted-fg">none</span>;
  const running = releases.filter((r) => r.runningIn.length);
  const shown = [...running, ...releases.filter((r) => !r.runningIn.length)].slice(0, SHOWN_RELEASES);
  return (
    <span className="flex flex-wrap gap-x-2 gap-y-0.5 text-xs">
      {shown.map((r) => (
        <Link key={r.ref} href={`/releases/${r.service}/${r.number}`} className="whitespace-nowrap text-primary hover:underline" title={r.runningIn.length ? `runs in ${r.runningIn.map((p) => p.environment).join(', ')}` : 'not running'}>
          {r.ref}
          {r.runningIn.length ? <span className="text-success"> ●<span className="sr-only"> running</span></span> : null}
        </Link>
      ))}
      {releases.length > shown.length ? <span className="text-muted-fg">+{releases.length - shown.length} more</span> : null}
    </span>
  );
}

function VersionReleases({ v }: { v: Version }) {
  return (
    <section aria-label="Releases using this version" className="border-t border-border">
      <h3 className="px-5 pt-4 text-sm font-semibold">Releases using this version</h3>
      {v.releases.length ? (
        <Table aria-label="Releases using this version">
          <THead>
            <tr>
              <TH>Release</TH>
              <TH>Runs in</TH>
              <TH>Created</TH>
            </tr>
          </THead>
          <TBody>
            {v.releases.map((r) => (
              <TR key={r.ref}>
                <TD>
                  <Link href={`/releases/${r.service}/${r.number}`} className="font-medium text-primary hover:underline">
                    {r.ref}
                  </Link>
                </TD>
                <TD>
                  <RunsIn service={r.service} placements={r.runningIn} />
                </TD>
                <TD className="whitespace-nowrap text-muted-fg">{formatTime(r.createdAt)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : (
        <p className="px-5 py-4 text-sm text-muted-fg">No release pins {v.ref} yet.</p>
      )}
    </section>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-muted-fg">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

function VersionDetail({ v, onChanged }: { v: Version; onChanged: () => void }) {
  const tags = Object.entries(v.tags);
  return (
    <Card role="region" aria-label={`Version ${v.ref}`}>
      <CardHeader title={v.ref} description={`Registered ${formatTime(v.createdAt)} by ${v.createdBy}`} actions={<StatusBadge status={v.status} />} />
      <div className="grid gap-6 px-5 py-4 lg:grid-cols-2">
        <section aria-label="Serving">
          <h3 className="mb-2 text-sm font-semibold">Serving</h3>
          <dl className="grid grid-cols-[9rem_1fr] gap-x-4 gap-y-2 text-sm">
            <Row label="Provider">{PROVIDER_LABELS[v.providerKind]}</Row>
            {v.providerKind === 'openai-compatible' ? <Row label="Base URL">{v.baseUrl ? <code className="font-mono text-xs">{v.baseUrl}</code> : '—'}</Row> : <Row label="Image">{v.imageRef ? <code className="font-mono text-xs break-all">{v.imageRef}</code> : v.container?.build ? 'built from the service repository (see Image builds)' : '—'}</Row>}
            <Row label="Upstream model">
              <code className="font-mono text-xs">{v.upstreamModel}</code>
            </Row>
            <Row label="API key">{v.apiKeySecret ? <span>secret “{v.apiKeySecret}”</span> : <span className="text-muted-fg">none</span>}</Row>
            <Row label="Context window">{v.contextWindow ? `${v.contextWindow.toLocaleString()} tokens` : '—'}</Row>
            <Row label="Input price">{formatPrice(v.priceInputPer1M)} per 1M tokens</Row>
            <Row label="Output price">{formatPrice(v.priceOutputPer1M)} per 1M tokens</Row>
          </dl>
          <h3 className="mt-4 mb-2 text-sm font-semibold">Default parameters</h3>
          <JsonBlock value={v.defaultParams} label="Default parameters" />
        </section>
        <section aria-label="Lineage">
          <h3 className="mb-2 text-sm font-semibold">Lineage</h3>
          <dl className="grid grid-cols-[9rem_1fr] gap-x-4 gap-y-2 text-sm">
            <Row label="Git repository">{v.lineage.gitRepository ?? '—'}</Row>
            <Row label="Git commit">{v.lineage.gitCommit ? <code className="font-mono text-xs">{v.lineage.gitCommit}</code> : '—'}</Row>
            <Row label="Pipeline run">{v.lineage.pipelineRunId ?? '—'}</Row>
            <Row label="Training run">{v.lineage.trainingRunUri ? <code className="font-mono text-xs">{v.lineage.trainingRunUri}</code> : '—'}</Row>
            <Row label="Tags">
              {tags.length ? (
                <span className="flex flex-wrap gap-1">
                  {tags.map(([k, val]) => (
                    <Badge key={k}>
                      {k}
                      {val ? `: ${val}` : ''}
                    </Badge>
                  ))}
                </span>
              ) : (
                '—'
              )}
            </Row>
          </dl>
          <h3 className="mt-4 mb-2 text-sm font-semibold">Tokenizer</h3>
          {v.tokenizer ? (
            <p className="text-sm">
              <code className="font-mono text-xs">{v.tokenizer.uri}</code>
              <span className="block font-mono text-xs text-muted-fg">sha256 {v.tokenizer.sha256}</span>
              {v.tokenizer.path ? <span className="block font-mono text-xs text-muted-fg">placed at {v.tokenizer.path}</span> : null}
            </p>
          ) : (
            <p className="text-sm text-muted-fg">None pinned.</p>
          )}
        </section>
      </div>
      <ContainerSettings v={v} />
      <VersionReleases v={v} />
      <section aria-label="Artifacts" className="border-t border-border">
        <h3 className="px-5 pt-4 text-sm font-semibold">Artifacts</h3>
        {v.artifacts.length ? (
          <Table aria-label="Artifacts">
            <THead>
              <tr>
                <TH>URI</TH>
                <TH>sha256</TH>
                <TH>Size</TH>
                <TH>Path in image context</TH>
              </tr>
            </THead>
            <TBody>
              {v.artifacts.map((a) => (
                <TR key={`${a.uri}-${a.sha256}`}>
                  <TD className="font-mono text-xs break-all">{a.uri}</TD>
                  <TD className="font-mono text-xs break-all">{a.sha256}</TD>
                  <TD className="whitespace-nowrap">{formatBytes(a.sizeBytes)}</TD>
                  <TD className="font-mono text-xs break-all">{a.path ?? '—'}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        ) : (
          <p className="px-5 py-3 text-sm text-muted-fg">No artifacts pinned.</p>
        )}
      </section>
      <section aria-label="Description" className="border-t border-border px-5 py-4">
        <h3 className="mb-2 text-sm font-semibold">Description</h3>
        <PlainText text={v.description} empty="No description." />
      </section>
      <StatusForm v={v} onChanged={onChanged} />
    </Card>
  );
}

function StatusForm({ v, onChanged }: { v: Version; onChanged: () => void }) {
  const trpc = useTRPC();
  const canWrite = useCan('models:write');
  const allowed = STATUS_TRANSITIONS[v.status];
  const [next, setNext] = useState<ModelStatus | ''>('');
  const change = useMutation(trpc.models.setStatus.mutationOptions({ onSuccess: onChanged }));
  const fields = fieldErrors(change.error);
  const chosen = next || allowed[0];

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!chosen) return;
    change.mutate({ model: v.model, version: v.version, status: chosen, reason: String(new FormData(e.currentTarget).get('reason') ?? '') });
  }

  return (
    <section aria-label="Status" className="border-t border-border px-5 py-4">
      <h3 className="mb-2 text-sm font-semibold">Status</h3>
      <p className="mb-3 text-sm text-muted-fg">
        {v.statusChangedAt ? `${v.status} since ${formatTime(v.statusChangedAt)}.` : `${v.status} since registration.`}{' '}
        {allowed.length ? `It can move to ${orList(allowed)}.` : 'Archived is final.'}
      </p>
      {canWrite && allowed.length ? (
        <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-[12rem_1fr_auto] sm:items-end" aria-label="Change status">
          <Field label="New status" error={fields.status}>
            <Select value={chosen} onChange={(e) => setNext(e.target.value as ModelStatus)}>
              {allowed.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Reason" error={fields.reason}>
            <Input name="reason" maxLength={500} placeholder="why, for the audit log" />
          </Field>
          <Button type="submit" variant="secondary" disabled={change.isPending}>
            {change.isPending ? 'Saving…' : 'Change status'}
          </Button>
          <ErrorAlert error={change.error} besideFields className="sm:col-span-3" />
        </form>
      ) : null}
    </section>
  );
}
