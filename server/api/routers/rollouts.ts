// The release flow: promote (with its preview), rollouts and their controls, one-click rollback, approvals.
import { decideApproval, decideInput } from '@/server/services/approvals/decide';
import { getApproval, getApprovalInput, listApprovals, listApprovalsInput } from '@/server/services/approvals/queries';
import { abortRollout, controlInput, pauseRollout, promoteNow, resumeRollout } from '@/server/services/rollouts/control';
import { promote, promoteInput } from '@/server/services/rollouts/promote';
import { activeRolloutInput, currentRollout, getRollout, getRolloutInput, listRollouts, listRolloutsInput, previewInput, previewPromote } from '@/server/services/rollouts/queries';
import { rollbackEnvironment, rollbackInput } from '@/server/services/rollouts/rollback';
import { router, scopedProcedure } from '../trpc';

export const rolloutsRouter = router({
  list: scopedProcedure('rollouts:read').input(listRolloutsInput).query(({ ctx, input }) => listRollouts(ctx, input)),
  get: scopedProcedure('rollouts:read').input(getRolloutInput).query(({ ctx, input }) => getRollout(ctx, input)),
  current: scopedProcedure('rollouts:read').input(activeRolloutInput).query(({ ctx, input }) => currentRollout(ctx, input)),
  preview: scopedProcedure('rollouts:read').input(previewInput).query(({ ctx, input }) => previewPromote(ctx, input)),
  promote: scopedProcedure('environments:deploy').input(promoteInput).mutation(({ ctx, input }) => promote(ctx, input)),
  pause: scopedProcedure('environments:deploy').input(controlInput).mutation(({ ctx, input }) => pauseRollout(ctx, input)),
  resume: scopedProcedure('environments:deploy').input(controlInput).mutation(({ ctx, input }) => resumeRollout(ctx, input)),
  abort: scopedProcedure('environments:deploy').input(controlInput).mutation(({ ctx, input }) => abortRollout(ctx, input)),
  promoteNow: scopedProcedure('environments:deploy').input(controlInput).mutation(({ ctx, input }) => promoteNow(ctx, input)),
  rollback: scopedProcedure('environments:rollback').input(rollbackInput).mutation(({ ctx, input }) => rollbackEnvironment(ctx, input)),
});

export const approvalsRouter = router({
  list: scopedProcedure('approvals:read').input(listApprovalsInput).query(({ ctx, input }) => listApprovals(ctx, input)),
  get: scopedProcedure('approvals:read').input(getApprovalInput).query(({ ctx, input }) => getApproval(ctx, input)),
  decide: scopedProcedure('approvals:decide').input(decideInput).mutation(({ ctx, input }) => decideApproval(ctx, input)),
});
