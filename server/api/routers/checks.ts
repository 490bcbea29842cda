import { checksInput, getChecks, updateChecks, updateChecksInput } from '@/server/services/checks/update';
import { router, scopedProcedure } from '../trpc';

export const checksRouter = router({
  get: scopedProcedure('services:read').input(checksInput).query(({ ctx, input }) => getChecks(ctx, input)),
  update: scopedProcedure('environments:write').input(updateChecksInput).mutation(({ ctx, input }) => updateChecks(ctx, input)),
});
