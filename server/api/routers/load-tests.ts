// Load tests: run one against an environment's gateway, read one, list an environment's or a pipeline run's.
import { getLoadTest, getLoadTestInput, listLoadTests, listLoadTestsInput } from '@/server/services/load-tests/queries';
import { startLoadTest, startLoadTestInput } from '@/server/services/load-tests/run';
import { router, scopedProcedure } from '../trpc';

export const loadTestsRouter = router({
  list: scopedProcedure('services:read').input(listLoadTestsInput).query(({ ctx, input }) => listLoadTests(ctx, input)),
  get: scopedProcedure('services:read').input(getLoadTestInput).query(({ ctx, input }) => getLoadTest(ctx, input)),
  run: scopedProcedure('environments:deploy').input(startLoadTestInput).mutation(({ ctx, input }) => startLoadTest(ctx, input)),
});
