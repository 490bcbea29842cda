// What an environment runs, in one line: each release with its share of traffic (and its model, when known).
import Link from 'next/link';
import { cn } from '@/components/ui/cn';

export interface RouteView {
  releaseNumber: number;
  weight: number;
  model?: string | null;
}

export function RouteList({ service, routes, showModel, className }: { service: string; routes: RouteView[]; showModel?: boolean; className?: string }) {
  if (!routes.length) return <span className={cn('text-sm text-muted-fg', className)}>nothing deployed</span>;
  return (
    <ul className={cn('flex flex-wrap gap-x-3 gap-y-1 text-sm', className)}>
      {routes.map((r) => (
        <li key={r.releaseNumber} className="flex items-baseline gap-1.5">
          <Link href={`/releases/${service}/${r.releaseNumber}`} className="font-medium text-primary hover:underline">
            #{r.releaseNumber}
          </Link>
          <span className="tabular-nums">{r.weight}%</span>
          {showModel && r.model ? <span className="font-mono text-xs text-muted-fg">{r.model}</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** A compact chip for lists: `production  #3 90% · #4 10%`. */
export function EnvironmentChip({ name, routes }: { name: string; routes: RouteView[] }) {
  return (
    <span className="inline-flex items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs">
      <span className="font-medium">{name}</span>
      <span className={cn('tabular-nums', routes.length ? 'text-fg' : 'text-muted-fg')}>{routes.length ? routes.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(' · ') : '—'}</span>
    </span>
  );
}
