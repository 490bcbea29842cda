'use client';
// Recent failures and rollbacks on the overview: failed pipeline and eval runs, failed, aborted or timed-out
// rollouts, and rollbacks, newest first, each linking to where its story is told.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatTime, relativeTime } from '@/components/format';
import { EvalStatusBadge } from '@/components/evals/status';
import { RunStatusBadge } from '@/components/pipelines/status';
import { environmentHref } from '@/components/registry/routes';
import { RolloutStatusBadge } from '@/components/rollouts/status';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { FIGURES_REFRESH_MS, Panel } from './panel';

type Failure = RouterOutputs['overview']['failures'][number];

const DAYS = 7;

function describe(f: Failure): { what: string; href: string } {
  switch (f.kind) {
    case 'pipeline-run':
      return { what: `Pipeline run ${f.number}`, href: `/pipelines/${f.service}/runs/${f.number}` };
    case 'eval-run':
      return { what: `Eval run ${f.number}`, href: `/evals/${f.service}/runs/${f.number}` };
    case 'variations-run':
      return { what: `Prompt variations run ${f.number}`, href: `/evals/${f.service}/variations/${f.number}` };
    case 'rollout':
      return { what: `Rollout ${f.number}`, href: environmentHref(f.service, f.environment ?? '') };
    case 'rollback':
      return { what: `Rollback ${f.number}`, href: environmentHref(f.service, f.environment ?? '') };
  }
}

function StatusOf({ f }: { f: Failure }) {
  switch (f.kind) {
    case 'pipeline-run':
      return <RunStatusBadge status={f.status} />;
    case 'eval-run':
    case 'variations-run':
      return <EvalStatusBadge status={f.status} />;
    default:
      return <RolloutStatusBadge status={f.status} />;
  }
}

export function RecentFailures() {
  const trpc = useTRPC();
  const q = useQuery(trpc.overview.failures.queryOptions({ days: DAYS, limit: 20 }, { refetchInterval: FIGURES_REFRESH_MS }));
  return (
    <Panel title="Recent failures and rollbacks" description={`The last ${DAYS} days, every service, newest first.`} query={q} empty={q.data && !q.data.length ? `Nothing failed or was rolled back in the last ${DAYS} days.` : null}>
      <ul className="divide-y divide-border">
        {q.data?.map((f) => {
          const { what, href } = describe(f);
          return (
            <li key={`${f.kind}/${f.service}/${f.environment}/${f.number}`} className="grid gap-1 px-5 py-3 text-sm">
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <Link href={href} className="font-medium text-primary hover:underline">
                  {what}
                </Link>
                <span>
                  {f.service}
                  {f.environment ? `/${f.environment}` : ''}
                  {f.release !== null ? ` · #${f.release}` : ''}
                </span>
                <StatusOf f={f} />
                <time dateTime={f.at.toISOString()} title={formatTime(f.at)} className="ml-auto text-xs whitespace-nowrap text-muted-fg">
                  {relativeTime(f.at)}
                </time>
              </div>
              {f.message ? <p className="line-clamp-2 break-words text-muted-fg">{f.message}</p> : null}
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}
