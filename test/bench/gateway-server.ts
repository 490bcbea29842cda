// The gateway under benchmark, in its own process: an embedded database in a temporary folder holding one
// service with two releases split 90/10 over the same upstream, a gateway key, and the real Gateway handler
// with key check, routing, sticky hashing and telemetry on. Reports telemetry counts over IPC.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase } from '@/db/client';
import { requestLogs } from '@/db/schema';
import { Gateway } from '@/server/gateway/handler';
import { setSecretKey } from '@/server/secrets/crypto';
import { createGatewayKey } from '@/server/services/gateway-keys/create';
import { deploy } from '@/server/services/environments/deploy';
import { registerModelVersion } from '@/server/services/models/register';
import { createRelease } from '@/server/services/releases/create';
import { createService } from '@/server/services/services/create';
import type { ServiceContext } from '@/server/services/context';

const [, , portArg, upstreamBase, model] = process.argv;
setSecretKey(randomBytes(32));
const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-bench-'));
// BENCH_DATABASE_URL: a PostgreSQL server to create a scratch database on (dropped afterwards), as in
// production; otherwise the embedded database, which runs inside the gateway's own process.
const adminUrl = process.env.BENCH_DATABASE_URL;
const dbName = `slipway_bench_${randomBytes(4).toString('hex')}`;
let pgUrl: string | undefined;
if (adminUrl) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  pgUrl = u.toString();
}
const database = pgUrl ? await openDatabase({ kind: 'postgres', url: pgUrl }) : await openDatabase({ kind: 'embedded', dataDir: path.join(dir, 'pglite') });
const ctx: ServiceContext = { actor: { kind: 'system', job: 'bench' }, db: database.db, requestId: null };
await createService(ctx, { name: 'bench' });
await registerModelVersion(ctx, { model: 'bench-model', providerKind: 'openai-compatible', baseUrl: upstreamBase!, upstreamModel: model!, priceInputPer1M: 1, priceOutputPer1M: 2 });
await createRelease(ctx, { service: 'bench', model: 'bench-model@1' });
await createRelease(ctx, { service: 'bench', model: 'bench-model@1' });
await deploy(ctx, { service: 'bench', environment: 'dev', routes: [{ release: 1, weight: 90 }, { release: 2, weight: 10 }] });
const { key } = await createGatewayKey(ctx, { service: 'bench', name: 'bench' });

const gateway = new Gateway({ db: database.db, databaseUrl: pgUrl });
await gateway.start();
const server = http.createServer(gateway.handle);
server.keepAliveTimeout = 65_000;
server.listen(Number(portArg), '127.0.0.1', () => process.send!({ ready: true, key }));

process.on('message', (msg: { stats?: boolean; stop?: boolean }) => {
  void (async () => {
    if (msg.stats) {
      await gateway.telemetry.flush();
      const [row] = await database.db.select({ n: count() }).from(requestLogs).where(eq(requestLogs.shadow, false));
      process.send!({ stats: { handled: gateway.counters.requests, rows: row!.n, dropped: gateway.telemetry.stats.dropped, failedWrites: gateway.telemetry.stats.failedWrites } });
    }
    if (msg.stop) {
      server.closeAllConnections();
      server.close();
      await gateway.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
      if (adminUrl) {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
      process.exit(0);
    }
  })();
});
