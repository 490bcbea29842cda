'use client';
// Release comparison on the Monitoring page: one environment's releases side by side over the range — their
// totals with the difference from the release that served most, and their error rate and p95 over time.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useId } from 'react';
import { errorRate, pivotByRelease, releaseKey } from '@/components/charts/shape';
import { releaseColour } from '@/components/charts/theme';
import { TimeSeriesChart } from '@/components/charts/time-series';
import { formatMs, formatPercent, formatScore, formatUsd } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Card, CardHeader } from '@/components/ui/card';
import { Label, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { rangePhrase, type RangeInput } from './range-picker';

type Env = { service: string; environment: string; releases: number[]; requests: number };

/** "+12%" / "−3 ms": how a release differs from the reference one; empty for the reference itself. */
function delta(value: number | null, reference: number | null, show: (v: number) => string, relative: boolean): string {
  if (value === null || reference === null || value === reference) return '';
  if (relative && reference > 0) {
    const pct = ((value - reference) / reference) * 100;
    return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(0)}%`;
  }
  return `${value > reference ? '+' : '−'}${show(Math.abs(value - reference))}`;
}

export function ReleaseComparison({ environments, range, selected, onSelect }: { environments: Env[]; range: RangeInput; selected: string | null; onSelect: (key: string) => void }) {
  const trpc = useTRPC();
  const id = useId();
  // Without a choice: the busiest environment that ran more than one release, else the busiest.
  const fallback = [...environments].sort((a, b) => Number(b.releases.length > 1) - Number(a.releases.length > 1) || b.requests - a.requests)[0];
  const key = selected && environments.some((e) => `${e.service}/${e.environment}` === selected) ? selected : fallback ? `${fallback.service}/${fallback.environment}` : null;
  const [service, environment] = key ? key.split('/') : [undefined, undefined];
  const q = useQuery({
    ...trpc.monitoring.environment.queryOptions({ service: service ?? '', environment: environment ?? '', ...range }),
    enabled: Boolean(key),
    placeholderData: keepPreviousData,
  });
  const s = q.data;
  const totals = [...(s?.totals ?? [])].sort((a, b) => b.release - a.release);
  const reference = [...totals].sort((a, b) => b.requests - a.requests)[0];
  const domain: [number, number] = s ? [Date.parse(s.from), Date.parse(s.to)] : [0, 0];
  const releases = totals.map((t) => t.release);
  const defs = releases.map((r) => ({ key: releaseKey(r), label: r === 0 ? 'no release' : `#${r}`, colour: releaseColour(r), kind: 'line' as const }));
  const empty = <>No requests {rangePhrase(range)} in {key}: its releases have nothing to compare yet.</>;

  return (
    <Card role="region" aria-label="Release comparison">
      <CardHeader
        title="Release comparison"
        description={`An environment's releases side by side ${rangePhrase(range)}; differences are against the release that served the most requests.`}
        actions={
          environments.length ? (
            <div className="flex shrink-0 items-center gap-2">
              <Label htmlFor={id} className="sr-only">
                Environment to compare
              </Label>
              <Select id={id} className="w-52" value={key ?? ''} onChange={(e) => onSelect(e.target.value)}>
                {environments.map((e) => (
                  <option key={`${e.service}/${e.environment}`} value={`${e.service}/${e.environment}`}>
                    {e.service} / {e.environment}
                  </option>
                ))}
              </Select>
            </div>
          ) : null
        }
      />
      {!environments.length ? <Empty>No environments to compare.</Empty> : null}
      {q.isLoading ? <Loading /> : null}
      <LoadError error={q.error} />
      {s && !totals.length ? <Empty>{empty}</Empty> : null}
      {s && totals.length ? (
        <>
          <Table aria-label={`Releases of ${key}`}>
            <THead>
              <tr>
                <TH>Release</TH>
                <TH className="text-right">Requests</TH>
                <TH className="text-right whitespace-nowrap">Error rate</TH>
                <TH className="text-right">p50</TH>
                <TH className="text-right">p95</TH>
                <TH className="text-right">p99</TH>
                <TH className="text-right whitespace-nowrap">Cost / request</TH>
                <TH className="text-right">Feedback</TH>
              </tr>
            </THead>
            <TBody>
              {totals.map((t) => {
                const ref = reference && t.release !== reference.release ? reference : null;
                const cpr = t.requests ? t.costUsd / t.requests : null;
                const refCpr = ref?.requests ? ref.costUsd / ref.requests : null;
                const rate = errorRate(t);
                const cell = (v: number | null, r: number | null, show: (x: number) => string, relative: boolean) => (
                  <TD className="text-right tabular-nums whitespace-nowrap">
                    {v === null ? '—' : show(v)}
                    {ref ? <div className="text-xs text-muted-fg">{delta(v, r, show, relative)}</div> : null}
                  </TD>
                );
                return (
                  <TR key={t.release}>
                    <TD className="whitespace-nowrap">
                      <span className="mr-1.5 inline-block h-2.5 w-2.5 rounded-full align-middle" style={{ background: releaseColour(t.release) }} aria-hidden />
                      {t.release === 0 ? (
                        'no release'
                      ) : (
                        <Link href={`/releases/${s.service}/${t.release}`} className="font-medium text-primary hover:underline">
                          {s.service}#{t.release}
                        </Link>
                      )}
                      {ref ? null : <div className="text-xs text-muted-fg">reference</div>}
                    </TD>
                    <TD className="text-right tabular-nums">{t.requests.toLocaleString('en')}</TD>
                    {cell(rate, ref ? errorRate(ref) : null, formatPercent, false)}
                    {cell(t.p50, ref?.p50 ?? null, formatMs, true)}
                    {cell(t.p95, ref?.p95 ?? null, formatMs, true)}
                    {cell(t.p99, ref?.p99 ?? null, formatMs, true)}
                    {cell(cpr, refCpr, formatUsd, true)}
                    <TD className="text-right tabular-nums whitespace-nowrap">{t.feedbackCount ? `${formatScore(t.feedbackSum / t.feedbackCount)} (${t.feedbackCount})` : '—'}</TD>
                  </TR>
                );
              })}
            </TBody>
          </Table>
          <div className="grid grid-cols-1 gap-6 border-t border-border px-5 py-4 xl:grid-cols-2">
            <TimeSeriesChart title="Error rate per release" rows={pivotByRelease(s.points, s, releases, errorRate, null)} series={defs} domain={domain} stepSeconds={s.stepSeconds} format={formatPercent} minTop={0.01} markers={s.markers} empty={empty} />
            <TimeSeriesChart title="p95 latency per release" rows={pivotByRelease(s.points, s, releases, (p) => p.p95, null)} series={defs} domain={domain} stepSeconds={s.stepSeconds} format={formatMs} markers={s.markers} empty={empty} />
          </div>
        </>
      ) : null}
    </Card>
  );
}
