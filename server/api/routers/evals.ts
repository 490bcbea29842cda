// Evals: suites (validate, save, list, get), and runs (estimate, start, list, get, cases side by side, an
// injection run's attacks, cancel).
// Runs are addressed by { service, number }.
import { cancelEvalRun, cancelRunInput } from '@/server/services/evals/cancel-run';
import { dataQualityRows, dataQualityRowsInput } from '@/server/services/evals/data-quality-rows';
import { injectionAttacks, injectionAttacksInput } from '@/server/services/evals/injection-attacks';
import { getRun, getRunInput, getSuite, getSuiteInput, listRuns, listRunsInput, listSuites, listSuitesInput, runCases, runCasesInput } from '@/server/services/evals/queries';
import { saveEvalSuite, saveSuiteInput, validateSuite, validateSuiteInput } from '@/server/services/evals/save-suite';
import { estimateEvalRun, estimateInput, startEvalRun, startRunInput } from '@/server/services/evals/start-run';
import { router, scopedProcedure } from '../trpc';

export const evalsRouter = router({
  validateSuite: scopedProcedure('services:read').input(validateSuiteInput).query(({ ctx, input }) => validateSuite(ctx, input)),
  saveSuite: scopedProcedure('evals:write').input(saveSuiteInput).mutation(({ ctx, input }) => saveEvalSuite(ctx, input)),
  listSuites: scopedProcedure('services:read').input(listSuitesInput).query(({ ctx, input }) => listSuites(ctx, input)),
  getSuite: scopedProcedure('services:read').input(getSuiteInput).query(({ ctx, input }) => getSuite(ctx, input)),
  estimate: scopedProcedure('services:read').input(estimateInput).query(({ ctx, input }) => estimateEvalRun(ctx, input)),
  startRun: scopedProcedure('evals:run').input(startRunInput).mutation(({ ctx, input }) => startEvalRun(ctx, input)),
  listRuns: scopedProcedure('services:read').input(listRunsInput).query(({ ctx, input }) => listRuns(ctx, input)),
  getRun: scopedProcedure('services:read').input(getRunInput).query(({ ctx, input }) => getRun(ctx, input)),
  runCases: scopedProcedure('services:read').input(runCasesInput).query(({ ctx, input }) => runCases(ctx, input)),
  dataQualityRows: scopedProcedure('services:read').input(dataQualityRowsInput).query(({ ctx, input }) => dataQualityRows(ctx, input)),
  injectionAttacks: scopedProcedure('services:read').input(injectionAttacksInput).query(({ ctx, input }) => injectionAttacks(ctx, input)),
  cancelRun: scopedProcedure('evals:run').input(cancelRunInput).mutation(({ ctx, input }) => cancelEvalRun(ctx, input)),
});
