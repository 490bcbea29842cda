'use client';
// A small chart for a table cell: requests over the range as an area, failed requests over it in the danger
// colour; no axes, the accessible name says what it shows.
import { Area, AreaChart } from 'recharts';
import { bucketGrid, type Span } from './shape';

export function Sparkline({ label, points, span, width = 120, height = 28 }: { label: string; points: { t: string; requests: number; errors: number }[]; span: Span; width?: number; height?: number }) {
  if (!points.some((p) => p.requests > 0)) return <span className="text-xs text-muted-fg">no traffic</span>;
  // Buckets without traffic are zeros, so a burst looks like one rather than a plateau between two points.
  const byTime = new Map(points.map((p) => [Date.parse(p.t), p]));
  const data = bucketGrid(span, [...byTime.keys()]).map((t) => ({ t, requests: byTime.get(t)?.requests ?? 0, errors: byTime.get(t)?.errors ?? 0 }));
  return (
    <AreaChart width={width} height={height} data={data} margin={{ top: 2, right: 0, bottom: 2, left: 0 }} role="img" aria-label={label} title={label} accessibilityLayer={false}>
      <Area dataKey="requests" type="monotone" stroke="var(--chart-1)" fill="var(--chart-1)" fillOpacity={0.2} strokeWidth={1.25} dot={false} isAnimationActive={false} />
      <Area dataKey="errors" type="monotone" stroke="var(--danger)" fill="var(--danger)" fillOpacity={0.3} strokeWidth={1} dot={false} isAnimationActive={false} />
    </AreaChart>
  );
}
