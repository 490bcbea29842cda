// Services and their environments: settings, what they run, history and "what ran at T".
import { createEnvironment, createEnvironmentInput, updateEnvironment, updateEnvironmentInput } from '@/server/services/environments/update';
import { deploy, deployInput } from '@/server/services/environments/deploy';
import { environmentHistoryList, environmentRefInput, environmentStateAt, getEnvironment, historyInput, stateAtInput } from '@/server/services/environments/queries';
import { restoreEnvironment, restoreInput } from '@/server/services/environments/restore';
import { createService, createServiceInput } from '@/server/services/services/create';
import { getService, getServiceInput, listServices, listServicesInput } from '@/server/services/services/queries';
import { updateService, updateServiceInput } from '@/server/services/services/update';
import { router, scopedProcedure } from '../trpc';

export const servicesRouter = router({
  list: scopedProcedure('services:read').input(listServicesInput).query(({ ctx, input }) => listServices(ctx, input)),
  get: scopedProcedure('services:read').input(getServiceInput).query(({ ctx, input }) => getService(ctx, input)),
  create: scopedProcedure('services:write').input(createServiceInput).mutation(({ ctx, input }) => createService(ctx, input)),
  update: scopedProcedure('services:write').input(updateServiceInput).mutation(({ ctx, input }) => updateService(ctx, input)),
});

export const environmentsRouter = router({
  get: scopedProcedure('services:read').input(environmentRefInput).query(({ ctx, input }) => getEnvironment(ctx, input)),
  history: scopedProcedure('services:read').input(historyInput).query(({ ctx, input }) => environmentHistoryList(ctx, input)),
  stateAt: scopedProcedure('services:read').input(stateAtInput).query(({ ctx, input }) => environmentStateAt(ctx, input)),
  create: scopedProcedure('environments:write').input(createEnvironmentInput).mutation(({ ctx, input }) => createEnvironment(ctx, input)),
  update: scopedProcedure('environments:write').input(updateEnvironmentInput).mutation(({ ctx, input }) => updateEnvironment(ctx, input)),
  deploy: scopedProcedure('environments:deploy').input(deployInput).mutation(({ ctx, input }) => deploy(ctx, input)),
  restore: scopedProcedure('environments:deploy').input(restoreInput).mutation(({ ctx, input }) => restoreEnvironment(ctx, input)),
});
