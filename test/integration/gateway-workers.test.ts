// Gateway workers: /gw/* connections served by worker processes that hold the routing snapshot in memory and send
// their telemetry to this process's one writer. Routing changes and key revocations reach every worker within a
// second while traffic keeps succeeding; telemetry rows equal responses; a killed worker is replaced; a keep-alive
// connection mixes gateway and app requests; a graceful stop answers what is in flight and loses no telemetry.
// The worker script is bundled as `npm run build` bundles it.
import http from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { Agent, request } from 'undici';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogs } from '@/db/schema';
import { serve, type Serving } from '@/server/gateway/front';
import { Gateway } from '@/server/gateway/handler';
import { metrics } from '@/server/lib/metrics';
import { secretKey } from '@/server/secrets/crypto';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startTestUpstream, type TestUpstream } from '../helpers/upstream';

let database: TestDatabase;
let upstream: TestUpstream;
let gateway: Gateway;
let app: http.Server;
let serving: Serving;
let base: string;
let key: string;
let api: ReturnType<typeof callerFor>;
let buildDir: string;

const chatBody = (text: string) => JSON.stringify({ messages: [{ role: 'user', content: text }] });

/** One request on a connection of its own to the public port (any worker may accept it), or to `origin`. */
async function fresh(pathname: string, bearer: string, body?: string, extra: Record<string, string> = {}, origin = base): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}${pathname}`, { method: body ? 'POST' : 'GET', agent: false, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...extra } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The same request to every worker, each on its own loopback port (the workers share the public port, so which
 * one accepts a connection there is the kernel's choice): whether all answers satisfy `ok`.
 */
async function everyWorker(pathname: string, bearer: string, ok: (r: { status: number; headers: http.IncomingHttpHeaders }) => boolean, body?: string): Promise<boolean> {
  const ports = serving.workers!.ports;
  const answers = await Promise.all(ports.map((port) => fresh(pathname, bearer, body, {}, `http://127.0.0.1:${port}`)));
  return ports.length === 2 && answers.every(ok);
}

/** Waits (at most `ms`) until `probe` holds `n` times in a row. */
async function allWorkersWithin(ms: number, n: number, probe: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + ms;
  let streak = 0;
  while (Date.now() < until) {
    streak = (await probe()) ? streak + 1 : 0;
    if (streak >= n) return true;
    if (!streak) await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

async function loggedCount(ids: string[]): Promise<number> {
  await gateway.telemetry.flush();
  if (!ids.length) return 0;
  const [row] = await database.db.select({ n: sql<number>`count(*)::int` }).from(requestLogs).where(inArray(requestLogs.requestId, ids));
  return row!.n;
}

beforeAll(async () => {
  // Inside the project, so the bundle finds its packages in node_modules.
  await mkdir(path.join('node_modules', '.cache'), { recursive: true });
  buildDir = await mkdtemp(path.join(process.cwd(), 'node_modules', '.cache', 'slipway-gw-worker-'));
  await build({ entryPoints: { 'gateway-worker': 'server/gateway/worker-main.ts' }, outdir: buildDir, outExtension: { '.js': '.mjs' }, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning', tsconfig: 'tsconfig.json' });
  database = await freshDatabase();
  upstream = await startTestUpstream();
  api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
  await api.services.create({ name: 'wk-svc' });
  await api.models.register({ model: 'wk-model', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel: 'm' });
  await api.models.register({ model: 'wk-slow', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel: 'slow-m' });
  await api.releases.create({ service: 'wk-svc', model: 'wk-model@1' });
  await api.releases.create({ service: 'wk-svc', model: 'wk-model@1' });
  await api.releases.create({ service: 'wk-svc', model: 'wk-slow@1' });
  await api.environments.deploy({ service: 'wk-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
  // Release 3 (a slow, streaming model) is only called pinned: its target is asked of this process by the worker.
  key = (await api.gatewayKeys.create({ service: 'wk-svc', name: 'app', allowPin: true })).key;
  // Polling is all but off: changes reach the workers by notification and message alone.
  gateway = new Gateway({ db: database.db, databaseUrl: database.url, listen: database.listen, pollIntervalMs: 60_000, telemetry: { flushIntervalMs: 20 } });
  await gateway.start();
  app = http.createServer((req, res) => {
    if (req.url?.startsWith('/gw/')) return serving.handleGateway(req, res);
    // Stands in for the app: says which process answered and for which client.
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pid: process.pid, url: req.url, bodyBytes: n, client: serving.remoteAddress(req) })));
  });
  serving = await serve({ app, host: '127.0.0.1', port: 0, workers: 2, gateway, db: database.db, secretKey: secretKey(), workerEntry: path.join(buildDir, 'gateway-worker.mjs') });
  base = `http://127.0.0.1:${serving.address.port}`;
});

afterAll(async () => {
  await serving?.stopAccepting(2_000);
  if (app) {
    app.closeAllConnections();
    await new Promise((r) => app.close(r));
  }
  await gateway?.close();
  await upstream?.close();
  await database?.close();
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

describe('gateway workers', () => {
  it('serves gateway connections from worker processes, and a keep-alive connection mixes /gw and /api requests', async () => {
    expect(serving.workers!.pids).toHaveLength(2);
    const before = serving.workers!.stats.connectionsToApp;
    const agent = new Agent({ connections: 1 });
    const gw = async () => {
      const res = await request(`${base}/gw/wk-svc/dev/v1/chat/completions`, { dispatcher: agent, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: chatBody('hello') });
      expect(res.statusCode).toBe(200);
      return (await res.body.json()) as { choices: { message: { content: string } }[] };
    };
    const appCall = async (body?: string) => {
      const res = await request(`${base}/api/ping`, { dispatcher: agent, method: body ? 'POST' : 'GET', body });
      expect(res.statusCode).toBe(200);
      return (await res.body.json()) as { pid: number; url: string; bodyBytes: number; client: string };
    };
    expect((await gw()).choices[0]!.message.content).toBe('m: hello');
    // The same connection (a worker's) carries app requests: passed to this process with the client's address.
    expect(await appCall()).toEqual({ pid: process.pid, url: '/api/ping', bodyBytes: 0, client: '127.0.0.1' });
    expect((await appCall('x'.repeat(100_000))).bodyBytes).toBe(100_000);
    await gw();
    await agent.close();
    // A worker accepted the connection and kept it.
    expect(serving.workers!.stats.connectionsToApp).toBe(before);

    // A connection that opens with an app request is handed to this process; its gateway requests go to a worker.
    const servedHere = gateway.counters.requests;
    const other = new Agent({ connections: 1 });
    expect((await request(`${base}/api/ping`, { dispatcher: other }).then((r) => r.body.json())) as { pid: number }).toMatchObject({ pid: process.pid });
    const res = await request(`${base}/gw/wk-svc/dev/v1/models`, { dispatcher: other, headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    await other.close();
    expect(gateway.counters.requests).toBe(servedHere);
    expect(serving.workers!.stats.connectionsToApp).toBe(before + 1);
  });

  it('brings a routing change and a key revocation to every worker within a second, while traffic keeps succeeding; telemetry rows equal responses', async () => {
    const { key: loadKey } = await api.gatewayKeys.create({ service: 'wk-svc', name: 'load' });
    expect(await allWorkersWithin(1_000, 2, () => everyWorker('/gw/wk-svc/dev/v1/models', loadKey, (r) => r.status === 200))).toBe(true);
    const ids: string[] = [];
    const failures: number[] = [];
    let running = true;
    const agent = new Agent({ connections: 4 });
    const load = (async () => {
      while (running) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            const res = await request(`${base}/gw/wk-svc/dev/v1/chat/completions`, { dispatcher: agent, method: 'POST', headers: { authorization: `Bearer ${loadKey}`, 'content-type': 'application/json' }, body: chatBody('under load') });
            await res.body.dump();
            if (res.statusCode === 200) ids.push(String(res.headers['x-slipway-request-id']));
            else failures.push(res.statusCode);
          }),
        );
      }
    })();
    await allWorkersWithin(2_000, 1, async () => ids.length > 20);

    await api.environments.deploy({ service: 'wk-svc', environment: 'dev', routes: [{ release: 2, weight: 100 }] });
    const onRelease2 = () => everyWorker('/gw/wk-svc/dev/v1/chat/completions', key, (r) => r.headers['x-slipway-release'] === 'wk-svc#2', chatBody('which'));
    expect(await allWorkersWithin(1_000, 2, onRelease2)).toBe(true);
    // And through the public port.
    expect((await fresh('/gw/wk-svc/dev/v1/chat/completions', key, chatBody('which'))).headers['x-slipway-release']).toBe('wk-svc#2');

    const { key: doomed, gatewayKey } = await api.gatewayKeys.create({ service: 'wk-svc', name: 'doomed' });
    expect(await allWorkersWithin(1_000, 2, () => everyWorker('/gw/wk-svc/dev/v1/models', doomed, (r) => r.status === 200))).toBe(true);
    await api.gatewayKeys.revoke({ service: 'wk-svc', keyId: gatewayKey.id });
    expect(await allWorkersWithin(1_000, 2, () => everyWorker('/gw/wk-svc/dev/v1/models', doomed, (r) => r.status === 401))).toBe(true);
    expect((await fresh('/gw/wk-svc/dev/v1/models', doomed)).status).toBe(401);

    running = false;
    await load;
    await agent.close();
    expect(failures).toEqual([]);
    expect(ids.length).toBeGreaterThan(20);
    // Every answered request has its row, written by this process for the workers.
    await allWorkersWithin(2_000, 1, async () => (await loggedCount(ids)) === ids.length);
    expect(await loggedCount(ids)).toBe(ids.length);
  });

  it('counts the workers\' requests in this process\'s Prometheus metrics', async () => {
    // Summed over the label sets that match (every release of wk-svc/dev).
    const count = async (pattern: RegExp) => [...(await metrics().exposition()).matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
    const answered = /slipway_gateway_requests_total\{service="wk-svc",environment="dev",release="\d+",shadow="false"\} (\d+)/g;
    const refused = /slipway_gateway_refused_total\{code="invalid_api_key"\} (\d+)/g;
    const [answeredBefore, refusedBefore] = [await count(answered), await count(refused)];
    for (let i = 0; i < 4; i++) {
      expect((await fresh('/gw/wk-svc/dev/v1/chat/completions', key, chatBody('count me'))).status).toBe(200);
      expect((await fresh('/gw/wk-svc/dev/v1/models', 'sgw_not-a-key')).status).toBe(401);
    }
    // Rows arrive within the workers' flush interval, refusals within their report interval (earlier tests' stragglers
    // may add to both).
    expect(await allWorkersWithin(3_000, 1, async () => (await count(answered)) >= answeredBefore + 4 && (await count(refused)) >= refusedBefore + 4)).toBe(true);
  });

  it('replaces a worker killed with SIGKILL, keeps answering, and keeps the telemetry it handed over', async () => {
    const ids: string[] = [];
    const handedBefore = serving.workers!.stats.telemetryRows;
    // Half to each worker, so the one killed has handed over rows of its own.
    const ports = serving.workers!.ports;
    for (let i = 0; i < 10; i++) {
      const res = await fresh('/gw/wk-svc/dev/v1/chat/completions', key, chatBody(`before ${i}`), {}, `http://127.0.0.1:${ports[i % ports.length]}`);
      expect(res.status).toBe(200);
      ids.push(String(res.headers['x-slipway-request-id']));
    }
    const [victim, survivor] = serving.workers!.pids;
    // Both workers' telemetry has reached this process before the kill (handed over within their flush interval).
    expect(await allWorkersWithin(2_000, 1, async () => (await loggedCount(ids)) === ids.length)).toBe(true);
    expect(serving.workers!.stats.telemetryRows).toBeGreaterThanOrEqual(handedBefore + ids.length);
    const replacedBefore = serving.workers!.stats.replaced;
    process.kill(victim!, 'SIGKILL');
    expect(await allWorkersWithin(5_000, 1, async () => serving.workers!.pids.length === 2 && !serving.workers!.pids.includes(victim!))).toBe(true);
    expect(serving.workers!.pids).toContain(survivor);
    expect(serving.workers!.stats.replaced).toBe(replacedBefore + 1);
    for (let i = 0; i < 6; i++) {
      const res = await fresh('/gw/wk-svc/dev/v1/chat/completions', key, chatBody(`after ${i}`));
      expect(res.status).toBe(200);
      ids.push(String(res.headers['x-slipway-request-id']));
    }
    await allWorkersWithin(2_000, 1, async () => (await loggedCount(ids)) === ids.length);
    expect(await loggedCount(ids)).toBe(ids.length);
  });

  it('reports a port in use, naming it (libuv would otherwise keep the error until a worker listens)', async () => {
    const holder = http.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const { port } = holder.address() as { port: number };
    try {
      await expect(serve({ app: http.createServer(), host: '127.0.0.1', port, workers: 2, gateway, db: database.db, secretKey: secretKey(), workerEntry: path.join(buildDir, 'gateway-worker.mjs') })).rejects.toMatchObject({ code: 'EADDRINUSE', message: `listen EADDRINUSE: address already in use 127.0.0.1:${port}` });
    } finally {
      holder.close();
    }
  });

  it('stops gracefully: requests in flight are answered and their telemetry is written', async () => {
    const slow = Array.from({ length: 4 }, () => fresh('/gw/wk-svc/dev/v1/chat/completions', key, JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] }), { 'x-slipway-release': '3' }));
    // Let the requests reach the workers and start streaming.
    await new Promise((r) => setTimeout(r, 150));
    const pids = serving.workers!.pids;
    await serving.stopAccepting(5_000);
    const answers = await Promise.all(slow);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.headers['x-slipway-release']).toBe('wk-svc#3');
      expect(a.text).toContain('data: [DONE]');
    }
    expect(serving.workers!.pids).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const ids = answers.map((a) => String(a.headers['x-slipway-request-id']));
    expect(await loggedCount(ids)).toBe(ids.length);
  });
});
