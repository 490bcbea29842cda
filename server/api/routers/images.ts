// Container image builds of model versions: read with models:read, started by hand with models:write.
import { getImageBuild, imageBuildIdInput, listImageBuilds, modelVersionRefInput } from '@/server/services/images/queries';
import { runManualBuild } from '@/server/pipelines/images/manual';
import { onCommit } from '@/server/services/context';
import { startImageBuild, startImageBuildInput } from '@/server/services/images/queue';
import { router, scopedProcedure } from '../trpc';

export const imagesRouter = router({
  list: scopedProcedure('models:read').input(modelVersionRefInput).query(({ ctx, input }) => listImageBuilds(ctx, input)),
  get: scopedProcedure('models:read').input(imageBuildIdInput).query(({ ctx, input }) => getImageBuild(ctx, input)),
  build: scopedProcedure('models:write')
    .input(startImageBuildInput)
    .mutation(async ({ ctx, input }) => {
      const build = await startImageBuild(ctx, input);
      // Once recorded and committed, it runs here in the background; callers follow it with images.get.
      await onCommit(ctx, () => runManualBuild(ctx.outerDb ?? ctx.db, build.id));
      return build;
    }),
});
