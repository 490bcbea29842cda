'use client';
// Traffic on the overview: each production environment's SLOs against its last hour of live traffic, and what
// today's traffic has cost, per service.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatMs, formatPercent, formatUsd } from '@/components/format';
import { environmentHref } from '@/components/registry/routes';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';
import { FIGURES_REFRESH_MS, Panel } from './panel';

type Slo = RouterOutputs['overview']['slos'][number];
type Metric = Slo['objectives'][number]['metric'];

const METRICS: Record<Metric, { label: string; show: (v: number) => string }> = {
  'error-rate': { label: 'error rate', show: formatPercent },
  'p95-latency': { label: 'p95 latency', show: formatMs },
  'p95-ttft': { label: 'p95 TTFT', show: formatMs },
  'cost-per-request': { label: 'cost per request', show: formatUsd },
};

const STATE: Record<Slo['state'], { tone: 'success' | 'danger' | 'neutral'; label: string }> = {
  met: { tone: 'success', label: 'SLOs met' },
  breached: { tone: 'danger', label: 'SLO breached' },
  'no-traffic': { tone: 'neutral', label: 'no traffic' },
  'no-objectives': { tone: 'neutral', label: 'no SLOs set' },
};

export function SloStatus() {
  const trpc = useTRPC();
  const q = useQuery(trpc.overview.slos.queryOptions(undefined, { refetchInterval: FIGURES_REFRESH_MS }));
  return (
    <Panel
      title="SLOs in production"
      description="Each production environment's objectives against its live traffic of the last hour."
      query={q}
      empty={q.data && !q.data.length ? 'No production environment yet: an environment named production, or one that requires approvals, shows here.' : null}
    >
      <ul className="divide-y divide-border">
        {q.data?.map((e) => (
          <li key={`${e.service}/${e.environment}`} className="grid gap-1.5 px-5 py-3 text-sm">
            <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
              <Link href={environmentHref(e.service, e.environment)} className="font-medium text-primary hover:underline">
                {e.service}/{e.environment}
              </Link>
              <Badge tone={STATE[e.state].tone}>{STATE[e.state].label}</Badge>
              <span className="ml-auto text-xs text-muted-fg tabular-nums">
                {e.requests.toLocaleString('en')} request{e.requests === 1 ? '' : 's'} in the last hour
              </span>
            </div>
            {e.objectives.length ? (
              <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label={`Objectives of ${e.service}/${e.environment}`}>
                {e.objectives.map((o) => {
                  const m = METRICS[o.metric];
                  return (
                    <li key={o.metric} className={cn('tabular-nums', o.met === false ? 'font-medium text-danger' : o.met ? 'text-fg' : 'text-muted-fg')}>
                      {m.label} {o.value === null ? '—' : m.show(o.value)} <span className="text-muted-fg">(SLO ≤ {m.show(o.limit)})</span>
                      {o.met === false ? <span className="sr-only"> breached</span> : null}
                    </li>
                  );
                })}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

export function SpendToday() {
  const trpc = useTRPC();
  const q = useQuery(trpc.overview.spend.queryOptions(undefined, { refetchInterval: FIGURES_REFRESH_MS }));
  const s = q.data;
  return (
    <Panel
      title="Spend today"
      description="What live gateway traffic has cost since 00:00 UTC, at each model version's prices."
      actions={
        <Link href="/monitoring" className="text-sm whitespace-nowrap text-primary hover:underline">
          Cost by day
        </Link>
      }
      query={q}
      empty={null}
    >
      {s ? (
        <div className="grid gap-3 px-5 py-4 text-sm">
          <p>
            <span className="text-2xl font-semibold tabular-nums">{formatUsd(s.totalUsd)}</span>{' '}
            <span className="text-muted-fg">
              for {s.requests.toLocaleString('en')} request{s.requests === 1 ? '' : 's'}
            </span>
          </p>
          {s.services.length ? (
            <ul className="grid gap-1" aria-label="Spend by service">
              {s.services.map((x) => (
                <li key={x.service} className="flex items-baseline justify-between gap-3">
                  <Link href={`/services/${x.service}`} className="truncate text-primary hover:underline">
                    {x.service}
                  </Link>
                  <span className="tabular-nums whitespace-nowrap">
                    {formatUsd(x.costUsd)} <span className="text-xs text-muted-fg">· {x.requests.toLocaleString('en')} req</span>
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-muted-fg">No traffic through the gateway today.</p>
          )}
        </div>
      ) : null}
    </Panel>
  );
}
