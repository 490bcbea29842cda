'use client';
// One release: where it runs now, the model version and prompt versions it pins (with links), its config, notes and
// origin, its traffic in each environment where it ran; and Promote, to roll it out to an environment.
import { useQuery } from '@tanstack/react-query';
import { GitCompare } from 'lucide-react';
import Link from 'next/link';
import { formatPrice, formatTime } from '@/components/format';
import { JsonBlock, PlainText } from '@/components/registry/json-block';
import { RunsIn } from '@/components/registry/routes';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { PROVIDER_LABELS } from '@/components/models/models-list';
import { StatusBadge } from '@/components/models/status';
import { PromoteDialog } from '@/components/rollouts/promote-dialog';
import { ReleaseGates } from '@/components/gates/gate-status';
import { ReleaseTraffic } from '@/components/monitoring/release-traffic';

export function ReleaseDetail({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const release = useQuery(trpc.releases.get.queryOptions({ service, number }));
  const r = release.data;

  return (
    <>
      <Breadcrumbs items={[{ href: `/releases?service=${service}`, label: 'Releases' }, { href: `/services/${service}`, label: service }, { label: `#${number}` }]} />
      <PageHeader
        title={`${service}#${number}`}
        description={
          r ? (
            <>
              Created {formatTime(r.createdAt)} by {r.createdBy}
              <span className="mt-1 flex flex-wrap items-baseline gap-x-2">
                <span>Runs in</span>
                <RunsIn service={service} placements={r.runningIn} />
              </span>
            </>
          ) : undefined
        }
        actions={
          <div className="flex flex-wrap gap-2">
            {number > 1 ? (
              <Button variant="secondary" asChild>
                <Link href={`/releases/${service}/diff?from=${number - 1}&to=${number}`}>
                  <GitCompare className="h-4 w-4" aria-hidden /> Compare with #{number - 1}
                </Link>
              </Button>
            ) : null}
            {r ? <PromoteDialog service={service} release={number} /> : null}
          </div>
        }
      />
      {release.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={release.error} className="px-0" />
      {r ? (
        <div className="grid gap-6">
          <div className="grid gap-6 lg:grid-cols-2">
            <Card>
              <CardHeader title="Model" />
              <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-2 px-5 py-4 text-sm">
                <dt className="text-muted-fg">Version</dt>
                <dd>
                  <Link href={`/models/${r.model.model}?version=${r.model.version}`} className="font-medium text-primary hover:underline">
                    {r.model.ref}
                  </Link>{' '}
                  <StatusBadge status={r.model.status} />
                </dd>
                <dt className="text-muted-fg">Provider</dt>
                <dd>{PROVIDER_LABELS[r.model.providerKind]}</dd>
                <dt className="text-muted-fg">{r.model.providerKind === 'container' ? 'Image' : 'Base URL'}</dt>
                <dd className="font-mono text-xs break-all">{(r.model.providerKind === 'container' ? r.model.imageRef : r.model.baseUrl) ?? '—'}</dd>
                <dt className="text-muted-fg">Upstream model</dt>
                <dd className="font-mono text-xs">{r.model.upstreamModel}</dd>
                <dt className="text-muted-fg">Prices</dt>
                <dd>
                  {formatPrice(r.model.priceInputPer1M)} in / {formatPrice(r.model.priceOutputPer1M)} out per 1M tokens
                </dd>
              </dl>
            </Card>
            <Card>
              <CardHeader title="Origin" />
              <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-2 px-5 py-4 text-sm">
                <dt className="text-muted-fg">Source</dt>
                <dd>
                  <Badge>{r.source}</Badge>
                </dd>
                <dt className="text-muted-fg">Git commit</dt>
                <dd>{r.gitSha ? <code className="font-mono text-xs">{r.gitSha}</code> : '—'}</dd>
                <dt className="text-muted-fg">Created by</dt>
                <dd>{r.createdBy}</dd>
                <dt className="text-muted-fg">Notes</dt>
                <dd>
                  <PlainText text={r.notes} empty="No notes." />
                </dd>
              </dl>
            </Card>
          </div>
          <ReleaseTraffic service={service} number={number} />
          <Card>
            <CardHeader title="Gates" description="Each environment's required gates for this release, against the release that environment serves now; and any admin override." />
            <div className="px-5 py-4">
              <ReleaseGates service={service} release={number} />
            </div>
          </Card>
          <Card>
            <CardHeader title="Prompts" description="Pinned versions: moving a label later does not change this release." />
            {r.prompts.length ? (
              <Table aria-label="Prompts of the release">
                <THead>
                  <tr>
                    <TH>Prompt</TH>
                    <TH>Commit message</TH>
                    <TH>Author</TH>
                    <TH>Content hash</TH>
                  </tr>
                </THead>
                <TBody>
                  {r.prompts.map((p) => (
                    <TR key={p.id}>
                      <TD>
                        <Link href={`/prompts/${service}/${p.name}?v=${p.version}`} className="font-medium text-primary hover:underline">
                          {p.ref}
                        </Link>
                      </TD>
                      <TD className="max-w-sm text-muted-fg">{p.commitMessage || '—'}</TD>
                      <TD>{p.createdBy}</TD>
                      <TD className="font-mono text-xs text-muted-fg">{p.contentHash.slice(0, 12)}</TD>
                    </TR>
                  ))}
                </TBody>
              </Table>
            ) : (
              <p className="px-5 py-4 text-sm text-muted-fg">This release serves no prompt.</p>
            )}
          </Card>
          <Card>
            <CardHeader title="Config" />
            <div className="px-5 py-4">
              <JsonBlock value={r.config} label="Release config" />
            </div>
          </Card>
        </div>
      ) : null}
    </>
  );
}
