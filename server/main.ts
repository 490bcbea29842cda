// The Slipway process: validates settings, opens the database, then serves Next.js (UI, tRPC, auth, health)
// and the gateway from one Node HTTP server. `/gw/*` never enters Next.js.
import http from 'node:http';
import next from 'next';
import { ConfigError, env, publicUrl } from './env';
import { Gateway } from './gateway/handler';
import { logger } from './logger';
import { closeRuntime, getRuntime } from './runtime';
import { appVersion } from './version';

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
  const gateway = new Gateway({ db: rt.database.db, databaseUrl: e.DATABASE_URL });
  await gateway.start();

  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/gw/')) return gateway.handle(req, res);
    handle(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(e.PORT, e.HOST, resolve);
  });
  log.info({ url: publicUrl(e), database: rt.database.kind, version: appVersion() }, 'Slipway is listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 5_000);
    force.unref();
    await app.close?.().catch(() => undefined);
    // Telemetry still queued is written before the database closes.
    await gateway.close();
    await closeRuntime();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    logger.fatal({ err }, 'Slipway failed to start');
  }
  process.exit(1);
});
