'use client';
// A small chart for a table cell: requests over the range as an area, failed requests over it in the danger
// colour; no axes, the accessible name says what it shows.
import { Area, AreaChart } from 'recharts';

export function Sparkline({ label, points, width = 120, height = 28 }: { label: string; points: { t: string; requests: number; errors: number }[]; width?: number; height?: number }) {
  if (!points.some((p) => p.requests > 0)) return <span className="text-xs text-muted-fg">no traffic</span>;
  const data = points.map((p) => ({ t: Date.parse(p.t), requests: p.requests, errors: p.errors }));
  return (
    <AreaChart width={width} height={height} data={data} margin={{ top: 2, right: 0, bottom: 2, left: 0 }} role="img" aria-label={label} title={label} accessibilityLayer={false}>
      <Area dataKey="requests" type="monotone" stroke="var(--chart-1)" fill="var(--chart-1)" fillOpacity={0.2} strokeWidth={1.25} dot={false} isAnimationActive={false} />
      <Area dataKey="errors" type="monotone" stroke="var(--danger)" fill="var(--danger)" fillOpacity={0.3} strokeWidth={1} dot={false} isAnimationActive={false} />
    </AreaChart>
  );
}
