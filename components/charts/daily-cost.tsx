'use client';
// Cost charts over days: spend per day stacked by a group (service, model version or release), and the month so
// far — cumulative spend, the projection to the month's end, and the budget when one is set.
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatUsd } from '@/components/format';
import { ChartFrame, Legend, TooltipBox } from './frame';
import type { MonthRow } from './shape';
import { AXIS, niceCeil, seriesColour } from './theme';

const dayTick = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

export function DailyCostChart({ title, description, rows, groups, empty, actions, height = 240 }: { title: string; description?: string; rows: ({ day: string } & Record<string, number | string>)[]; groups: string[]; empty: ReactNode; actions?: ReactNode; height?: number }) {
  const total = rows.reduce((n, r) => n + groups.reduce((m, _g, i) => m + Number(r[`g${i}`] ?? 0), 0), 0);
  const summary = `${description ?? ''} ${rows.length} days, ${formatUsd(total)} in all, across ${groups.length} group${groups.length === 1 ? '' : 's'}: ${groups.join(', ')}.`;
  return (
    <ChartFrame title={title} description={description} actions={actions} legend={rows.length ? <Legend items={groups.map((g, i) => ({ label: g, colour: seriesColour(i) }))} /> : null}>
      {rows.length ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} role="img" aria-label={title} title={title} desc={summary}>
              <CartesianGrid stroke={AXIS.grid} vertical={false} />
              <XAxis dataKey="day" tickFormatter={dayTick} tick={AXIS.tick} stroke={AXIS.stroke} minTickGap={16} />
              <YAxis tickFormatter={formatUsd} tick={AXIS.tick} stroke={AXIS.stroke} width={AXIS.width} domain={[0, niceCeil]} />
              <Tooltip
                cursor={{ fill: 'var(--muted)', fillOpacity: 0.5 }}
                isAnimationActive={false}
                content={({ active, label, payload }) =>
                  active ? (
                    <TooltipBox
                      heading={`${dayTick(String(label))} · ${formatUsd((payload ?? []).reduce((n, p) => n + Number(p.value ?? 0), 0))}`}
                      rows={(payload ?? [])
                        .filter((p) => Number(p.value) > 0)
                        .reverse()
                        .map((p) => ({ label: String(p.name), colour: String(p.color ?? 'var(--fg)'), value: formatUsd(Number(p.value)) }))}
                    />
                  ) : null
                }
              />
              {groups.map((g, i) => (
                <Bar key={g} dataKey={`g${i}`} name={g} stackId="cost" fill={seriesColour(i)} fillOpacity={0.85} isAnimationActive={false} maxBarSize={36} />
              ))}
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

export function MonthChart({ title, rows, budgetUsd, budgetLabel, height = 200 }: { title: string; rows: MonthRow[]; budgetUsd: number | null; budgetLabel: string; height?: number }) {
  const spent = [...rows].reverse().find((r) => r.spent !== null)?.spent ?? 0;
  const projected = rows.at(-1)?.projected ?? spent;
  const summary = `${formatUsd(spent)} spent this month, ${formatUsd(projected)} projected by its end${budgetUsd !== null ? `, against a budget of ${formatUsd(budgetUsd)}` : ''}.`;
  return (
    <ChartFrame
      title={title}
      description={summary}
      legend={
        <Legend
          items={[
            { label: 'spent so far', colour: 'var(--chart-1)', line: true },
            { label: 'projection', colour: 'var(--chart-1)', line: true, dash: '5 4' },
            ...(budgetUsd !== null ? [{ label: budgetLabel, colour: 'var(--danger)', line: true, dash: '6 4' }] : []),
          ]}
        />
      }
    >
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} role="img" aria-label={title} title={title} desc={summary}>
            <CartesianGrid stroke={AXIS.grid} vertical={false} />
            <XAxis dataKey="day" tickFormatter={dayTick} tick={AXIS.tick} stroke={AXIS.stroke} minTickGap={16} />
            <YAxis tickFormatter={formatUsd} tick={AXIS.tick} stroke={AXIS.stroke} width={AXIS.width} domain={[0, niceCeil]} />
            <Tooltip
              isAnimationActive={false}
              content={({ active, label, payload }) =>
                active ? (
                  <TooltipBox
                    heading={dayTick(String(label))}
                    rows={(payload ?? []).filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ label: String(p.name), colour: 'var(--chart-1)', value: formatUsd(Number(p.value)) }))}
                  />
                ) : null
              }
            />
            {budgetUsd !== null ? <ReferenceLine y={budgetUsd} stroke="var(--danger)" strokeDasharray="6 4" ifOverflow="extendDomain" label={{ value: budgetLabel, position: 'insideTopLeft', fill: 'var(--danger)', fontSize: 11 }} /> : null}
            <Line dataKey="spent" name="spent so far" stroke="var(--chart-1)" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls={false} />
            <Line dataKey="projected" name="projection" stroke="var(--chart-1)" strokeWidth={1.5} strokeDasharray="5 4" dot={false} isAnimationActive={false} connectNulls={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </ChartFrame>
  );
}
