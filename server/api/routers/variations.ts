// Prompt variations: start a matrix run on a suite, read it with per-cell figures, make a release of a cell.
import { getVariations, getVariationsInput } from '@/server/services/evals/variations-queries';
import { createReleaseFromCell, releaseFromCellInput } from '@/server/services/evals/variations-release';
import { startVariations, startVariationsInput } from '@/server/services/evals/variations';
import { router, scopedProcedure } from '../trpc';

export const variationsRouter = router({
  start: scopedProcedure('evals:run').input(startVariationsInput).mutation(({ ctx, input }) => startVariations(ctx, input)),
  get: scopedProcedure('services:read').input(getVariationsInput).query(({ ctx, input }) => getVariations(ctx, input)),
  createRelease: scopedProcedure('releases:write').input(releaseFromCellInput).mutation(({ ctx, input }) => createReleaseFromCell(ctx, input)),
});
