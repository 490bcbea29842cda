'use client';
// The time range of the dashboards, kept in the URL (`?range=24h`, or `?from=…&to=…` for a custom one) so a view
// can be linked and the back button returns to the previous range. Shared by the environment, Monitoring and
// release pages.
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Segmented, segmentClass } from '@/components/ui/segmented';

export const PRESETS = [
  { id: '1h', label: '1 h', phrase: 'last hour' },
  { id: '24h', label: '24 h', phrase: 'last 24 h' },
  { id: '7d', label: '7 d', phrase: 'last 7 days' },
  { id: '30d', label: '30 d', phrase: 'last 30 days' },
] as const;
export type Preset = (typeof PRESETS)[number]['id'];

export type RangeInput = { range: Preset } | { from: string; to: string };

/** The range the URL asks for (24 h when it names none, or a custom one that does not parse). */
export function rangeFromParams(params: URLSearchParams | null): RangeInput {
  const from = params?.get('from');
  const to = params?.get('to');
  if (from && to && !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to)) && Date.parse(from) < Date.parse(to)) return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  return { range: PRESETS.find((p) => p.id === params?.get('range'))?.id ?? '24h' };
}

/** Words for the range, to follow a noun: "in the last 24 h", or "between Dec 3, 10:00 and Dec 4, 10:00". */
export function rangePhrase(r: RangeInput): string {
  if ('range' in r) return `in the ${PRESETS.find((p) => p.id === r.range)!.phrase}`;
  const f = (s: string) => new Date(s).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return `between ${f(r.from)} and ${f(r.to)}`;
}

/** The range from the URL, and a setter that pushes a new URL (other parameters, such as the tab, are kept). */
export function useRange(): [RangeInput, (r: RangeInput) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const set = (r: RangeInput) => {
    const next = new URLSearchParams(params?.toString());
    next.delete('range');
    next.delete('from');
    next.delete('to');
    if ('range' in r) next.set('range', r.range);
    else {
      next.set('from', r.from);
      next.set('to', r.to);
    }
    router.push(`${pathname}?${next.toString()}`, { scroll: false });
  };
  return [rangeFromParams(params), set];
}

/** A `datetime-local` value in the browser's time zone. */
const localInput = (iso: string) => {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function RangePicker({ value, onChange }: { value: RangeInput; onChange: (r: RangeInput) => void }) {
  const custom = !('range' in value);
  const [open, setOpen] = useState(custom);
  const [from, setFrom] = useState(() => localInput(custom ? value.from : new Date(Date.now() - 24 * 3600_000).toISOString()));
  const [to, setTo] = useState(() => localInput(custom ? value.to : new Date().toISOString()));
  const [error, setError] = useState<string | null>(null);
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const f = Date.parse(from);
    const t = Date.parse(to);
    if (Number.isNaN(f) || Number.isNaN(t)) return setError('Give both a start and an end.');
    if (f >= t) return setError('The start must come before the end.');
    setError(null);
    onChange({ from: new Date(f).toISOString(), to: new Date(t).toISOString() });
  };
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Segmented
        label="Range"
        options={PRESETS}
        value={custom ? null : value.range}
        onChange={(id) => (setOpen(false), onChange({ range: id }))}
        extra={
          <button type="button" aria-pressed={custom} aria-expanded={open} onClick={() => setOpen(!open)} className={segmentClass(custom)}>
            Custom
          </button>
        }
      />
      {open ? (
        <form onSubmit={apply} aria-label="Custom range" className="flex flex-wrap items-center gap-2 text-xs">
          <label className="flex items-center gap-1">
            From
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} className="rounded-md border border-border bg-card px-2 py-1 text-xs" />
          </label>
          <label className="flex items-center gap-1">
            To
            <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} className="rounded-md border border-border bg-card px-2 py-1 text-xs" />
          </label>
          <Button type="submit" size="sm" variant="secondary">
            Apply
          </Button>
          {error ? (
            <span role="alert" className="text-danger">
              {error}
            </span>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
