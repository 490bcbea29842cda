// Pipelines: definitions, runs, and starting or cancelling them.
import { getDefinition, getDefinitionInput, saveDefinition, saveDefinitionInput, validateDefinition, validateDefinitionInput } from '@/server/services/pipelines/definition';
import { cancelRun, cancelRunInput, getRun, getRunInput, listRuns, listRunsInput } from '@/server/services/pipelines/runs';
import { retryRun, retryRunInput, startRun, startRunInput } from '@/server/services/pipelines/start';
import { router, scopedProcedure } from '../trpc';

export const pipelinesRouter = router({
  definition: scopedProcedure('pipelines:read').input(getDefinitionInput).query(({ ctx, input }) => getDefinition(ctx, input)),
  validate: scopedProcedure('pipelines:read').input(validateDefinitionInput).query(({ ctx, input }) => validateDefinition(ctx, input)),
  runs: scopedProcedure('pipelines:read').input(listRunsInput).query(({ ctx, input }) => listRuns(ctx, input)),
  run: scopedProcedure('pipelines:read').input(getRunInput).query(({ ctx, input }) => getRun(ctx, input)),
  saveDefinition: scopedProcedure('pipelines:write').input(saveDefinitionInput).mutation(({ ctx, input }) => saveDefinition(ctx, input)),
  start: scopedProcedure('pipelines:run').input(startRunInput).mutation(({ ctx, input }) => startRun(ctx, input)),
  retry: scopedProcedure('pipelines:run').input(retryRunInput).mutation(({ ctx, input }) => retryRun(ctx, input)),
  cancel: scopedProcedure('pipelines:run').input(cancelRunInput).mutation(({ ctx, input }) => cancelRun(ctx, input)),
});
