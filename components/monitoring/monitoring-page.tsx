'use client';
// The Monitoring page: every environment of every service (or of one, `?service=`) over the page's range with its
// figures and a sparkline, the latest drift report of each, a comparison of one environment's releases, and spend
// per day with the month's projection and budget.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useId } from 'react';
import { Sparkline } from '@/components/charts/sparkline';
import { DriftOverview } from '@/components/checks/drift-overview';
import { formatMs, formatPercent, formatUsd } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { Label, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { CostPanel } from './cost-panel';
import { DASHBOARD_REFRESH_MS } from './environment-charts';
import { RangePicker, rangePhrase, useRange, type RangeInput } from './range-picker';
import { ReleaseComparison } from './release-comparison';

/** The query string of the range, for links to an environment's page that keep it. */
export function rangeQuery(r: RangeInput): string {
  return 'range' in r ? `range=${r.range}` : `from=${encodeURIComponent(r.from)}&to=${encodeURIComponent(r.to)}`;
}

export function MonitoringPage() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const [range, setRange] = useRange();
  const service = params?.get('service') || undefined;
  const services = useQuery(trpc.services.list.queryOptions({}));
  const overview = useQuery({
    ...trpc.monitoring.overview.queryOptions({ ...range, service }),
    placeholderData: keepPreviousData,
    refetchInterval: 'range' in range ? DASHBOARD_REFRESH_MS : false,
  });
  const pickerId = useId();
  const setParam = (key: string, value: string | null) => {
    const next = new URLSearchParams(params?.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    if (key === 'service') next.delete('compare');
    router.push(`${pathname}?${next.toString()}`, { scroll: false });
  };
  const envs = overview.data?.environments ?? [];
  const phrase = rangePhrase(range);

  return (
    <>
      <PageHeader title="Monitoring" description="Traffic, errors, latency, cost and drift of every environment from gateway telemetry, per release, and what they spend per day." />
      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-2">
          <Label htmlFor={pickerId}>Service</Label>
          <Select id={pickerId} className="w-56" value={service ?? ''} onChange={(e) => setParam('service', e.target.value || null)}>
            <option value="">All services</option>
            {services.data?.map((s) => (
              <option key={s.id} value={s.name}>
                {s.name}
              </option>
            ))}
          </Select>
        </div>
        <RangePicker value={range} onChange={setRange} />
      </div>
      <div className="grid grid-cols-1 gap-6 *:min-w-0">
        <Card role="region" aria-label="Environments">
          <CardHeader title="Environments" description={`Every environment${service ? ` of ${service}` : ''} ${phrase}: requests, error rate, p95 latency and cost through the gateway.`} />
          {overview.isLoading ? <Loading /> : null}
          <LoadError error={overview.error} />
          {overview.isSuccess && !envs.length ? <Empty>{service ? `${service} has no environments.` : 'No services yet: create one on the Services page, deploy a release and send traffic through the gateway.'}</Empty> : null}
          {envs.length ? (
            <Table aria-label="Environments">
              <THead>
                <tr>
                  <TH>Environment</TH>
                  <TH className="text-right whitespace-nowrap">Requests</TH>
                  <TH className="text-right whitespace-nowrap">Error rate</TH>
                  <TH className="text-right whitespace-nowrap">p95</TH>
                  <TH className="text-right whitespace-nowrap">Cost</TH>
                  <TH>Releases</TH>
                  <TH>Requests and errors</TH>
                </tr>
              </THead>
              <TBody>
                {envs.map((e) => (
                  <TR key={`${e.service}/${e.environment}`}>
                    <TD className="whitespace-nowrap">
                      <Link href={`/services/${e.service}/environments/${e.environment}?${rangeQuery(range)}`} className="font-medium text-primary hover:underline">
                        {e.service} / {e.environment}
                      </Link>{' '}
                      {e.protected ? <Badge tone="info">protected</Badge> : null}
                    </TD>
                    <TD className="text-right tabular-nums">{e.requests.toLocaleString('en')}</TD>
                    <TD className="text-right tabular-nums">{e.errorRate === null ? '—' : formatPercent(e.errorRate)}</TD>
                    <TD className="text-right tabular-nums whitespace-nowrap">{e.p95 === null ? '—' : formatMs(e.p95)}</TD>
                    <TD className="text-right tabular-nums">{formatUsd(e.costUsd)}</TD>
                    <TD className="whitespace-nowrap">
                      {e.releases.length
                        ? e.releases.map((r) => (
                            <Link key={r} href={`/releases/${e.service}/${r}`} className="mr-2 text-primary hover:underline">
                              #{r}
                            </Link>
                          ))
                        : '—'}
                    </TD>
                    <TD>
                      <Sparkline label={`${e.service} / ${e.environment}: ${e.requests.toLocaleString('en')} requests ${phrase}`} points={e.spark} span={overview.data!} />
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          ) : null}
        </Card>
        <DriftOverview service={service} />
        <ReleaseComparison environments={envs} range={range} selected={params?.get('compare') ?? null} onSelect={(v) => setParam('compare', v)} />
        <CostPanel range={range} service={service} />
      </div>
    </>
  );
}
