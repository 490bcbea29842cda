'use client';
// A container model version's serving settings and its image builds: status, image id, size, pushed reference,
// the artifacts each build verified, its labels and its log (the log of a build still running refreshes).
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { formatBytes, formatTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

type Version = RouterOutputs['models']['get']['versions'][number];
type Build = RouterOutputs['images']['list'][number];

const TONES: Record<Build['status'], 'success' | 'danger' | 'warning' | 'neutral'> = { succeeded: 'success', failed: 'danger', running: 'warning', queued: 'neutral' };

export function ContainerSettings({ v }: { v: Version }) {
  const c = v.container;
  if (!c) return null;
  return (
    <section aria-label="Container" className="border-t border-border px-5 py-4">
      <h3 className="mb-2 text-sm font-semibold">Container</h3>
      <dl className="grid grid-cols-[9rem_1fr] gap-x-4 gap-y-2 text-sm">
        <dt className="text-muted-fg">Image</dt>
        <dd className="min-w-0 break-words">
          {c.build ? (
            <span>
              built from <code className="font-mono text-xs">{c.build.context}</code> with <code className="font-mono text-xs">{c.build.dockerfile}</code> in the service repository
            </span>
          ) : (
            <code className="font-mono text-xs break-all">{v.imageRef}</code>
          )}
        </dd>
        <dt className="text-muted-fg">Command</dt>
        <dd className="min-w-0 break-words">{c.command ? <code className="font-mono text-xs">{c.command.join(' ')}</code> : "the image's own"}</dd>
        <dt className="text-muted-fg">Port</dt>
        <dd>{c.port}</dd>
        <dt className="text-muted-fg">Health path</dt>
        <dd>
          <code className="font-mono text-xs">{c.healthPath}</code>
        </dd>
        <dt className="text-muted-fg">Resources</dt>
        <dd>
          {c.resources.cpus ?? 'any'} CPUs, {c.resources.memoryMb ? `${c.resources.memoryMb} MB` : 'any'} memory
        </dd>
        <dt className="text-muted-fg">Environment</dt>
        <dd className="min-w-0 break-words">
          {Object.keys(c.env).length ? (
            <span className="flex flex-wrap gap-1">
              {Object.keys(c.env)
                .sort()
                .map((k) => (
                  <Badge key={k}>{k}</Badge>
                ))}
            </span>
          ) : (
            '—'
          )}
        </dd>
      </dl>
      {c.build ? <ImageBuilds v={v} /> : null}
    </section>
  );
}

function ImageBuilds({ v }: { v: Version }) {
  const trpc = useTRPC();
  const builds = useQuery({ ...trpc.images.list.queryOptions({ model: v.model, version: v.version }), refetchInterval: (q) => (q.state.data?.some((b) => b.status === 'queued' || b.status === 'running') ? 2000 : false) });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="mt-4" role="region" aria-label="Image builds">
      <h3 className="mb-2 text-sm font-semibold">Image builds</h3>
      {builds.isLoading ? <Loading className="px-0" /> : null}
      {builds.error ? <LoadError error={builds.error} /> : null}
      {builds.data && !builds.data.length ? (
        <p className="text-sm text-muted-fg">
          Not built yet. A pipeline&apos;s <code className="font-mono text-xs">build-image</code> step builds it, or <code className="font-mono text-xs">slipway images build {v.ref} --service &lt;service&gt; --ref &lt;commit&gt;</code>.
        </p>
      ) : null}
      {builds.data?.length ? (
        <Table aria-label="Image builds">
          <THead>
            <tr>
              <TH>Status</TH>
              <TH>Commit</TH>
              <TH>Image</TH>
              <TH>Size</TH>
              <TH>Pushed</TH>
              <TH>Finished</TH>
              <TH>
                <span className="sr-only">Details</span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {builds.data.map((b) => (
              <TR key={b.id}>
                <TD>
                  <Badge tone={TONES[b.status]}>{b.status}</Badge>
                  {b.pipelineRunNumber ? <span className="ml-2 text-xs text-muted-fg">run {b.pipelineRunNumber}</span> : <span className="ml-2 text-xs text-muted-fg">{b.stepName}</span>}
                </TD>
                <TD className="font-mono text-xs">{b.sourceCommit.slice(0, 12)}</TD>
                <TD className="font-mono text-xs break-all">{b.imageId ?? (b.error ? <span className="text-danger">{b.error}</span> : '—')}</TD>
                <TD className="whitespace-nowrap">{b.sizeBytes === null ? '—' : formatBytes(b.sizeBytes)}</TD>
                <TD className="font-mono text-xs break-all">{b.pushedRef ?? '—'}</TD>
                <TD className="whitespace-nowrap">{b.finishedAt ? formatTime(b.finishedAt) : '—'}</TD>
                <TD>
                  <Button variant="secondary" size="sm" onClick={() => setOpen(open === b.id ? null : b.id)} aria-expanded={open === b.id}>
                    {open === b.id ? 'Hide' : 'Details'}
                  </Button>
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {open ? <BuildDetail id={open} /> : null}
    </div>
  );
}

function BuildDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const build = useQuery({ ...trpc.images.get.queryOptions({ id }), refetchInterval: (q) => (q.state.data && (q.state.data.status === 'queued' || q.state.data.status === 'running') ? 2000 : false) });
  if (build.isLoading) return <Loading className="px-0" />;
  if (build.error) return <LoadError error={build.error} />;
  const b = build.data!;
  const labels = Object.entries(b.labels).sort(([x], [y]) => (x < y ? -1 : 1));
  return (
    <div className="mt-3 grid gap-3 rounded-md border border-border p-3" role="region" aria-label={`Build ${b.id}`}>
      <p className="text-sm">
        From <code className="font-mono text-xs">{b.sourceRepository}</code> at <code className="font-mono text-xs">{b.sourceCommit}</code>
        {b.tag ? (
          <>
            , tagged <code className="font-mono text-xs">{b.tag}</code>
          </>
        ) : null}
        .
      </p>
      <div>
        <h4 className="mb-1 text-sm font-semibold">Verified artifacts</h4>
        {b.artifacts.length ? (
          <Table aria-label="Verified artifacts">
            <THead>
              <tr>
                <TH>Path</TH>
                <TH>sha256</TH>
                <TH>Size</TH>
                <TH>From</TH>
              </tr>
            </THead>
            <TBody>
              {b.artifacts.map((a) => (
                <TR key={a.path}>
                  <TD className="font-mono text-xs">{a.path}</TD>
                  <TD className="font-mono text-xs break-all">{a.sha256}</TD>
                  <TD className="whitespace-nowrap">{formatBytes(a.sizeBytes)}</TD>
                  <TD className="font-mono text-xs break-all">{a.uri}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        ) : (
          <p className="text-sm text-muted-fg">None verified{b.status === 'failed' ? ' (the build failed first)' : ''}.</p>
        )}
      </div>
      {labels.length ? (
        <div>
          <h4 className="mb-1 text-sm font-semibold">Labels</h4>
          <dl className="grid grid-cols-[minmax(0,22rem)_1fr] gap-x-4 gap-y-1 text-xs">
            {labels.map(([k, val]) => (
              <div key={k} className="contents">
                <dt className="font-mono break-all text-muted-fg">{k}</dt>
                <dd className="font-mono break-all">{val}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
      <div>
        <h4 className="mb-1 text-sm font-semibold">Log</h4>
        <pre className="max-h-96 overflow-auto rounded bg-muted p-2 font-mono text-xs whitespace-pre-wrap" aria-label="Build log">
          {b.log || 'No output yet.'}
        </pre>
      </div>
    </div>
  );
}
