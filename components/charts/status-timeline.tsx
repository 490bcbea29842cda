'use client';
// Status over time, one row per item (a drift report's features): each check is a cell from its time until the
// next check, coloured by what it found (drifted, not drifted, not tested), with the release markers (deploys,
// rollout steps, rollbacks) drawn across every row. Hovering a column names each row's result there; clicking it
// opens that check when the cells carry a link. The accessible name is the title; the description counts the
// checks and the drifts per row, and names the markers.
import { useRouter } from 'next/navigation';
import { useId, useRef, useState, type ReactNode } from 'react';
import type { Marker } from '@/server/services/monitoring/types';
import { ChartFrame, Legend, TooltipBox } from './frame';
import { statusCells, type StatusRow } from './shape';
import { DRIFT_COLOURS, MARKER_STYLE, timeTick } from './theme';
import { describeMarker } from './time-series';

export type { StatusPoint, StatusRow } from './shape';

const FILL: Record<'drift' | 'ok' | 'untested', { colour: string; opacity: number; word: string }> = {
  drift: { colour: DRIFT_COLOURS.drifted, opacity: 0.85, word: 'drift' },
  ok: { colour: DRIFT_COLOURS.stable, opacity: 0.35, word: 'no drift' },
  untested: { colour: DRIFT_COLOURS.untested, opacity: 0.15, word: 'not tested' },
};

export function StatusTimeline({
  title,
  description,
  rows,
  domain,
  markers = [],
  holdMs,
  empty,
}: {
  title: string;
  description?: string;
  rows: StatusRow[];
  domain: [number, number];
  markers?: Marker[];
  /** How long the last check holds when no later one follows (e.g. the schedule's interval); default the usual gap. */
  holdMs?: number;
  empty: ReactNode;
}) {
  const router = useRouter();
  const descId = useId();
  const track = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<{ x: number; t: number } | null>(null);
  const cells = statusCells(rows, domain, holdMs);
  const span = domain[1] - domain[0];
  const pos = (t: number) => `${(((t - domain[0]) / span) * 100).toFixed(3)}%`;
  const shown = markers.filter((m) => m.kind !== 'alert' && Date.parse(m.t) >= domain[0] && Date.parse(m.t) <= domain[1]);
  const checks = new Set(cells.flatMap((r) => r.cells.map((c) => c.t))).size;
  const summary = [
    description,
    checks ? `${checks} check${checks === 1 ? '' : 's'}.` : null,
    ...cells.map((r) => {
      const drifts = r.cells.filter((c) => c.state === 'drift').length;
      const tested = r.cells.filter((c) => c.state !== 'untested').length;
      return `${r.label}: ${drifts ? `drift in ${drifts} of ${tested} tested` : tested ? `no drift in ${tested} tested` : 'never tested'}.`;
    }),
    shown.length ? `${shown.length} release marker${shown.length === 1 ? '' : 's'}: ${shown.map(describeMarker).join('; ')}.` : null,
  ]
    .filter(Boolean)
    .join(' ');
  const tick = timeTick(span);
  const ticks = roundTicks(domain, 6);
  // The column under the pointer: every row's cell that covers that instant.
  const at = hover ? cells.map((r) => ({ row: r, cell: r.cells.find((c) => c.from <= hover.t && hover.t < c.to) ?? null })) : [];
  const column = at.find((a) => a.cell)?.cell ?? null;
  const near = hover ? shown.filter((m) => Math.abs(Date.parse(m.t) - hover.t) <= span / 100) : [];

  const onMove = (e: React.MouseEvent) => {
    const box = track.current?.getBoundingClientRect();
    if (!box || box.width <= 0) return;
    const ratio = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
    setHover({ x: e.clientX - box.left, t: domain[0] + ratio * span });
  };

  return (
    <ChartFrame
      title={title}
      description={description}
      legend={
        checks ? (
          <Legend
            items={(['drift', 'ok', 'untested'] as const).map((s) => ({ label: FILL[s].word, colour: FILL[s].colour, opacity: FILL[s].opacity }))}
            markers={shown}
          />
        ) : null
      }
    >
      {checks ? (
        <div role="img" aria-label={title} aria-describedby={descId} className="grid grid-cols-[minmax(5.5rem,9rem)_minmax(0,1fr)] gap-x-3">
          <p id={descId} className="sr-only">
            {summary}
          </p>
          <ul aria-hidden className="grid content-start gap-1">
            {cells.map((r) => (
              <li key={r.key} className="flex h-5 items-center justify-end truncate text-right text-xs text-muted-fg" title={r.label}>
                <span className="truncate">{r.label}</span>
              </li>
            ))}
          </ul>
          <div aria-hidden className="relative min-w-0">
            <div ref={track} className="relative grid cursor-crosshair gap-1" onMouseMove={onMove} onMouseLeave={() => setHover(null)} onClick={() => column?.href && router.push(column.href, { scroll: false })}>
              {cells.map((r) => (
                <div key={r.key} className="relative h-5 overflow-hidden rounded-sm bg-muted/60">
                  {r.cells.map((c) => (
                    <span
                      key={c.t}
                      data-state={c.state}
                      className="absolute inset-y-0 border-r border-card"
                      style={{ left: pos(c.from), width: `calc(${pos(c.to)} - ${pos(c.from)})`, background: FILL[c.state].colour, opacity: FILL[c.state].opacity }}
                    />
                  ))}
                </div>
              ))}
              {shown.map((m, i) => (
                <span key={i} data-marker-kind={m.kind} className="pointer-events-none absolute -top-2 bottom-0" style={{ left: pos(Date.parse(m.t)) }}>
                  <svg width="10" height="8" className="absolute -left-[5px] top-0" aria-hidden>
                    <path d="M0,0 h10 l-5,7 z" fill={MARKER_STYLE[m.kind].colour} />
                  </svg>
                  <span className="absolute top-2 bottom-0 -left-px w-0 border-l-[1.5px]" style={{ borderColor: MARKER_STYLE[m.kind].colour, borderLeftStyle: MARKER_STYLE[m.kind].dash === '0' ? 'solid' : 'dashed' }} />
                </span>
              ))}
              {hover ? <span className="pointer-events-none absolute inset-y-0 w-px bg-muted-fg/60" style={{ left: hover.x }} /> : null}
            </div>
            <div className="relative mt-1 h-4 text-[11px] text-muted-fg">
              {ticks.map((t, i) => (
                <span key={t} className={`absolute -translate-x-1/2 whitespace-nowrap tabular-nums ${i % 2 ? 'hidden sm:inline' : ''}`} style={{ left: pos(t) }}>
                  {tick(t)}
                </span>
              ))}
            </div>
            {hover && column ? (
              <div className="pointer-events-none absolute top-full z-10 mt-1" style={hover.x > (track.current?.clientWidth ?? 0) / 2 ? { right: Math.max(0, (track.current?.clientWidth ?? 0) - hover.x) } : { left: hover.x }}>
                <TooltipBox
                  heading={`Check at ${new Date(column.t).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })}`}
                  rows={at.filter((a) => a.cell).map((a) => ({ label: a.row.label, colour: FILL[a.cell!.state].colour, value: a.cell!.detail }))}
                  notes={[...near.map(describeMarker), ...(column.href ? ['Click to open this report.'] : [])]}
                />
              </div>
            ) : null}
          </div>
        </div>
      ) : (
        <p role="status" className="rounded-md border border-dashed border-border px-4 py-6 text-sm text-muted-fg">
          {empty}
        </p>
      )}
    </ChartFrame>
  );
}

const TICK_STEPS = [15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10_080].map((m) => m * 60_000);

/** Ticks on round times (whole quarter hours, hours, days in the browser's zone) with at most `max` in the domain. */
function roundTicks(domain: [number, number], max: number): number[] {
  const span = domain[1] - domain[0];
  const step = TICK_STEPS.find((s) => span / s <= max) ?? Math.ceil(span / max);
  // Align on the browser's clock, so an hourly tick reads 10:00 rather than 10:17.
  const offset = new Date(domain[0]).getTimezoneOffset() * 60_000;
  const first = Math.ceil((domain[0] - offset) / step) * step + offset;
  const ticks: number[] = [];
  for (let t = first; t < domain[1]; t += step) if (t - domain[0] > span * 0.03 && domain[1] - t > span * 0.03) ticks.push(t);
  return ticks;
}
