'use client';
// The release page's traffic panel: in each environment where the release had traffic over the range, its
// requests and errors, latency percentiles and cost per hour, with the environment's markers.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { costPerHour, pivotFields } from '@/components/charts/shape';
import { compact } from '@/components/charts/theme';
import { TimeSeriesChart } from '@/components/charts/time-series';
import { formatMs, formatPercent, formatUsd } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { DASHBOARD_REFRESH_MS } from './environment-charts';
import { RangePicker, rangePhrase, useRange } from './range-picker';

export function ReleaseTraffic({ service, number }: { service: string; number: number }) {
  const trpc = useTRPC();
  const [range, setRange] = useRange();
  const q = useQuery({ ...trpc.monitoring.release.queryOptions({ service, number, ...range }), placeholderData: keepPreviousData, refetchInterval: 'range' in range ? DASHBOARD_REFRESH_MS : false });
  const phrase = rangePhrase(range);
  return (
    <Card role="region" aria-label="Traffic by environment">
      <CardHeader title="Traffic by environment" description={`Requests, latency and cost of ${service}#${number} ${phrase} in each environment where it answered requests through the gateway.`} actions={<RangePicker value={range} onChange={setRange} />} />
      {q.isLoading ? <Loading /> : null}
      <LoadError error={q.error} />
      {q.data && !q.data.environments.length ? (
        <Empty>
          No requests to {service}#{number} {phrase}. Once it is deployed to an environment (Promote above) and applications call that environment through the gateway, its traffic shows here per environment.
        </Empty>
      ) : null}
      {q.data?.environments.map((s) => {
        const domain: [number, number] = [Date.parse(s.from), Date.parse(s.to)];
        const total = s.totals.find((t) => t.release === number);
        const common = { domain, stepSeconds: s.stepSeconds, markers: s.markers, empty: <>No requests to #{number} in {s.environment} {phrase}.</> };
        return (
          <section key={s.environment} aria-label={`In ${s.environment}`} className="border-t border-border px-5 py-4 first-of-type:border-t-0">
            <h3 className="mb-1 text-sm font-semibold">
              <Link href={`/services/${service}/environments/${s.environment}`} className="text-primary hover:underline">
                {s.environment}
              </Link>
            </h3>
            {total ? (
              <p className="mb-4 text-xs text-muted-fg">
                {total.requests.toLocaleString('en')} requests · error rate {total.requests ? formatPercent(total.errors / total.requests) : '—'} · p95 {total.p95 === null ? '—' : formatMs(total.p95)} · {formatUsd(total.costUsd)}
                {total.requests ? ` (${formatUsd(total.costUsd / total.requests)} per request)` : ''}
              </p>
            ) : null}
            <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
              <TimeSeriesChart
                {...common}
                title={`Requests in ${s.environment}`}
                rows={pivotFields(s.points, s, { requests: (p) => p.requests - p.errors, errors: (p) => p.errors }, 0)}
                series={[
                  { key: 'requests', label: 'answered', colour: 'var(--chart-1)', kind: 'area', stack: 'r' },
                  { key: 'errors', label: 'failed', colour: 'var(--danger)', kind: 'area', stack: 'r' },
                ]}
                format={compact}
                counts
              />
              <TimeSeriesChart
                {...common}
                title={`Latency in ${s.environment}`}
                rows={pivotFields(s.points, s, { p50: (p) => p.p50, p95: (p) => p.p95, p99: (p) => p.p99 }, null)}
                series={[
                  { key: 'p50', label: 'p50', colour: 'var(--chart-3)', kind: 'line' },
                  { key: 'p95', label: 'p95', colour: 'var(--chart-1)', kind: 'line' },
                  { key: 'p99', label: 'p99', colour: 'var(--chart-4)', kind: 'line', dash: '4 3' },
                ]}
                format={formatMs}
              />
              <TimeSeriesChart
                {...common}
                title={`Cost per hour in ${s.environment}`}
                rows={pivotFields(s.points, s, { cost: (p) => costPerHour(p, s.stepSeconds) }, 0)}
                series={[{ key: 'cost', label: 'cost per hour', colour: 'var(--chart-2)', kind: 'area' }]}
                format={formatUsd}
              />
            </div>
          </section>
        );
      })}
    </Card>
  );
}
