// The Docker deploy target's containers of an environment: list, stats and logs (read access).
import { containerLogsInput, containersInput, containersLogs, containersStats, listContainers } from '@/server/services/containers/queries';
import { router, scopedProcedure } from '../trpc';

export const containersRouter = router({
  list: scopedProcedure('services:read').input(containersInput).query(({ ctx, input }) => listContainers(ctx, input)),
  stats: scopedProcedure('services:read').input(containersInput).query(({ ctx, input }) => containersStats(ctx, input)),
  logs: scopedProcedure('services:read').input(containerLogsInput).query(({ ctx, input }) => containersLogs(ctx, input)),
});
