'use client';
// A rollout's analysis windows: the candidate's and the stable arm's figure per window, the environment's SLO as
// a reference line and what the candidate was allowed against the stable arm as a dashed line.
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame, Legend, TooltipBox } from './frame';
import type { AnalysisWindow } from './shape';
import { AXIS, niceCeil } from './theme';

const METRICS = {
  // minTop: the least top of the axis, so a 0% error rate is not drawn on a 0–400% scale.
  error: { candidate: 'candidateErrorRate', stable: 'stableErrorRate', allowed: 'allowedErrorRate', title: 'Error rate per analysis window', minTop: 0.01 },
  p95: { candidate: 'candidateP95', stable: 'stableP95', allowed: 'allowedP95', title: 'p95 latency per analysis window', minTop: 1 },
} as const;

export function AnalysisChart({
  metric,
  windows,
  candidate,
  stable,
  slo,
  sloLabel,
  allowedLabel,
  format,
  height = 180,
}: {
  metric: keyof typeof METRICS;
  windows: AnalysisWindow[];
  candidate: string;
  stable: string | null;
  slo: number | null;
  sloLabel: string;
  allowedLabel: string;
  format: (v: number) => string;
  height?: number;
}) {
  const m = METRICS[metric];
  const hasAllowed = windows.some((w) => w[m.allowed] !== null);
  const values = windows.filter((w) => w[m.candidate] !== null || w[m.stable] !== null);
  const last = windows.at(-1);
  const summary = last
    ? `${windows.length} window${windows.length === 1 ? '' : 's'}; latest (${last.label}): candidate ${last[m.candidate] === null ? 'no figure' : format(last[m.candidate]!)}, stable ${last[m.stable] === null ? 'no figure' : format(last[m.stable]!)}${slo !== null ? `; SLO ${format(slo)}` : ''}.`
    : 'No analysis windows yet.';
  const items = [
    { label: candidate, colour: 'var(--primary)', line: true },
    ...(stable ? [{ label: stable, colour: 'var(--muted-fg)', line: true }] : []),
    ...(hasAllowed ? [{ label: allowedLabel, colour: 'var(--warning)', line: true, dash: '4 3' }] : []),
    ...(slo !== null ? [{ label: sloLabel, colour: 'var(--danger)', line: true, dash: '6 4' }] : []),
  ];
  return (
    <ChartFrame title={m.title} legend={values.length ? <Legend items={items} /> : null}>
      {values.length ? (
        <div style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={windows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} role="img" aria-label={m.title} title={m.title} desc={summary}>
              <CartesianGrid stroke={AXIS.grid} vertical={false} />
              <XAxis dataKey="label" tick={AXIS.tick} stroke={AXIS.stroke} minTickGap={12} />
              <YAxis tickFormatter={format} tick={AXIS.tick} stroke={AXIS.stroke} width={AXIS.width} domain={[0, (max: number) => niceCeil(Math.max(max, m.minTop))]} />
              <Tooltip
                isAnimationActive={false}
                content={({ active, label, payload }) =>
                  active ? (
                    <TooltipBox
                      heading={`${String(label)} · ${windows.find((w) => w.label === label)?.verdict ?? ''}`}
                      rows={(payload ?? []).filter((p) => p.value !== null && p.value !== undefined).map((p) => ({ label: String(p.name), colour: String(p.color ?? 'var(--fg)'), value: format(Number(p.value)) }))}
                      notes={slo !== null ? [`${sloLabel}: ${format(slo)}`] : []}
                    />
                  ) : null
                }
              />
              {slo !== null ? <ReferenceLine y={slo} stroke="var(--danger)" strokeDasharray="6 4" ifOverflow="extendDomain" label={{ value: sloLabel, position: 'insideTopRight', fill: 'var(--danger)', fontSize: 11 }} /> : null}
              <Line dataKey={m.candidate} name={candidate} stroke="var(--primary)" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} connectNulls />
              {stable ? <Line dataKey={m.stable} name={stable} stroke="var(--muted-fg)" strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} connectNulls /> : null}
              {hasAllowed ? <Line dataKey={m.allowed} name={allowedLabel} stroke="var(--warning)" strokeWidth={1.25} strokeDasharray="4 3" dot={false} isAnimationActive={false} connectNulls type="stepAfter" /> : null}
            </LineChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <p role="status" className="rounded-md border border-dashed border-border px-4 py-6 text-sm text-muted-fg">
          No figures yet: each analysis window adds a point once the candidate has traffic.
        </p>
      )}
    </ChartFrame>
  );
}
