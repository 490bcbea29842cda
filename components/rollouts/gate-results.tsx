// The gate results of a release: the steps of the newest pipeline run that tested it, or that none did.
import Link from 'next/link';
import { RunStatusBadge, StepStatusIcon, shortCommit } from '@/components/pipelines/status';
import type { RouterOutputs } from '@/components/trpc';

type Gates = RouterOutputs['rollouts']['preview']['gates'];

export function GateResults({ service, gates }: { service: string; gates: Gates }) {
  if (!gates) return <p className="text-sm text-muted-fg">No pipeline run tested this release.</p>;
  return (
    <div className="grid gap-2 text-sm">
      <p className="flex flex-wrap items-center gap-2">
        <Link href={`/pipelines/${service}/runs/${gates.run}`} className="font-medium text-primary hover:underline">
          Run #{gates.run}
        </Link>
        <RunStatusBadge status={gates.status} />
        {gates.branch ? <span className="font-mono text-xs text-muted-fg">{gates.branch}</span> : null}
        {gates.commit ? <code className="font-mono text-xs text-muted-fg">{shortCommit(gates.commit)}</code> : null}
      </p>
      {gates.steps.length ? (
        <ul aria-label="Gate results" className="grid gap-1">
          {gates.steps.map((s, i) => (
            <li key={`${s.name}-${i}`} className="flex items-start gap-2">
              <StepStatusIcon status={s.status} className="mt-0.5" />
              <span className="min-w-0">
                <span className="font-medium">{s.name}</span> <span className="text-xs text-muted-fg">{s.type}</span> <span className="text-muted-fg">— {s.status}</span>
                {s.error ? <span className="block text-xs text-danger">{s.error}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-muted-fg">The run has no steps.</p>
      )}
    </div>
  );
}
