'use client';
// One feature's distribution in a drift report's two windows: bars per bin, reference beside current, as shares of
// each window (the windows hold different numbers of requests, so counts would not compare). The tooltip gives both
// shares and counts; the description names the bin that moved most, for assistive technology and for a quick read.
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DriftHistogram } from '@/db/schema';
import { ChartFrame, Legend, TooltipBox } from './frame';
import { histogramRows } from './shape';
import { AXIS, DRIFT_COLOURS } from './theme';

const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;

export function DriftHistogramChart({
  title,
  description,
  histogram,
  drifted,
  empty,
  referenceLabel = 'reference',
  currentLabel = 'current',
  height = 180,
}: {
  title: string;
  description?: string;
  histogram: DriftHistogram | null;
  /** Draws the current window in the danger colour. */
  drifted: boolean;
  /** Said instead of the chart when either window has no values: why, and what would fill it. */
  empty: ReactNode;
  referenceLabel?: string;
  currentLabel?: string;
  height?: number;
}) {
  const shaped = histogram ? histogramRows(histogram) : null;
  const current = drifted ? DRIFT_COLOURS.drifted : DRIFT_COLOURS.current;
  const legend = [
    { label: referenceLabel, colour: DRIFT_COLOURS.reference },
    { label: currentLabel, colour: current },
  ];
  const summary = shaped
    ? [
        description,
        `${shaped.rows.length} bins; ${referenceLabel} ${shaped.referenceTotal.toLocaleString('en')} values, ${currentLabel} ${shaped.currentTotal.toLocaleString('en')}.`,
        shaped.largest ? `Largest difference at ${shaped.largest.bin}: ${pct(shaped.largest.reference)} of ${referenceLabel}, ${pct(shaped.largest.current)} of ${currentLabel}.` : null,
      ]
        .filter(Boolean)
        .join(' ')
    : '';
  // Many bins on a narrow chart: labels thin out (the tooltip names every bin).
  return (
    <ChartFrame title={title} description={description} legend={shaped ? <Legend items={legend} /> : null}>
      {shaped ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={shaped.rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barCategoryGap="18%" barGap={1} role="img" aria-label={title} title={title} desc={summary}>
              <CartesianGrid stroke={AXIS.grid} vertical={false} />
              <XAxis dataKey="bin" tickFormatter={binTick} tick={AXIS.tick} stroke={AXIS.stroke} minTickGap={8} interval="preserveStartEnd" />
              <YAxis tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tick={AXIS.tick} stroke={AXIS.stroke} width={44} domain={[0, shareAxis(shaped.top).top]} ticks={shareAxis(shaped.top).ticks} allowDataOverflow />
              <Tooltip
                cursor={{ fill: 'var(--muted)', fillOpacity: 0.5 }}
                isAnimationActive={false}
                content={({ active, payload }) => {
                  const row = active ? (payload?.[0]?.payload as (typeof shaped.rows)[number] | undefined) : undefined;
                  return row ? (
                    <TooltipBox
                      heading={row.bin}
                      rows={[
                        { label: referenceLabel, colour: DRIFT_COLOURS.reference, value: `${pct(row.reference)} (${row.referenceCount.toLocaleString('en')})` },
                        { label: currentLabel, colour: current, value: `${pct(row.current)} (${row.currentCount.toLocaleString('en')})` },
                      ]}
                    />
                  ) : null;
                }}
              />
              <Bar dataKey="reference" name={referenceLabel} fill={DRIFT_COLOURS.reference} fillOpacity={0.55} isAnimationActive={false} maxBarSize={28} radius={[2, 2, 0, 0]} />
              <Bar dataKey="current" name={currentLabel} fill={current} fillOpacity={0.85} isAnimationActive={false} maxBarSize={28} radius={[2, 2, 0, 0]} />
            </BarChart>
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

/** A share axis with round ticks: steps of 5, 10 or 25 points up to the first step at or above the largest share. */
function shareAxis(max: number): { top: number; ticks: number[] } {
  const step = max <= 0.2 ? 0.05 : max <= 0.5 ? 0.1 : 0.25;
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  const ticks = Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(2)));
  return { top: ticks.at(-1)!, ticks };
}

/** Axis labels for bins: a numeric range `[120, 240)` shows its lower edge; a category keeps (up to 14 characters of) its name. */
function binTick(bin: string): string {
  const m = /^\[\s*([^,]+),/.exec(bin);
  if (m) return m[1]!.trim();
  return bin.length > 14 ? `${bin.slice(0, 13)}…` : bin;
}
