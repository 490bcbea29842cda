// What an environment runs, in one line: each release with its share of traffic (and its model, when known);
// the environment as a linked chip for lists, with the rollout in progress there; and where a release runs.
import Link from 'next/link';
import type { RolloutStatus } from '@/db/schema';
import { rolloutStatusLabel } from '@/components/rollouts/status';
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

export interface ActiveRolloutView {
  number: number;
  status: RolloutStatus;
  releaseNumber: number;
}

export const environmentHref = (service: string, environment: string) => `/services/${service}/environments/${environment}`;

/** A compact chip for lists, linking to the environment: `production  #3 90% · #4 10%  rolling out #4 (running)`. */
export function EnvironmentChip({ service, name, routes, rollout }: { service: string; name: string; routes: RouteView[]; rollout?: ActiveRolloutView | null }) {
  return (
    <Link
      href={environmentHref(service, name)}
      className={cn('inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs whitespace-nowrap hover:bg-muted', rollout ? 'border-primary/50' : 'border-border')}
    >
      <span className="font-medium text-primary">{name}</span>
      <span className={cn('tabular-nums', routes.length ? 'text-fg' : 'text-muted-fg')}>{routes.length ? routes.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(' · ') : '—'}</span>
      {rollout ? (
        <span className={cn(rollout.status === 'awaiting-approval' || rollout.status === 'paused' ? 'text-warning' : 'text-primary')}>
          rolling out #{rollout.releaseNumber} ({rolloutStatusLabel(rollout.status)})
        </span>
      ) : null}
    </Link>
  );
}

/** Where a release runs now: each environment (linked) with the release's weight there. Spans, so it fits in text. */
export function RunsIn({ service, placements, className }: { service: string; placements: { environment: string; weight: number }[]; className?: string }) {
  if (!placements.length) return <span className={cn('text-sm text-muted-fg', className)}>not running</span>;
  return (
    <span role="list" aria-label="Runs in" className={cn('inline-flex flex-wrap gap-x-3 gap-y-1 text-sm', className)}>
      {placements.map((p) => (
        <span role="listitem" key={p.environment} className="inline-flex items-baseline gap-1">
          <Link href={environmentHref(service, p.environment)} className="text-primary hover:underline">
            {p.environment}
          </Link>
          <span className="tabular-nums">{p.weight}%</span>
        </span>
      ))}
    </span>
  );
}
