// The API's root router; its type is what clients import.
import { alertsRouter } from './routers/alerts';
import { auditRouter } from './routers/audit';
import { checksRouter } from './routers/checks';
import { containersRouter } from './routers/containers';
import { driftRouter } from './routers/drift';
import { evalsRouter } from './routers/evals';
import { datasetsRouter } from './routers/datasets';
import { pipelinesRouter } from './routers/pipelines';
import { executorRouter } from './routers/executor';
import { gatesRouter } from './routers/gates';
import { imagesRouter } from './routers/images';
import { gatewayKeysRouter, telemetryRouter } from './routers/gateway';
import { labelsRouter, modelsRouter, promptsRouter, releasesRouter, secretsRouter } from './routers/registry';
import { monitoringRouter } from './routers/monitoring';
import { onlineEvalsRouter } from './routers/online-evals';
import { repositoriesRouter } from './routers/repositories';
import { overviewRouter } from './routers/overview';
import { approvalsRouter, rolloutsRouter } from './routers/rollouts';
import { environmentsRouter, servicesRouter } from './routers/services';
import { smokeRouter } from './routers/smoke';
import { loadTestsRouter } from './routers/load-tests';
import { tokensRouter } from './routers/tokens';
import { triggersRouter } from './routers/triggers';
import { usersRouter } from './routers/users';
import { variationsRouter } from './routers/variations';
import { createCallerFactory, router } from './trpc';

export const appRouter = router({
  users: usersRouter,
  tokens: tokensRouter,
  audit: auditRouter,
  checks: checksRouter,
  services: servicesRouter,
  environments: environmentsRouter,
  containers: containersRouter,
  models: modelsRouter,
  images: imagesRouter,
  prompts: promptsRouter,
  labels: labelsRouter,
  releases: releasesRouter,
  secrets: secretsRouter,
  gatewayKeys: gatewayKeysRouter,
  telemetry: telemetryRouter,
  pipelines: pipelinesRouter,
  repositories: repositoriesRouter,
  executor: executorRouter,
  rollouts: rolloutsRouter,
  approvals: approvalsRouter,
  variations: variationsRouter,
  gates: gatesRouter,
  evals: evalsRouter,
  datasets: datasetsRouter,
  alerts: alertsRouter,
  monitoring: monitoringRouter,
  onlineEvals: onlineEvalsRouter,
  overview: overviewRouter,
  smoke: smokeRouter,
  loadTests: loadTestsRouter,
  triggers: triggersRouter,
  drift: driftRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
