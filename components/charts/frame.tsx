// The furniture every chart shares: a titled frame, the legend (series and marker kinds) and the tooltip box.
import type { ReactNode } from 'react';
import type { Marker } from '@/server/services/monitoring/types';
import { MARKER_STYLE } from './theme';

export function ChartFrame({ title, description, legend, actions, children }: { title: string; description?: ReactNode; legend?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <figure aria-label={title} className="m-0 grid min-w-0 content-start gap-2">
      <figcaption className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 className="text-sm font-semibold">{title}</h3>
          {description ? <p className="text-xs text-muted-fg">{description}</p> : null}
        </div>
        {actions}
      </figcaption>
      {children}
      {legend}
    </figure>
  );
}

export interface LegendItem {
  label: string;
  colour: string;
  dash?: string;
  line?: boolean;
  /** Fill opacity of a box swatch (default 0.6), for charts that tell states apart by strength. */
  opacity?: number;
}

/** Series, then the kinds of markers the chart shows (once each). */
export function Legend({ items, markers = [] }: { items: LegendItem[]; markers?: Marker[] }) {
  const kinds = [...new Set(markers.map((m) => m.kind))];
  return (
    <ul aria-label="Legend" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted-fg">
      {items.map((it) => (
        <li key={it.label} className="flex items-center gap-1.5">
          <Swatch colour={it.colour} dash={it.dash} line={it.line} opacity={it.opacity} />
          <span className="text-fg">{it.label}</span>
        </li>
      ))}
      {kinds.map((k) => (
        <li key={k} className="flex items-center gap-1.5">
          <svg width="10" height="12" aria-hidden>
            <path d="M0,0 h10 l-5,7 z" fill={MARKER_STYLE[k].colour} />
            <line x1="5" y1="6" x2="5" y2="12" stroke={MARKER_STYLE[k].colour} strokeWidth="1.5" />
          </svg>
          {MARKER_STYLE[k].word.toLowerCase()}
        </li>
      ))}
    </ul>
  );
}

function Swatch({ colour, dash, line, opacity = 0.6 }: { colour: string; dash?: string; line?: boolean; opacity?: number }) {
  return (
    <svg width="16" height="10" aria-hidden className="shrink-0">
      {line ? <line x1="0" y1="5" x2="16" y2="5" stroke={colour} strokeWidth="2" strokeDasharray={dash} /> : <rect x="0" y="1" width="16" height="8" rx="2" fill={colour} fillOpacity={opacity} stroke={colour} />}
    </svg>
  );
}

export function TooltipBox({ heading, rows, detail, notes = [] }: { heading: string; rows: { label: string; colour: string; value: string }[]; detail?: ReactNode; notes?: string[] }) {
  return (
    <div className="max-w-xs rounded-md border border-border bg-card px-3 py-2 text-xs text-fg shadow-md">
      <p className="mb-1 font-medium">{heading}</p>
      {rows.length ? (
        <table className="w-full">
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <td className="pr-3">
                  <span className="mr-1.5 inline-block h-2 w-2 rounded-full align-middle" style={{ background: r.colour }} aria-hidden />
                  {r.label}
                </td>
                <td className="text-right whitespace-nowrap tabular-nums">{r.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="text-muted-fg">No traffic in this bucket.</p>
      )}
      {detail}
      {notes.length ? (
        <ul className="mt-1.5 grid gap-1 border-t border-border pt-1.5">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
