// A service's repository setting: where pipelines fetch its code from and which secret signs its webhooks.
import { getRepository, getRepositoryInput } from '@/server/services/repositories/get';
import { setRepository, setRepositoryInput } from '@/server/services/repositories/set';
import { router, scopedProcedure } from '../trpc';

export const repositoriesRouter = router({
  get: scopedProcedure('services:read').input(getRepositoryInput).query(({ ctx, input }) => getRepository(ctx, input)),
  set: scopedProcedure('services:write').input(setRepositoryInput).mutation(({ ctx, input }) => setRepository(ctx, input)),
});
