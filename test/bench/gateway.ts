// `npm run bench:gateway`: the gateway's hot-path cost, side by side with baselines in the same run.
// (a) the reference model server directly, in no-delay mode; (b) a bare Node pass-through proxy, the
// practical floor; (c) the gateway with key check, routing, sticky hashing and telemetry. Each at a fixed
// 1,000 req/s and at maximum throughput, from a load generator in its own process.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const MODEL = 'ref-fast';

interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(url, init);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function load(url: string, mode: 'rate' | 'max', headers: Record<string, string>): Promise<LoadResult> {
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'What is the capital of France?' }], user: 'bench-user-7', max_tokens: 32 });
  const opts = { url, mode, rate: RATE, connections: mode === 'rate' ? 128 : CONNECTIONS, durationMs: DURATION_MS, warmupMs: WARMUP_MS, headers: { 'content-type': 'application/json', ...headers }, body };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'loadgen.mjs'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

const children: ChildProcess[] = [];
const stopAll = () => children.forEach((c) => c.kill('SIGTERM'));
process.on('exit', stopAll);

const upstreamPort = await freePort();
const refServer = spawn(process.execPath, [path.join(here, '..', 'model-server.mjs'), '--port', String(upstreamPort), '--host', '127.0.0.1', '--no-delay'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
children.push(refServer);
const upstreamBase = `http://127.0.0.1:${upstreamPort}/v1`;
await waitFor(`${upstreamBase}/models`);

const proxyPort = await freePort();
const proxy = spawn(process.execPath, [path.join(here, 'bare-proxy.mjs'), String(proxyPort), `${upstreamBase}/chat/completions`], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(proxy);
await waitFor(`http://127.0.0.1:${proxyPort}/`, { method: 'POST', body: '{}' });

const gatewayPort = await freePort();
const gw = fork(path.join(here, 'gateway-server.mjs'), [String(gatewayPort), upstreamBase, MODEL], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, LOG_LEVEL: 'warn' } });
const databaseKind = process.env.BENCH_DATABASE_URL ? 'postgres' : 'embedded';
children.push(gw);
const key = await new Promise<string>((resolve) => gw.on('message', (m: { ready?: boolean; key?: string }) => m.ready && resolve(m.key!)));
const ask = <T>(msg: object, field: string) =>
  new Promise<T>((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (field in m) {
        gw.off('message', on);
        resolve(m[field] as T);
      }
    };
    gw.on('message', on);
    gw.send(msg);
  });

const targets = {
  upstream: { url: `${upstreamBase}/chat/completions`, headers: {} },
  'bare proxy': { url: `http://127.0.0.1:${proxyPort}/v1/chat/completions`, headers: {} },
  gateway: { url: `http://127.0.0.1:${gatewayPort}/gw/bench/dev/v1/chat/completions`, headers: { authorization: `Bearer ${key}` } },
} as const;

const results: Record<string, { rate: LoadResult; max: LoadResult }> = {};
for (const [name, t] of Object.entries(targets)) {
  process.stdout.write(`measuring ${name} …\n`);
  const rate = await load(t.url, 'rate', t.headers);
  const max = await load(t.url, 'max', t.headers);
  results[name] = { rate, max };
}
const stats = await ask<{ handled: number; rows: number; dropped: number; failedWrites: number }>({ stats: true }, 'stats');
gw.send({ stop: true });

const r = (n: number) => Math.round(n * 1000) / 1000;
const up = results.upstream!;
const bare = results['bare proxy']!;
const gwr = results.gateway!;
const gatewaySent = gwr.rate.sent + gwr.max.sent;
const summary = {
  machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  settings: { durationMs: DURATION_MS, warmupMs: WARMUP_MS, rate: RATE, connections: CONNECTIONS, telemetryDatabase: databaseKind },
  results,
  gateway: {
    addedP50AtRateMs: r(gwr.rate.p50 - up.rate.p50),
    addedP99AtRateMs: r(gwr.rate.p99 - up.rate.p99),
    maxThroughputShareOfBareProxy: r(gwr.max.throughput / bare.max.throughput),
    telemetry: { requestsHandled: stats.handled, rowsWritten: stats.rows, measuredRequestsSent: gatewaySent, dropped: stats.dropped, failedWrites: stats.failedWrites, lost: stats.handled - stats.rows },
  },
  targets: { addedP50AtRateMs: 0.5, addedP99AtRateMs: 3, maxThroughputShareOfBareProxy: 0.6, telemetryLost: 0 },
};

const line = (name: string, x: { rate: LoadResult; max: LoadResult }) =>
  `${name.padEnd(11)} │ ${x.rate.p50.toFixed(3).padStart(8)} ${x.rate.p99.toFixed(3).padStart(8)} ${x.rate.throughput.toFixed(0).padStart(7)} ${String(x.rate.failed).padStart(6)} │ ${x.max.p50.toFixed(3).padStart(8)} ${x.max.p99.toFixed(3).padStart(8)} ${x.max.throughput.toFixed(0).padStart(7)} ${String(x.max.failed).padStart(6)}`;
process.stdout.write(`
target      │ at ${RATE} req/s: p50 ms   p99 ms   req/s   fail │ at max (${CONNECTIONS} conns): p50 ms   p99 ms   req/s   fail
${Object.entries(results)
  .map(([n, x]) => line(n, x))
  .join('\n')}

gateway added latency at ${RATE} req/s: p50 ${summary.gateway.addedP50AtRateMs} ms (target ≤ 0.5), p99 ${summary.gateway.addedP99AtRateMs} ms (target ≤ 3)
gateway max throughput: ${(summary.gateway.maxThroughputShareOfBareProxy * 100).toFixed(1)}% of the bare proxy (target ≥ 60%)
telemetry (${databaseKind} database): ${stats.rows} rows written for ${stats.handled} requests handled (${stats.handled - stats.rows} lost, ${stats.dropped} dropped)
`);
const out = path.join(process.cwd(), 'test-results', 'bench-gateway.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(summary, null, 2));
process.stdout.write(`figures written to ${path.relative(process.cwd(), out)}\n`);
stopAll();
process.exit(0);
