// Monitoring dashboards: an environment's charts, a release across environments, the overview and cost.
import { costInput, monitoringCost } from '@/server/services/monitoring/cost';
import { environmentSeries, environmentSeriesInput } from '@/server/services/monitoring/environment';
import { monitoringOverview, overviewInput } from '@/server/services/monitoring/overview';
import { releaseSeries, releaseSeriesInput } from '@/server/services/monitoring/release';
import { router, scopedProcedure } from '../trpc';

export const monitoringRouter = router({
  environment: scopedProcedure('services:read').input(environmentSeriesInput).query(({ ctx, input }) => environmentSeries(ctx, input)),
  release: scopedProcedure('services:read').input(releaseSeriesInput).query(({ ctx, input }) => releaseSeries(ctx, input)),
  overview: scopedProcedure('services:read').input(overviewInput).query(({ ctx, input }) => monitoringOverview(ctx, input)),
  cost: scopedProcedure('services:read').input(costInput).query(({ ctx, input }) => monitoringCost(ctx, input)),
});
