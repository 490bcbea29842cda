'use client';
// The charts of one environment's series (the whole environment, or one release of it): requests and errors
// stacked by release, latency and TTFT per release, cost per hour and per request, tokens and feedback, each with
// the environment's markers. The environment page and the release page draw them.
import { useState, type ReactNode } from 'react';
import { TimeSeriesChart, type SeriesDef } from '@/components/charts/time-series';
import { costPerHour, costPerRequest, feedbackMean, pivotByRelease, releaseKey, releasesOf, type Row } from '@/components/charts/shape';
import { compact, releaseColour } from '@/components/charts/theme';
import { formatMs, formatScore, formatUsd } from '@/components/format';
import { Segmented } from '@/components/ui/segmented';
import type { Slos } from '@/db/schema';
import type { EnvironmentSeries, SeriesPoint } from '@/server/services/monitoring/types';

const PERCENTILES = ['p50', 'p95', 'p99'] as const;
type Percentile = (typeof PERCENTILES)[number];
const TTFT = { p50: 'ttftP50', p95: 'ttftP95', p99: 'ttftP99' } as const;

export function SeriesCharts({ series: s, empty, slos, only }: { series: EnvironmentSeries; empty: ReactNode; slos?: Slos | null; only?: number }) {
  const [pct, setPct] = useState<Percentile>('p95');
  const releases = releasesOf(s.releases, s.points).filter((r) => only === undefined || r === only);
  const domain: [number, number] = [Date.parse(s.from), Date.parse(s.to)];
  const pivot = (value: (p: SeriesPoint) => number | null, fill: 0 | null) => pivotByRelease(s.points, s, releases, value, fill);
  const name = (r: number) => (r === 0 ? 'no release' : `${s.service}#${r}`);
  const defs = (kind: SeriesDef['kind'], stack?: string): SeriesDef[] => releases.map((r) => ({ key: releaseKey(r), label: name(r), colour: releaseColour(r), kind, stack }));
  const byKey = new Map<string, SeriesPoint>(s.points.map((p) => [`${Date.parse(p.t)}:${p.release}`, p]));
  const step = s.stepSeconds;
  const stepWords = step % 3600 === 0 ? `${step / 3600} h` : `${step / 60} min`;
  const common = { domain, stepSeconds: step, markers: s.markers, empty };
  // The percentiles not drawn, for the tooltip: every release's p50/p95/p99 in the bucket.
  const percentiles = (fields: readonly [keyof SeriesPoint, keyof SeriesPoint, keyof SeriesPoint]) => (t: number) => {
    const lines = releases
      .map((r) => [r, byKey.get(`${t}:${r}`)] as const)
      .filter(([, p]) => p && p[fields[1]] !== null)
      .map(([r, p]) => `${name(r)}: ${fields.map((f) => (p![f] === null ? '—' : formatMs(p![f] as number))).join(' / ')}`);
    return lines.length ? <p className="mt-1 text-muted-fg">p50 / p95 / p99 — {lines.join('; ')}</p> : null;
  };
  const tokens = (t: number) => {
    const lines = releases
      .map((r) => [r, byKey.get(`${t}:${r}`)] as const)
      .filter(([, p]) => p)
      .map(([r, p]) => `${name(r)}: ${p!.inputTokens.toLocaleString('en')} in / ${p!.outputTokens.toLocaleString('en')} out`);
    return lines.length ? <p className="mt-1 text-muted-fg">{lines.join('; ')}</p> : null;
  };
  const rows = (value: (p: SeriesPoint) => number | null, fill: 0 | null): Row[] => pivot(value, fill);

  const picker = <Segmented label="Percentile" options={PERCENTILES.map((p) => ({ id: p, label: p }))} value={pct} onChange={setPct} />;

  return (
    <div className="grid grid-cols-1 gap-x-6 gap-y-8 xl:grid-cols-2">
      <TimeSeriesChart {...common} title="Requests" description={`Per ${stepWords}, stacked by release.`} rows={rows((p) => p.requests, 0)} series={defs('area', 'requests')} format={compact} counts />
      <TimeSeriesChart {...common} title="Errors" description={`Failed requests per ${stepWords}, stacked by release.`} rows={rows((p) => p.errors, 0)} series={defs('area', 'errors')} format={compact} counts zeroIsData={s.points.length > 0} />
      <TimeSeriesChart
        {...common}
        title="Latency"
        description={`${pct} per release (also drawn on TTFT); the tooltip has all three.`}
        rows={rows((p) => p[pct], null)}
        series={defs('line')}
        format={formatMs}
        references={slos?.p95LatencyMs != null && pct === 'p95' ? [{ y: slos.p95LatencyMs, label: `p95 SLO ${formatMs(slos.p95LatencyMs)}` }] : []}
        detail={percentiles(['p50', 'p95', 'p99'])}
        actions={picker}
      />
      <TimeSeriesChart
        {...common}
        title="Time to first token"
        description={`${pct} of streamed answers per release.`}
        rows={rows((p) => p[TTFT[pct]], null)}
        series={defs('line')}
        format={formatMs}
        references={slos?.p95TtftMs != null && pct === 'p95' ? [{ y: slos.p95TtftMs, label: `p95 TTFT SLO ${formatMs(slos.p95TtftMs)}` }] : []}
        detail={percentiles(['ttftP50', 'ttftP95', 'ttftP99'])}
        empty={<>No streamed answers in this range: TTFT is measured on requests with <code className="font-mono text-xs">stream: true</code>.</>}
      />
      <TimeSeriesChart {...common} title="Cost per hour" description="Spend rate per release, stacked." rows={rows((p) => costPerHour(p, step), 0)} series={defs('area', 'cost')} format={formatUsd} />
      <TimeSeriesChart
        {...common}
        title="Cost per request"
        description="Mean per release."
        rows={rows(costPerRequest, null)}
        series={defs('line')}
        format={formatUsd}
        references={slos?.maxCostPerRequestUsd != null ? [{ y: slos.maxCostPerRequestUsd, label: `SLO ${formatUsd(slos.maxCostPerRequestUsd)}` }] : []}
      />
      <TimeSeriesChart {...common} title="Tokens" description={`Input and output tokens per ${stepWords}, stacked by release.`} rows={rows((p) => p.inputTokens + p.outputTokens, 0)} series={defs('area', 'tokens')} format={compact} counts detail={tokens} />
      <TimeSeriesChart
        {...common}
        title="Feedback"
        description="Mean score per release (−1 to 1)."
        rows={rows(feedbackMean, null)}
        series={defs('line')}
        format={formatScore}
        yDomain={[-1, 1]}
        empty={<>No feedback in this range: applications send it with <code className="font-mono text-xs">POST …/v1/feedback</code> and the request id.</>}
      />
    </div>
  );
}
