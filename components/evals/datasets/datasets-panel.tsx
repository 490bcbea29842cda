'use client';
// The datasets of one service, each with its newest version and case count, and the upload dialog.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useCan } from '@/components/viewer';
import { UploadDatasetDialog } from './upload-dialog';

export function DatasetsPanel({ service }: { service: string }) {
  const trpc = useTRPC();
  const canWrite = useCan('datasets:write');
  const list = useQuery(trpc.datasets.list.queryOptions({ service }));

  return (
    <Card role="region" aria-label="Datasets">
      <CardHeader title="Datasets" description="Versioned test cases. A change of cases is a new version; versions never change." actions={canWrite ? <UploadDatasetDialog service={service} /> : null} />
      {list.isLoading ? <Loading /> : null}
      <LoadError error={list.error} />
      {list.data && !list.data.length ? <Empty>No datasets yet. Upload a file of cases, push one with `slipway datasets push`, or add gateway samples from an environment page.</Empty> : null}
      {list.data?.length ? (
        <Table aria-label={`Datasets of ${service}`}>
          <THead>
            <tr>
              <TH>Dataset</TH>
              <TH>Latest version</TH>
              <TH className="text-right">Cases</TH>
              <TH className="text-right">Versions</TH>
            </tr>
          </THead>
          <TBody>
            {list.data.map((d) => (
              <TR key={d.id}>
                <TD className="max-w-xs">
                  <Link href={`/evals/${service}/datasets/${d.name}`} className="font-medium text-primary hover:underline">
                    {d.name}
                  </Link>
                  {d.description ? <div className="line-clamp-2 text-xs text-muted-fg">{d.description}</div> : null}
                </TD>
                <TD>
                  {d.latest ? (
                    <>
                      <span>v{d.latest.version}</span> <Badge tone="neutral">{d.latest.source}</Badge> <span className="text-xs text-muted-fg">{formatTime(d.latest.createdAt)}</span>
                      {d.latest.commitMessage ? <div className="line-clamp-1 text-xs text-muted-fg">{d.latest.commitMessage}</div> : null}
                    </>
                  ) : (
                    '—'
                  )}
                </TD>
                <TD className="text-right tabular-nums">{d.latest?.caseCount ?? '—'}</TD>
                <TD className="text-right tabular-nums">{d.versionCount}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
    </Card>
  );
}
