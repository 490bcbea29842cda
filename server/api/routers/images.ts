// Container image builds of model versions: read with models:read, started by hand with models:write.
import { getImageBuild, imageBuildIdInput, listImageBuilds, modelVersionRefInput } from '@/server/services/images/queries';
import { startImageBuild, startImageBuildInput } from '@/server/services/images/start';
import { router, scopedProcedure } from '../trpc';

export const imagesRouter = router({
  list: scopedProcedure('models:read').input(modelVersionRefInput).query(({ ctx, input }) => listImageBuilds(ctx, input)),
  get: scopedProcedure('models:read').input(imageBuildIdInput).query(({ ctx, input }) => getImageBuild(ctx, input)),
  build: scopedProcedure('models:write').input(startImageBuildInput).mutation(({ ctx, input }) => startImageBuild(ctx, input)),
});
