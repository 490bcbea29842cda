// Drift reports: an environment's list and one report whole, the latest per environment (Monitoring), each
// feature's status over time, the kept samples of a report's windows, and running the reports now.
import { driftSamples, driftTimeline, getDriftReport, latestDriftReports, latestInput, listDriftReports, reportInput, reportsInput, samplesInput, timelineInput } from '@/server/services/drift/queries';
import { runDrift, runInput } from '@/server/services/drift/run';
import { router, scopedProcedure } from '../trpc';

export const driftRouter = router({
  reports: scopedProcedure('services:read').input(reportsInput).query(({ ctx, input }) => listDriftReports(ctx, input)),
  report: scopedProcedure('services:read').input(reportInput).query(({ ctx, input }) => getDriftReport(ctx, input)),
  latest: scopedProcedure('services:read').input(latestInput).query(({ ctx, input }) => latestDriftReports(ctx, input)),
  timeline: scopedProcedure('services:read').input(timelineInput).query(({ ctx, input }) => driftTimeline(ctx, input)),
  samples: scopedProcedure('services:read').input(samplesInput).query(({ ctx, input }) => driftSamples(ctx, input)),
  run: scopedProcedure('environments:deploy').input(runInput).mutation(({ ctx, input }) => runDrift(ctx, input)),
});
