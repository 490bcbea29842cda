// A row of toggle buttons of which one is pressed (windows, ranges, groupings): a labelled group, `aria-pressed`.
import type { ReactNode } from 'react';
import { cn } from './cn';

export function Segmented<T extends string>({ label, options, value, onChange, extra }: { label: string; options: readonly { id: T; label: string }[]; value: T | null; onChange: (id: T) => void; extra?: ReactNode }) {
  return (
    <div role="group" aria-label={label} className="inline-flex shrink-0 flex-wrap rounded-md border border-border p-0.5">
      {options.map((o) => (
        <button key={o.id} type="button" aria-pressed={o.id === value} onClick={() => onChange(o.id)} className={segmentClass(o.id === value)}>
          {o.label}
        </button>
      ))}
      {extra}
    </div>
  );
}

export function segmentClass(pressed: boolean): string {
  return cn('rounded px-2.5 py-1 text-xs font-medium whitespace-nowrap text-muted-fg hover:text-fg focus-visible:outline-2 focus-visible:outline-ring', pressed && 'bg-muted text-fg');
}
