// The jobs engine as the UI sees it: registered functions, their runs, one run's steps, and recent failures.
import { listExecutorFailures, listExecutorFailuresInput } from '@/server/services/executor/failures';
import { listExecutorFunctions } from '@/server/services/executor/functions';
import { getExecutorRun, getExecutorRunInput } from '@/server/services/executor/run';
import { listExecutorRuns, listExecutorRunsInput } from '@/server/services/executor/runs';
import { router, scopedProcedure } from '../trpc';

export const executorRouter = router({
  functions: scopedProcedure('services:read').query(({ ctx }) => listExecutorFunctions(ctx)),
  runs: scopedProcedure('services:read').input(listExecutorRunsInput).query(({ ctx, input }) => listExecutorRuns(ctx, input)),
  run: scopedProcedure('services:read').input(getExecutorRunInput).query(({ ctx, input }) => getExecutorRun(ctx, input)),
  failures: scopedProcedure('services:read').input(listExecutorFailuresInput).query(({ ctx, input }) => listExecutorFailures(ctx, input)),
});
