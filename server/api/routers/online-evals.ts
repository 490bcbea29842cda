// Online evals: an environment's live answers scored with its eval suite, per release over time and the latest.
import { onlineRecent, onlineRecentInput, onlineSeries, onlineSeriesInput } from '@/server/services/online-evals/queries';
import { router, scopedProcedure } from '../trpc';

export const onlineEvalsRouter = router({
  series: scopedProcedure('services:read').input(onlineSeriesInput).query(({ ctx, input }) => onlineSeries(ctx, input)),
  recent: scopedProcedure('services:read').input(onlineRecentInput).query(({ ctx, input }) => onlineRecent(ctx, input)),
});
