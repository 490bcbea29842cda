'use client';
// Monitoring's Drift panel: the latest environment-wide drift report of every environment (of the chosen service,
// or all), its verdict and the features that drifted with their method and statistic, linking to the
// environment's Drift tab.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatTime, relativeTime } from '@/components/format';
import { DASHBOARD_REFRESH_MS } from '@/components/monitoring/environment-charts';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { featureFigure, featureLabel, STATUS, textFigure, textLabel } from './drift-text';

export function DriftOverview({ service }: { service?: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.drift.latest.queryOptions({ service }, { refetchInterval: DASHBOARD_REFRESH_MS }));
  const reports = q.data ?? [];
  return (
    <Card role="region" aria-label="Drift">
      <CardHeader title="Drift" description={`The latest drift report of every environment${service ? ` of ${service}` : ''}: whether its traffic still looks like its reference window, and what moved.`} />
      {q.isLoading ? <Loading /> : null}
      <LoadError error={q.error} />
      {q.isSuccess && !reports.length ? <Empty>No drift reports yet. Environments with traffic are checked on their production-checks schedule (hourly by default), or from an environment’s Drift tab with Run now.</Empty> : null}
      {reports.length ? (
        <Table aria-label="Drift by environment">
          <THead>
            <tr>
              <TH>Environment</TH>
              <TH>Result</TH>
              <TH>What drifted</TH>
              <TH className="whitespace-nowrap">Checked</TH>
            </tr>
          </THead>
          <TBody>
            {reports.map((r) => {
              const drifted = [...r.features.filter((f) => f.drifted).map((f) => ({ name: featureLabel(f.feature), figure: featureFigure(f) })), ...r.text.filter((t) => t.drifted).map((t) => ({ name: textLabel(t.field), figure: textFigure(t) }))];
              const tested = r.features.filter((f) => !f.skipped).length + r.text.filter((t) => !t.skipped).length;
              return (
                <TR key={r.id}>
                  <TD className="whitespace-nowrap">
                    <Link href={`/services/${r.service}/environments/${r.environment}?tab=drift`} className="font-medium text-primary hover:underline">
                      {r.service} / {r.environment}
                    </Link>
                  </TD>
                  <TD>
                    <Badge tone={STATUS[r.status].tone}>{STATUS[r.status].word}</Badge>
                  </TD>
                  <TD className="min-w-64 text-sm">
                    {drifted.length ? (
                      <>
                        <span className="tabular-nums">
                          {drifted.length} of {tested}:
                        </span>{' '}
                        {drifted.map((d, i) => (
                          <span key={d.name} title={d.figure}>
                            {d.name}
                            {i < drifted.length - 1 ? ', ' : ''}
                          </span>
                        ))}
                      </>
                    ) : r.status === 'failed' ? (
                      (r.error ?? '—')
                    ) : r.status === 'insufficient' ? (
                      <span className="text-muted-fg">too few requests to test</span>
                    ) : (
                      <span className="text-muted-fg">nothing of {tested} tested</span>
                    )}
                  </TD>
                  <TD className="whitespace-nowrap text-muted-fg" title={formatTime(r.createdAt, { seconds: true })}>
                    {relativeTime(new Date(r.createdAt))}
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      ) : null}
    </Card>
  );
}
