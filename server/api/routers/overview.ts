// The overview home page: what is rolling out, approvals the reader may decide, recent failures and rollbacks,
// SLO status of production environments and today's spend. Each a read any signed-in role may make.
import { recentFailures, recentFailuresInput } from '@/server/services/overview/failures';
import { myPendingApprovals } from '@/server/services/overview/my-approvals';
import { rollingOut } from '@/server/services/overview/rolling-out';
import { sloStatus } from '@/server/services/overview/slo-status';
import { spendToday } from '@/server/services/overview/spend-today';
import { router, scopedProcedure } from '../trpc';

export const overviewRouter = router({
  rollingOut: scopedProcedure('rollouts:read').query(({ ctx }) => rollingOut(ctx)),
  myApprovals: scopedProcedure('approvals:read').query(({ ctx }) => myPendingApprovals(ctx)),
  failures: scopedProcedure('rollouts:read').input(recentFailuresInput).query(({ ctx, input }) => recentFailures(ctx, input)),
  slos: scopedProcedure('services:read').query(({ ctx }) => sloStatus(ctx)),
  spend: scopedProcedure('services:read').query(({ ctx }) => spendToday(ctx)),
});
