// `npm run gateway`: the gateway alone, for scale-out. Operators run any number of these behind a load balancer,
// each against the console's PostgreSQL database, while the console (`npm start`) runs elsewhere. Each process
// serves /gw/* (from its gateway workers, SLIPWAY_GATEWAY_WORKERS), /api/metrics and a small /api/health on
// GATEWAY_PORT (else PORT); it loads routing from the database, hears of changes by LISTEN/NOTIFY and writes its
// telemetry there. The embedded database lives inside the console's process, so it cannot be shared: refused.
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { openDatabase } from '@/db/client';
import { resolveSecretKey } from './bootstrap';
import { ConfigError, env } from './env';
import { serve } from './gateway/front';
import { Gateway } from './gateway/handler';
import { defaultWorkerCount } from './gateway/workers';
import { DEFAULT_APP_NICE } from './gateway/priority';
import { writerOptions } from './gateway/telemetry';
import { isMetricsRequest, serveMetrics } from './lib/metrics-endpoint';
import { logger } from './logger';
import { setSecretKey } from './secrets/crypto';
import { appVersion } from './version';

const SHUTDOWN_GRACE_MS = 5_000;

async function main(): Promise<void> {
  const e = env();
  if (!e.DATABASE_URL) {
    throw new ConfigError([
      'DATABASE_URL: required by `npm run gateway`, which serves from the console’s PostgreSQL database. The embedded database (PGlite) lives inside the console’s own process and cannot be shared; without PostgreSQL, `npm start` serves the gateway itself.',
    ]);
  }
  const log = logger.child({ part: 'gateway-server' });
  const database = await openDatabase({ kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE });
  // Stored provider keys are decrypted here: the same SLIPWAY_SECRET_KEY as the console's.
  const key = await resolveSecretKey(e, log);
  setSecretKey(key);
  const workers = e.SLIPWAY_GATEWAY_WORKERS ?? defaultWorkerCount('gateway');
  const gateway = new Gateway({ db: database.db, databaseUrl: e.DATABASE_URL, telemetry: writerOptions(workers) });
  await gateway.start();

  let stopping = false;
  const server = http.createServer((req, res) => {
    if (stopping) res.setHeader('connection', 'close');
    if (req.url?.startsWith('/gw/')) return serving.handleGateway(req, res);
    if (isMetricsRequest(req.url)) {
      serveMetrics(req, res, e.SLIPWAY_METRICS_TOKEN).catch((err: unknown) => {
        log.error({ err }, 'could not build the metrics');
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    if (req.url === '/api/health') {
      database.db.execute(sql`select 1`).then(
        () => sendJson(res, 200, { status: 'ok', role: 'gateway', version: appVersion() }),
        () => sendJson(res, 503, { status: 'degraded', role: 'gateway', version: appVersion() }),
      );
      return;
    }
    sendJson(res, 404, { error: { message: 'This is a Slipway gateway process: it serves /gw/<service>/<environment>/v1/*, /api/metrics and /api/health. The console runs elsewhere.', code: 'not_found' } });
  });
  server.keepAliveTimeout = 65_000;
  // With workers this process only writes their telemetry: its turn comes after theirs (server/gateway/priority.ts).
  const serving = await serve({ app: server, host: e.HOST, port: e.GATEWAY_PORT ?? e.PORT, workers, gateway, db: database.db, secretKey: key, lowerPriorityBy: e.SLIPWAY_APP_NICE ?? DEFAULT_APP_NICE });
  log.info({ port: serving.address.port, gatewayWorkers: workers, ...(serving.appNice !== null ? { appNice: serving.appNice } : {}), version: appVersion() }, 'Slipway gateway is listening');

  /** As the app's: stop taking connections, answer what is in flight, write all telemetry, exit. */
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await serving.stopAccepting(SHUTDOWN_GRACE_MS);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = await gateway.drain(SHUTDOWN_GRACE_MS);
    if (!drained) log.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'requests still running at shutdown were cut off');
    server.closeAllConnections();
    await closed;
    await gateway.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else logger.fatal({ err }, 'the Slipway gateway failed to start');
  process.exit(1);
});
