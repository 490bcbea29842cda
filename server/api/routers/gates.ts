// Release gates: where a release stands with an environment's required gates, running them, and admin overrides.
import { overrideGate, overrideInput } from '@/server/services/gates/override';
import { gateStatusInput, getGateStatus, releaseGates, releaseGatesInput } from '@/server/services/gates/queries';
import { router, scopedProcedure } from '../trpc';

export const gatesRouter = router({
  status: scopedProcedure('releases:read').input(gateStatusInput).query(({ ctx, input }) => getGateStatus(ctx, input)),
  forRelease: scopedProcedure('releases:read').input(releaseGatesInput).query(({ ctx, input }) => releaseGates(ctx, input)),
  override: scopedProcedure('gates:override').input(overrideInput).mutation(({ ctx, input }) => overrideGate(ctx, input)),
});
