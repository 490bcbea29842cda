// The Slipway process: validates settings, opens the database, then serves Next.js (UI, tRPC, auth, health, the
// Inngest endpoint), the gateway, Prometheus metrics and, in embedded mode, the executor's endpoints on one port.
// `/gw/*`, `/api/metrics` and `/api/executor/*` never enter Next.js. Gateway connections are served by gateway
// worker processes (SLIPWAY_GATEWAY_WORKERS, server/gateway/front.ts); this process keeps the database, the one
// telemetry writer and the routing snapshot the workers are sent.
import http from 'node:http';
import next from 'next';
import { reconcileContainers } from '@/server/services/containers/reconcile';
import { CLIENT_IP_HEADER, clientIp } from './auth/client-ip';
import { ConfigError, env, inngestDevMode, publicUrl, type Env } from './env';
import { embeddedExecutor, executorHandler, isExecutorRequest, jobsEngine } from './executor';
import { connectEvals, redispatchQueuedEvalRuns } from './evals/runner-dispatch';
import { serve } from './gateway/front';
import { Gateway } from './gateway/handler';
import { writerOptions } from './gateway/telemetry';
import { DEFAULT_APP_NICE } from './gateway/priority';
import { defaultWorkerCount } from './gateway/workers';
import { originOfAddress, setLocalGatewayOrigin } from './gateway/local';
import { connectPipelines, redispatchQueuedRuns } from './pipelines/engine';
import { failInterruptedBuilds } from './services/images/queue';
import { connectVariations, redispatchUnstartedVariations } from './evals/runner-variations';
import { connectRollouts, redispatchActiveRollouts } from './rollouts/connect';
import { logger } from './logger';
import { metrics } from './lib/metrics';
import { isMetricsRequest, serveMetrics } from './lib/metrics-endpoint';
import { rolloutStateCounts } from './services/rollouts/states';
import { startReferenceModelServer, type ReferenceModelServer } from './reference-model';
import { closeRuntime, getRuntime } from './runtime';
import { secretKey } from './secrets/crypto';
import { appVersion } from './version';

/** How long a graceful stop waits for requests in flight. */
const SHUTDOWN_GRACE_MS = 5_000;

async function main(): Promise<void> {
  let e;
  try {
    e = env();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  process.env.NEXTAUTH_URL ??= publicUrl(e);
  const log = logger.child({ part: 'server' });
  const rt = await getRuntime();
  const dev = process.env.SLIPWAY_DEV === '1';
  const app = next({ dev, dir: process.cwd(), hostname: 'localhost', port: e.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const workers = e.SLIPWAY_GATEWAY_WORKERS ?? defaultWorkerCount('app');
  const gateway = new Gateway({ db: rt.database.db, databaseUrl: e.DATABASE_URL, listen: rt.database.listen, telemetry: writerOptions(workers) });
  await gateway.start();
  const modelServer = await startModelServer(e, rt.database.kind, log);
  const executor = jobsEngine(e) === 'embedded' ? embeddedExecutor(rt.database.db, rt.database.kind, e) : null;
  const executorHttp = executor ? executorHandler(executor) : null;
  metrics().watchRollouts(() => rolloutStateCounts(rt.database.db));
  connectPipelines(rt.database.db);
  connectRollouts(rt.database.db);
  connectEvals();
  connectVariations();

  let stopping = false;
  /** Responses not yet finished, so a graceful stop can wait for them. */
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    // While stopping, requests that still arrive on open connections are answered, and their connection closed.
    if (stopping) res.setHeader('connection', 'close');
    if (req.url?.startsWith('/gw/')) return serving.handleGateway(req, res);
    if (executorHttp && isExecutorRequest(req.url)) return executorHttp(req, res);
    if (isMetricsRequest(req.url)) {
      serveMetrics(req, res, e.SLIPWAY_METRICS_TOKEN).catch((err: unknown) => {
        log.error({ err }, 'could not build the metrics');
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    // The client's address as Slipway believes it (whatever a client sent in this header is replaced).
    req.headers[CLIENT_IP_HEADER] = clientIp(serving.remoteAddress(req), req.headers['x-forwarded-for'], e.SLIPWAY_TRUST_PROXY);
    handle(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 65_000;

  // With workers, this process's own work yields to their serving (server/gateway/priority.ts).
  const serving = await serve({ app: server, host: e.HOST, port: e.PORT, workers, gateway, db: rt.database.db, secretKey: secretKey(), lowerPriorityBy: e.SLIPWAY_APP_NICE ?? DEFAULT_APP_NICE });
  // Smoke tests call the gateway through this very listener.
  setLocalGatewayOrigin(originOfAddress(serving.address));
  /**
   * A graceful stop (SIGTERM, SIGINT) loses nothing: the server stops accepting connections, requests in flight
   * are answered (gateway requests with their telemetry queued), the telemetry queue is written, then the
   * process exits. Requests still running after SHUTDOWN_GRACE_MS are cut off. Handled from the moment the port is
   * taken, so a stop during the start-up work below (containers, the executor's sync, redispatching) is graceful too.
   */
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Calls in flight finish first (they go through this server); the rest resume at the next start.
    await executor?.stop();
    // Gateway workers answer what they have in flight and hand over their telemetry (they may pass requests to
    // this process meanwhile, so its listener closes after them).
    await serving.stopAccepting(SHUTDOWN_GRACE_MS);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (open.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Shadow calls and telemetry still being built outlive their responses.
    const drained = (await gateway.drain(Math.max(0, deadline - Date.now()))) && !open.size;
    if (!drained) log.warn({ graceMs: SHUTDOWN_GRACE_MS, open: open.size }, 'requests still running at shutdown were cut off');
    server.closeAllConnections();
    await closed;
    await app.close?.().catch(() => undefined);
    // Telemetry still queued is written before the database closes.
    await gateway.close();
    await modelServer?.close();
    await closeRuntime();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  log.info({ url: publicUrl(e), database: rt.database.kind, jobs: jobsEngine(e), gatewayWorkers: workers, ...(serving.appNice !== null ? { appNice: serving.appNice } : {}), version: appVersion() }, 'Slipway is listening');
  // Containers a crashed app left (or whose rows say removed) are removed, vanished replicas of routed releases
  // replaced: before the executor replays rollout steps that may be starting replicas of their own.
  await reconcileContainers(rt.database.db, { startup: true }).catch((err: unknown) => log.error({ err }, 'could not reconcile containers'));
  if (executor) {
    // The executor syncs through the serve endpoint, so it starts once the server answers.
    await executor.start();
  } else if (inngestDevMode(e.INNGEST_DEV)) {
    log.warn('INNGEST_DEV is set: calls from the Inngest dev server are not signed and not verified; never set it in production');
  }
  // One pass at start; after that the recovery-sweep cron function looks again every minute, on whichever
  // instance the jobs engine calls (inngest/functions/recovery-sweep.ts).
  await redispatchQueuedRuns(rt.database.db).catch((err: unknown) => log.error({ err }, 'could not dispatch queued pipeline runs'));
  await redispatchActiveRollouts(rt.database.db, 0).catch((err: unknown) => log.error({ err }, 'could not dispatch active rollouts'));
  await redispatchQueuedEvalRuns(rt.database.db).catch((err: unknown) => log.error({ err }, 'could not dispatch queued eval runs'));
  await failInterruptedBuilds(rt.database.db).catch((err: unknown) => log.error({ err }, 'could not mark interrupted image builds'));
  await redispatchUnstartedVariations(rt.database.db, 0).catch((err: unknown) => log.error({ err }, 'could not dispatch prompt-variations runs'));
}

/** The reference model server (a stand-in for a real model) beside the app, so the demo answers at once. */
async function startModelServer(e: Env, dbKind: 'embedded' | 'postgres', log: typeof logger): Promise<ReferenceModelServer | null> {
  if (e.SLIPWAY_MODEL_SERVER === 'off' || (e.SLIPWAY_MODEL_SERVER === 'auto' && dbKind !== 'embedded')) return null;
  try {
    const server = await startReferenceModelServer({ port: e.SLIPWAY_MODEL_SERVER_PORT, host: '127.0.0.1', configPath: e.SLIPWAY_MODEL_SERVER_CONFIG });
    log.info({ url: server.url, models: server.models }, 'reference model server (a stand-in for a real model) is listening');
    return server;
  } catch (err) {
    // Another one (say `npm run model-server`) may already hold the port; the app works without ours.
    log.warn({ err, port: e.SLIPWAY_MODEL_SERVER_PORT }, 'could not start the reference model server');
    return null;
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    logger.fatal({ err }, 'Slipway failed to start');
  }
  process.exit(1);
});
