// The approvals inbox, and one request with ?request=<id>. Notification links add &decision=approve|reject,
// which preselects that decision in the form (it is never submitted for the reader).
import type { Metadata } from 'next';
import { ApprovalRequest, ApprovalsInbox } from '@/components/approvals/approvals-inbox';

export const metadata: Metadata = { title: 'Approvals' };

type Props = { searchParams: Promise<{ status?: string; request?: string; decision?: string }> };

export default async function Page({ searchParams }: Props) {
  const q = await searchParams;
  if (q.request) return <ApprovalRequest id={q.request} decision={q.decision === 'approve' || q.decision === 'reject' ? q.decision : null} />;
  return <ApprovalsInbox tab={q.status === 'decided' ? 'decided' : 'pending'} />;
}
