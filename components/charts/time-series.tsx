'use client';
// A time-series chart: areas (stacked or not) or lines over buckets, with vertical markers for what changed the
// environment (deploys, rollout steps, rollbacks, aborts, bypasses), shaded alert spans, reference lines for
// objectives, a tooltip naming the bucket, every series and the markers in it, a legend, and an accessible name.
import type { ReactNode } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Marker } from '@/server/services/monitoring/types';
import { ChartFrame, Legend, TooltipBox } from './frame';
import { markersAt, type Row } from './shape';
import { AXIS, bucketLabel, MARKER_STYLE, niceCeil, timeTick } from './theme';

export interface SeriesDef {
  key: string;
  label: string;
  colour: string;
  /** area: filled (stacked when `stack` is set); line: a line with gaps where there is no value. */
  kind: 'area' | 'line';
  stack?: string;
  dash?: string;
}

export interface ReferenceDef {
  y: number;
  label: string;
}

/** What a marker says on hover and to assistive technology: what, who, why. */
export function describeMarker(m: Marker): string {
  const when = new Date(m.t).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const until = m.kind === 'alert' ? (m.endT ? ` until ${new Date(m.endT).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}` : ', still firing') : '';
  // Labels say what happened in words ("Deployed #2 100%"); only alerts are named by their kind.
  return `${m.kind === 'alert' ? 'Alert: ' : ''}${m.label}${m.actor ? ` by ${m.actor}` : ''}${m.reason ? ` — “${m.reason}”` : ''} (${when}${until})`;
}

export function TimeSeriesChart({
  title,
  description,
  rows,
  series,
  domain,
  stepSeconds,
  format,
  markers = [],
  references = [],
  empty,
  zeroIsData = false,
  counts = false,
  minTop,
  height = 220,
  yDomain,
  detail,
  actions,
}: {
  title: string;
  description?: string;
  rows: Row[];
  series: SeriesDef[];
  domain: [number, number];
  stepSeconds: number;
  format: (v: number) => string;
  markers?: Marker[];
  references?: ReferenceDef[];
  /** Said instead of the chart when no series has a value: why it is empty and what fills it. */
  empty: ReactNode;
  /** Zeros are figures here (no errors is news when there were requests), not the absence of data. */
  zeroIsData?: boolean;
  /** Whole numbers: no fractional ticks. */
  counts?: boolean;
  /** The least top of the value axis, so near-zero figures (a 0.1% error rate) are not drawn as if large. */
  minTop?: number;
  height?: number;
  yDomain?: [number | 'auto', number | 'auto'];
  /** More lines for the tooltip of a bucket (e.g. the percentiles not drawn). */
  detail?: (t: number) => ReactNode;
  /** Controls beside the title (e.g. which percentile is drawn). */
  actions?: ReactNode;
}) {
  const hasData = series.length > 0 && rows.some((r) => series.some((s) => r[s.key] !== null && r[s.key] !== undefined && (zeroIsData || s.kind === 'line' || r[s.key] !== 0)));
  const shown = markers.filter((m) => {
    const t = Date.parse(m.t);
    const end = m.kind === 'alert' ? (m.endT ? Date.parse(m.endT) : domain[1]) : t;
    return end >= domain[0] && t <= domain[1];
  });
  const lines = shown.filter((m) => m.kind !== 'alert');
  const alerts = shown.filter((m) => m.kind === 'alert');
  const summary = [
    description,
    hasData ? `${series.length} series: ${series.map((s) => s.label).join(', ')}.` : null,
    shown.length ? `${shown.length} marker${shown.length === 1 ? '' : 's'}: ${shown.map(describeMarker).join('; ')}.` : null,
  ]
    .filter(Boolean)
    .join(' ');
  const tick = timeTick(domain[1] - domain[0]);
  // A line with few values (traffic in a few buckets) is drawn with dots, or a lone value would not show at all.
  const sparse = new Set(series.filter((s) => s.kind === 'line' && rows.filter((r) => r[s.key] !== null && r[s.key] !== undefined).length <= 40).map((s) => s.key));

  return (
    <ChartFrame title={title} description={description} actions={actions} legend={hasData ? <Legend items={series.map((s) => ({ label: s.label, colour: s.colour, dash: s.dash, line: s.kind === 'line' }))} markers={lines} /> : null}>
      {hasData ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={rows} margin={{ top: 14, right: 12, bottom: 0, left: 0 }} role="img" aria-label={title} title={title} desc={summary}>
              <CartesianGrid stroke={AXIS.grid} vertical={false} />
              <XAxis dataKey="t" type="number" scale="time" domain={domain} allowDataOverflow tickFormatter={tick} tick={AXIS.tick} stroke={AXIS.stroke} minTickGap={24} />
              <YAxis allowDecimals={!counts} tickFormatter={format} tick={AXIS.tick} stroke={AXIS.stroke} width={AXIS.width} domain={yDomain ?? [0, (max: number) => niceCeil(Math.max(max, minTop ?? (counts ? 1 : 0)))]} allowDataOverflow={Boolean(yDomain)} />
              <Tooltip
                cursor={{ stroke: 'var(--muted-fg)', strokeDasharray: '3 3' }}
                isAnimationActive={false}
                content={({ active, label, payload }) =>
                  active && typeof label === 'number' ? (
                    <TooltipBox
                      heading={bucketLabel(label, stepSeconds)}
                      rows={(payload ?? [])
                        .filter((p) => p.value !== null && p.value !== undefined)
                        .map((p) => ({ label: String(p.name), colour: series.find((s) => s.key === p.dataKey)?.colour ?? 'var(--fg)', value: format(Number(p.value)) }))}
                      detail={detail?.(label)}
                      notes={markersAt(shown, label, stepSeconds).map(describeMarker)}
                    />
                  ) : null
                }
              />
              {alerts.map((m, i) => (
                <ReferenceArea
                  key={`alert-${i}`}
                  x1={Math.max(Date.parse(m.t), domain[0])}
                  x2={Math.min(m.endT ? Date.parse(m.endT) : domain[1], domain[1])}
                  fill="var(--danger)"
                  fillOpacity={0.1}
                  stroke="none"
                  ifOverflow="hidden"
                  className="chart-alert"
                />
              ))}
              {series.map((s) =>
                s.kind === 'area' ? (
                  <Area key={s.key} dataKey={s.key} name={s.label} type="stepAfter" stackId={s.stack} stroke={s.colour} fill={s.colour} fillOpacity={0.25} strokeWidth={1.5} isAnimationActive={false} connectNulls />
                ) : (
                  <Line key={s.key} dataKey={s.key} name={s.label} type="monotone" stroke={s.colour} strokeWidth={s.dash ? 1.25 : 1.75} strokeDasharray={s.dash} dot={sparse.has(s.key) ? { r: 2, fill: s.colour } : false} isAnimationActive={false} connectNulls={false} />
                ),
              )}
              {references.map((r) => (
                <ReferenceLine key={r.label} y={r.y} stroke="var(--danger)" strokeDasharray="6 4" ifOverflow="extendDomain" label={{ value: r.label, position: 'insideTopRight', fill: 'var(--danger)', fontSize: 11 }} />
              ))}
              {lines.map((m, i) => (
                <ReferenceLine key={`m-${i}`} x={Date.parse(m.t)} className="chart-marker" ifOverflow="hidden" shape={(p: { x1?: number; y1?: number; x2?: number; y2?: number }) => <MarkerShape {...p} marker={m} />} />
              ))}
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <p role="status" className="rounded-md border border-dashed border-border px-4 py-6 text-sm text-muted-fg">
          {empty}
        </p>
      )}
    </ChartFrame>
  );
}

/** A marker: the vertical line and a flag on top; hovering either shows what happened, who did it and why. */
function MarkerShape({ x1, y1, x2, y2, marker }: { x1?: number; y1?: number; x2?: number; y2?: number; marker: Marker }) {
  if (![x1, y1, x2, y2].every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
  const style = MARKER_STYLE[marker.kind];
  const text = describeMarker(marker);
  const top = Math.min(y1!, y2!);
  return (
    <g data-marker-kind={marker.kind} aria-label={text}>
      <title>{text}</title>
      <line x1={x1} y1={y1} x2={x2} y2={y2} stroke={style.colour} strokeWidth={1.5} strokeDasharray={style.dash} />
      {/* A wide transparent line makes the marker easy to hover. */}
      <line x1={x1} y1={y1} x2={x2} y2={y2} stroke="transparent" strokeWidth={9} />
      <path d={`M${x1! - 5},${top - 10} h10 l-5,7 z`} fill={style.colour} />
    </g>
  );
}
