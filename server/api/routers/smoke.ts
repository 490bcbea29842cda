// Smoke tests: an environment's schedule and latest runs, one run whole, and running them now.
import { getSmokeRun, listSmokeRuns, smokeRunInput, smokeRunsInput } from '@/server/services/smoke/queries';
import { startSmokeInput, startSmokeRun } from '@/server/services/smoke/start';
import { router, scopedProcedure } from '../trpc';

export const smokeRouter = router({
  runs: scopedProcedure('services:read').input(smokeRunsInput).query(({ ctx, input }) => listSmokeRuns(ctx, input)),
  get: scopedProcedure('services:read').input(smokeRunInput).query(({ ctx, input }) => getSmokeRun(ctx, input)),
  run: scopedProcedure('environments:deploy').input(startSmokeInput).mutation(({ ctx, input }) => startSmokeRun(ctx, input)),
});
