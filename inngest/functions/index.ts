// The functions the app serves. A new function goes into `functions`; the serve endpoint picks it up, and the
// jobs engine (Inngest or the embedded executor) syncs it at the next start.
import { env } from '@/server/env';
import { containersReconcile } from './containers-reconcile';
import { driftReportsFunction } from './drift-reports';
import { evalRun } from './eval-run';
import { evaluateAlertsFunction } from './evaluate-alerts';
import { evaluateTriggersFunction } from './evaluate-triggers';
import { monitoringRollups } from './monitoring-rollups';
import { onlineEvals } from './online-evals';
import { ping } from './ping';
import { pipelineRun } from './pipeline-run';
import { recoverySweep } from './recovery-sweep';
import { rolloutRun } from './rollout-run';
import { smokeTestsFunction } from './smoke-tests';
import { testSteps } from './test-steps';
import { variationsRun } from './variations-run';

export const functions = [ping, pipelineRun, rolloutRun, evalRun, variationsRun, recoverySweep, monitoringRollups, evaluateAlertsFunction, evaluateTriggersFunction, driftReportsFunction, onlineEvals, smokeTestsFunction, containersReconcile];

/** What the serve endpoint serves: the functions, and the test fixtures when SLIPWAY_TEST_FUNCTIONS=on. */
export function servedFunctions() {
  return env().SLIPWAY_TEST_FUNCTIONS === 'on' ? [...functions, testSteps] : functions;
}
