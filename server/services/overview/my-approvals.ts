// The approval requests the reader may decide and has not: pending, not expired, not theirs to sit out (they
// asked for it or made the release), not decided by them yet. The inbox's rules, so both always agree.
import { requireScope, type ServiceContext } from '../context';
import { listApprovals } from '../approvals/queries';

/** The inbox's largest page; more open requests than this are listed on the Approvals page. */
const LIMIT = 200;

export async function myPendingApprovals(ctx: ServiceContext) {
  requireScope(ctx, 'approvals:read');
  const pending = await listApprovals(ctx, { status: 'pending', limit: LIMIT });
  return pending.filter((a) => a.canDecide);
}
