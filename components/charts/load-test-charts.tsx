'use client';
// A load test's charts: latency second by second for the candidate and the stable release (each drawn in the
// seconds of its own turns, joined across the other arm's), with the environment's objective as a reference line;
// and the percentiles of both arms side by side.
import { Bar, BarChart, CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LoadTestArm, LoadTestPoint } from '@/db/schema';
import { ChartFrame, Legend, TooltipBox } from './frame';
import { AXIS, niceCeil } from './theme';

const CANDIDATE = 'var(--primary)';
const STABLE = 'var(--muted-fg)';
/** Milliseconds under a second, seconds above (axis ticks stay short on a phone). */
const ms = (v: number) => (v >= 1000 ? `${Number((v / 1000).toFixed(v >= 10_000 ? 1 : 2))} s` : `${Math.round(v)} ms`);

type Metric = 'p50' | 'p95' | 'ttftP95';
const METRIC_WORDS: Record<Metric, string> = { p50: 'p50 latency', p95: 'p95 latency', ttftP95: 'p95 time to first token' };

/** One row per second: each arm's figure (null in the other arm's turns) and its request and error counts. */
function secondRows(series: LoadTestPoint[], metric: Metric) {
  const rows = new Map<number, { second: number; candidate: number | null; stable: number | null; candidateRequests: number; stableRequests: number; candidateErrors: number; stableErrors: number }>();
  for (const p of series) {
    const row = rows.get(p.second) ?? { second: p.second, candidate: null, stable: null, candidateRequests: 0, stableRequests: 0, candidateErrors: 0, stableErrors: 0 };
    if (p.arm === 'candidate') Object.assign(row, { candidate: p[metric], candidateRequests: p.requests, candidateErrors: p.errors });
    else Object.assign(row, { stable: p[metric], stableRequests: p.requests, stableErrors: p.errors });
    rows.set(p.second, row);
  }
  return [...rows.values()].sort((a, b) => a.second - b.second);
}

export function LoadTestTimeChart({
  series,
  metric,
  candidate,
  stable,
  objective,
  height = 220,
}: {
  series: LoadTestPoint[];
  metric: Metric;
  candidate: string;
  stable: string | null;
  /** The environment's objective for this figure, drawn as a line. */
  objective: number | null;
  height?: number;
}) {
  const rows = secondRows(series, metric);
  const title = `${METRIC_WORDS[metric]}, second by second`;
  const has = rows.some((r) => r.candidate !== null || r.stable !== null);
  const peak = (k: 'candidate' | 'stable') => Math.max(0, ...rows.map((r) => r[k] ?? 0));
  const summary = has ? `Over ${rows.length} seconds: candidate ${candidate} peaked at ${ms(peak('candidate'))}${stable ? `, stable ${stable} at ${ms(peak('stable'))}` : ''}${objective !== null ? `; objective ${ms(objective)}` : ''}.` : 'No answered requests to draw.';
  const items = [{ label: `${candidate} (candidate)`, colour: CANDIDATE, line: true }, ...(stable ? [{ label: `${stable} (stable)`, colour: STABLE, line: true }] : []), ...(objective !== null ? [{ label: 'objective', colour: 'var(--danger)', line: true, dash: '6 4' }] : [])];
  return (
    <ChartFrame title={title} description="By each request's scheduled second; the arms take turns, so each line joins its own turns." legend={has ? <Legend items={items} /> : null}>
      {has ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} role="img" aria-label={title} title={title} desc={summary}>
              <CartesianGrid stroke={AXIS.grid} vertical={false} />
              <XAxis dataKey="second" type="number" domain={['dataMin', 'dataMax']} tickFormatter={(s: number) => `${s} s`} tick={AXIS.tick} stroke={AXIS.stroke} allowDecimals={false} minTickGap={16} />
              <YAxis tickFormatter={ms} tick={AXIS.tick} stroke={AXIS.stroke} width={AXIS.width} domain={[0, (max: number) => niceCeil(Math.max(max, 1))]} />
              <Tooltip
                isAnimationActive={false}
                content={({ active, label, payload }) => {
                  if (!active || typeof label !== 'number') return null;
                  const row = rows.find((r) => r.second === label);
                  const notes = row ? [row.candidateRequests ? `candidate: ${row.candidateRequests} requests, ${row.candidateErrors} errors` : null, row.stableRequests ? `stable: ${row.stableRequests} requests, ${row.stableErrors} errors` : null].filter((n): n is string => Boolean(n)) : [];
                  return (
                    <TooltipBox
                      heading={`Second ${label}–${label + 1}`}
                      rows={(payload ?? []).filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ label: String(p.name), colour: String(p.color ?? 'var(--fg)'), value: ms(Number(p.value)) }))}
                      notes={notes}
                    />
                  );
                }}
              />
              {objective !== null ? <ReferenceLine y={objective} stroke="var(--danger)" strokeDasharray="6 4" ifOverflow="extendDomain" label={{ value: 'objective', position: 'insideTopRight', fill: 'var(--danger)', fontSize: 11 }} /> : null}
              <Line dataKey="candidate" name={`${candidate} (candidate)`} stroke={CANDIDATE} strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} connectNulls />
              {stable ? <Line dataKey="stable" name={`${stable} (stable)`} stroke={STABLE} strokeWidth={2} dot={{ r: 2 }} isAnimationActive={false} connectNulls /> : null}
            </LineChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <p role="status" className="rounded-md border border-dashed border-border px-4 py-6 text-sm text-muted-fg">
          No answered requests to draw{series.length ? ': every request failed' : ' yet'}.
        </p>
      )}
    </ChartFrame>
  );
}

/** An axis label word per line ("TTFT" over "p95"), so five groups fit a phone's width. */
function WordsTick({ x, y, payload }: { x?: number | string; y?: number | string; payload?: { value: string } }) {
  const words = String(payload?.value ?? '').split(' ');
  return (
    <text x={Number(x)} y={Number(y)} textAnchor="middle" fill={AXIS.tick.fill} fontSize={AXIS.tick.fontSize}>
      {words.map((w, i) => (
        <tspan key={i} x={Number(x)} dy={i ? 12 : 10}>
          {w}
        </tspan>
      ))}
    </text>
  );
}

export function LoadTestPercentileChart({ candidate, stable, candidateLabel, stableLabel, height = 200 }: { candidate: LoadTestArm; stable: LoadTestArm | null; candidateLabel: string; stableLabel: string | null; height?: number }) {
  const rows = [
    { name: 'p50', candidate: candidate.latencyMs.p50, stable: stable?.latencyMs.p50 ?? null },
    { name: 'p95', candidate: candidate.latencyMs.p95, stable: stable?.latencyMs.p95 ?? null },
    { name: 'p99', candidate: candidate.latencyMs.p99, stable: stable?.latencyMs.p99 ?? null },
    { name: 'TTFT p50', candidate: candidate.ttftMs.p50, stable: stable?.ttftMs.p50 ?? null },
    { name: 'TTFT p95', candidate: candidate.ttftMs.p95, stable: stable?.ttftMs.p95 ?? null },
  ].filter((r) => r.candidate !== null || r.stable !== null);
  const title = 'Latency percentiles';
  const summary = rows.map((r) => `${r.name}: candidate ${r.candidate === null ? '—' : ms(r.candidate)}${stable ? `, stable ${r.stable === null ? '—' : ms(r.stable)}` : ''}`).join('; ');
  const items = [{ label: `${candidateLabel} (candidate)`, colour: CANDIDATE }, ...(stable && stableLabel ? [{ label: `${stableLabel} (stable)`, colour: STABLE }] : [])];
  return (
    <ChartFrame title={title} description="Over each arm's answered requests, from the scheduled send time." legend={rows.length ? <Legend items={items} /> : null}>
      {rows.length ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} role="img" aria-label={title} title={title} desc={summary}>
              <CartesianGrid stroke={AXIS.grid} vertical={false} />
              <XAxis dataKey="name" tick={<WordsTick />} stroke={AXIS.stroke} interval={0} height={34} />
              <YAxis tickFormatter={ms} tick={AXIS.tick} stroke={AXIS.stroke} width={AXIS.width} domain={[0, (max: number) => niceCeil(Math.max(max, 1))]} />
              <Tooltip
                isAnimationActive={false}
                cursor={{ fill: 'var(--muted)', opacity: 0.4 }}
                content={({ active, label, payload }) =>
                  active ? <TooltipBox heading={String(label)} rows={(payload ?? []).filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ label: String(p.name), colour: String(p.color ?? 'var(--fg)'), value: ms(Number(p.value)) }))} /> : null
                }
              />
              <Bar dataKey="candidate" name={`${candidateLabel} (candidate)`} fill={CANDIDATE} isAnimationActive={false} maxBarSize={36} />
              {stable ? <Bar dataKey="stable" name={`${stableLabel} (stable)`} fill={STABLE} isAnimationActive={false} maxBarSize={36} /> : null}
            </BarChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <p role="status" className="rounded-md border border-dashed border-border px-4 py-6 text-sm text-muted-fg">
          No answered requests, so no percentiles.
        </p>
      )}
    </ChartFrame>
  );
}
