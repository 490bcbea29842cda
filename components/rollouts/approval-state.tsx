// An approval request at a glance: N of M approvals, its status, when it expires, and each decision with its
// comment. The live rollout view and the approvals inbox both show it.
import { formatTime, relativeTime } from '@/components/format';
import { Badge } from '@/components/ui/badge';
import type { ApprovalStatus } from '@/db/schema';
import { ApprovalStatusBadge } from './status';

export interface ApprovalView {
  status: ApprovalStatus;
  required: number;
  approvals: number;
  expiresAt: Date;
  createdAt: Date;
  decidedAt: Date | null;
  requestedBy: string;
  decisions: { by: string; decision: 'approve' | 'reject'; comment: string; at: Date }[];
}

/** "1 of 2 approvals", the status, and the expiry (or when it was decided). */
export function ApprovalLine({ approval: a, now = Date.now() }: { approval: ApprovalView; now?: number }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2 text-sm">
      <span className="font-medium tabular-nums">
        {a.approvals} of {a.required} approval{a.required === 1 ? '' : 's'}
      </span>
      <ApprovalStatusBadge status={a.status} />
      <span className="text-muted-fg">
        {a.status === 'pending' ? (
          <>
            expires {relativeTime(a.expiresAt, now)} (<time dateTime={a.expiresAt.toISOString()}>{formatTime(a.expiresAt)}</time>)
          </>
        ) : a.decidedAt ? (
          <>
            {a.status} <time dateTime={a.decidedAt.toISOString()}>{formatTime(a.decidedAt)}</time>
          </>
        ) : null}
      </span>
    </span>
  );
}

export function Decisions({ decisions, empty = 'No decisions yet.' }: { decisions: ApprovalView['decisions']; empty?: string }) {
  if (!decisions.length) return <p className="text-sm text-muted-fg">{empty}</p>;
  return (
    <ul aria-label="Decisions" className="grid gap-1.5 text-sm">
      {decisions.map((d, i) => (
        <li key={`${d.by}-${i}`} className="flex flex-wrap items-baseline gap-x-2">
          <Badge tone={d.decision === 'approve' ? 'success' : 'danger'}>{d.decision === 'approve' ? 'approved' : 'rejected'}</Badge>
          <span className="font-medium">{d.by}</span>
          <time dateTime={d.at.toISOString()} className="text-xs text-muted-fg">
            {formatTime(d.at, { seconds: true })}
          </time>
          {d.comment ? <span className="basis-full pl-1 text-muted-fg">“{d.comment}”</span> : null}
        </li>
      ))}
    </ul>
  );
}
