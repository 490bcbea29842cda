'use client';
// The prompts of one service, each with its newest version and its labels.
import { useQuery } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { formatTime } from '@/components/format';
import { ServicePicker } from '@/components/registry/service-picker';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';

export function PromptsList({ service }: { service: string | null }) {
  const trpc = useTRPC();
  const canWrite = useCan('prompts:write');
  const list = useQuery(trpc.prompts.list.queryOptions({ service: service ?? '' }, { enabled: Boolean(service) }));

  return (
    <Card>
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-border px-5 py-4">
        <ServicePicker value={service} basePath="/prompts" />
        {service && canWrite ? (
          <Button asChild>
            <Link href={`/prompts/new?service=${service}`}>
              <Plus className="h-4 w-4" aria-hidden /> New prompt
            </Link>
          </Button>
        ) : null}
      </div>
      {!service ? <Empty>Choose a service to see its prompts.</Empty> : null}
      {list.data?.length ? (
        <Table aria-label={`Prompts of ${service}`}>
          <THead>
            <tr>
              <TH>Prompt</TH>
              <TH>Latest version</TH>
              <TH>Labels</TH>
              <TH>Versions</TH>
            </tr>
          </THead>
          <TBody>
            {list.data.map((p) => (
              <TR key={p.id}>
                <TD className="max-w-xs">
                  <Link href={`/prompts/${p.service}/${p.name}`} className="font-medium text-primary hover:underline">
                    {p.name}
                  </Link>
                  {p.description ? <div className="line-clamp-2 text-xs text-muted-fg">{p.description}</div> : null}
                </TD>
                <TD>
                  {p.latest ? (
                    <>
                      <Link href={`/prompts/${p.service}/${p.name}?v=${p.latest.version}`} className="hover:underline">
                        v{p.latest.version}
                      </Link>{' '}
                      <span className="text-xs text-muted-fg">{formatTime(p.latest.createdAt)}</span>
                      {p.latest.commitMessage ? <div className="line-clamp-1 text-xs text-muted-fg">{p.latest.commitMessage}</div> : null}
                    </>
                  ) : (
                    '—'
                  )}
                </TD>
                <TD>
                  <div className="flex flex-wrap gap-1">
                    {p.labels.length
                      ? p.labels.map((l) => (
                          <Badge key={l.name} tone={l.protected ? 'warning' : 'neutral'}>
                            {l.name} → v{l.version}
                          </Badge>
                        ))
                      : <span className="text-muted-fg">—</span>}
                  </div>
                </TD>
                <TD className="tabular-nums">{p.versionCount}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {service && list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.data && !list.data.length ? <Empty>{service} has no prompts yet.</Empty> : null}
    </Card>
  );
}
