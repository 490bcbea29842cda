'use client';
// The overview a release manager opens first: what is rolling out and at which step, approvals waiting for the
// reader, SLO status of production environments, today's spend, and what failed or was rolled back lately.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { relativeTime } from '@/components/format';
import { environmentHref } from '@/components/registry/routes';
import { RolloutStatusBadge, STRATEGY_WORDS } from '@/components/rollouts/status';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { useCan } from '@/components/viewer';
import { RecentFailures } from './failures';
import { SloStatus, SpendToday } from './health';
import { LIVE_REFRESH_MS, Panel } from './panel';

export function Overview() {
  return (
    <div className="grid gap-6">
      <div className="grid gap-6 lg:grid-cols-[3fr_2fr]">
        <RollingOut />
        <MyApprovals />
      </div>
      <div className="grid gap-6 lg:grid-cols-[3fr_2fr]">
        <SloStatus />
        <SpendToday />
      </div>
      <RecentFailures />
    </div>
  );
}

type Rollout = RouterOutputs['overview']['rollingOut'][number];

function RollingOut() {
  const trpc = useTRPC();
  const q = useQuery(trpc.overview.rollingOut.queryOptions(undefined, { refetchInterval: LIVE_REFRESH_MS }));
  return (
    <Panel title="Rolling out now" description="Rollouts in progress in every environment, with the step each has reached." query={q} empty={q.data && !q.data.length ? 'Nothing is rolling out.' : null}>
      <ul className="divide-y divide-border">
        {q.data?.map((r) => (
          <RolloutItem key={`${r.service}/${r.environment}/${r.number}`} r={r} />
        ))}
      </ul>
    </Panel>
  );
}

function stepText(r: Rollout): string {
  if (r.status === 'awaiting-approval') return r.approval ? `waiting for approval: ${r.approval.approvals} of ${r.approval.required}` : 'waiting for approval';
  if (!r.step) return `${r.steps} step${r.steps === 1 ? '' : 's'} planned, not started`;
  return `step ${r.step.number} of ${r.step.of}: ${r.step.description}`;
}

function RolloutItem({ r }: { r: Rollout }) {
  return (
    <li className="grid gap-1.5 px-5 py-3 text-sm">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <Link href={environmentHref(r.service, r.environment)} className="font-medium text-primary hover:underline">
          {r.service}/{r.environment}
        </Link>
        <span>
          rollout {r.number}:{' '}
          <Link href={`/releases/${r.service}/${r.release.number}`} className="text-primary hover:underline">
            {r.release.ref}
          </Link>
        </span>
        <RolloutStatusBadge status={r.status} />
        <span className="text-xs text-muted-fg">{STRATEGY_WORDS[r.strategy]}</span>
      </div>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span>{stepText(r)}</span>
        {r.verdict ? <span className={r.verdict === 'fail' ? 'text-danger' : r.verdict === 'pass' ? 'text-success' : 'text-muted-fg'}>last analysis: {r.verdict}</span> : null}
      </div>
      {r.status === 'awaiting-approval' ? null : (
        <div className="flex items-center gap-3">
          <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-muted" role="meter" aria-label={`Traffic on ${r.release.ref}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={r.weight}>
            <div className="h-full rounded-full bg-primary" style={{ width: `${r.weight}%` }} />
          </div>
          <span className="w-10 text-right text-xs tabular-nums">{r.weight}%</span>
        </div>
      )}
      <p className="text-xs text-muted-fg">
        asked by {r.requestedBy} {relativeTime(r.createdAt)}
        {r.status === 'paused' && r.reason ? ` · paused: ${r.reason}` : ''}
      </p>
    </li>
  );
}

function MyApprovals() {
  const trpc = useTRPC();
  const canDecide = useCan('approvals:decide');
  const q = useQuery(trpc.overview.myApprovals.queryOptions(undefined, { refetchInterval: LIVE_REFRESH_MS }));
  return (
    <Panel
      title="Waiting for you"
      description="Approval requests you may decide and have not."
      actions={
        <Link href="/approvals" className="text-sm whitespace-nowrap text-primary hover:underline">
          All requests
        </Link>
      }
      query={q}
      empty={q.data && !q.data.length ? (canDecide ? 'No approval is waiting for you.' : 'Approvers and admins decide approval requests; your role follows them on the Approvals page.') : null}
    >
      <ul className="divide-y divide-border">
        {q.data?.map((a) => (
          <li key={a.id} className="grid gap-1 px-5 py-3 text-sm">
            <Link href={`/approvals?request=${a.id}`} className="font-medium text-primary hover:underline">
              {a.release.ref} to {a.environment}
            </Link>
            <span className="text-muted-fg">
              asked by {a.requestedBy} {relativeTime(a.createdAt)} · {a.approvals} of {a.required} approval{a.required === 1 ? '' : 's'} · expires {relativeTime(a.expiresAt)}
            </span>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
