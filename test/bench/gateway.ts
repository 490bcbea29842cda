// `npm run bench:gateway`: what Slipway's gateway costs inside the real app, side by side with two baselines on
// the same machine at the same time: (a) the reference model server called directly, in no-delay mode, in its
// own process; (b) a bare Node pass-through proxy, the practical floor; (c) the gateway of the app that
// `npm start` runs, with key check, routing (90/10 over two releases), sticky hashing and telemetry. Rounds
// interleave the three (each round in a rotated order) so the machine's other load falls on all of them alike.
// Each round measures, from a load generator in its own process: latency at a fixed open-loop rate, maximum
// throughput (closed loop, fixed connections), and streamed time to first token; plus the app's memory idle (at
// each round's start, right after the previous round's load) and under load, and after each round the telemetry
// rows written against the gateway's answers. After the last round the app's memory is read once more at rest,
// after BENCH_SETTLE_SECONDS without traffic.
// With BENCH_BASELINE_DIR (another checkout's folder, built), its app runs beside this one as a fourth target,
// `baseline`, in the same interleaved rounds: a change is measured against the code before it at the same moment.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { cpuMs, machineBusyMs, processTree, sampleRss, setUpService, startApp, telemetryRows, treeRss, ENVIRONMENT, SERVICE, type App } from './app';
import { formatSpread, spread, type Spread } from './stats';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..');

const knob = (min: number) => z.coerce.number().int(`must be a whole number`).min(min, `must be at least ${min}`);
const settingsSchema = z.object({
  BENCH_ROUNDS: knob(1).default(3),
  BENCH_SECONDS: knob(1).default(10),
  BENCH_WARMUP_SECONDS: knob(0).default(2),
  BENCH_RATE: knob(1).default(1000),
  BENCH_STREAM_RATE: knob(1).default(200),
  BENCH_CONNECTIONS: knob(1).default(64),
  BENCH_DATABASE_URL: z.string().url('must be a postgres:// URL').optional(),
  BENCH_BASELINE_DIR: z.string().min(1).optional(),
  BENCH_SETTLE_SECONDS: knob(0).default(60),
  BENCH_HARNESS_NICE: z.coerce.number().int('must be a whole number').min(-20, 'must be at least -20').max(0, 'must be at most 0 (the harness is never put below the targets)').default(-15),
});
const parsed = settingsSchema.safeParse(Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('BENCH_') && v !== '')));
if (!parsed.success) {
  process.stderr.write(`${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('\n')}\n`);
  process.exit(2);
}
const S = parsed.data;
const UPSTREAM_MODEL = 'ref-fast';
type Target = 'direct' | 'bare proxy' | 'gateway' | 'baseline';
const TARGETS: Target[] = ['direct', 'bare proxy', 'gateway', ...(S.BENCH_BASELINE_DIR ? (['baseline'] as const) : [])];
const APP_TARGETS = ['gateway', 'baseline'] as const;
type AppTarget = (typeof APP_TARGETS)[number];
type Mode = 'rate' | 'max' | 'stream';

interface LoadResult {
  mode: Mode;
  sent: number;
  ok: number;
  failed: number;
  errors: number;
  responses: number;
  throughput: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  sendLagP50: number;
  sendLagP99: number;
  /** The load generator's own CPU time over the run, ms. */
  cpuMs: number;
  /** CPU time over the run (warm-up included), ms: per part, and the whole machine's. */
  cpu?: CpuSplit;
}

/** Where CPU time went during one measurement, ms. `server` is the model server, `front` the process that was
 * called (the bare proxy, or the app's main process), `workers` the app's processes below it (gateway workers),
 * `rest` everything else the machine did (on PostgreSQL, mostly the database server). */
interface CpuSplit {
  loadgen: number;
  server: number;
  front: number;
  workers: number;
  rest: number;
  machine: number;
}

interface Round {
  order: Target[];
  results: Record<Target, Record<Mode, LoadResult>>;
  app: AppRound;
  telemetry: { responsesAnswered: number; rowsWritten: number; lost: number };
  /** The baseline app's figures, with BENCH_BASELINE_DIR. */
  baseline?: { app: AppRound; telemetry: { responsesAnswered: number; rowsWritten: number; lost: number } };
}

/** The app's memory after BENCH_SETTLE_SECONDS without traffic, once, after the last round. */
interface AtRest {
  rssMb: number;
  pssMb: number;
  processes: number;
}

interface AppRound {
  idleRssMb: number;
  loadRssMb: number;
  idlePssMb: number;
  loadPssMb: number;
  processes: number;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(url, init).then(
      async (r) => (await r.arrayBuffer(), r.status < 500),
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${url} did not come up within 30 s`);
    await sleep(100);
  }
}

/**
 * The load generator and the model server stand for the client's machine and the model provider's. On one small
 * machine the processes under test take the CPU from them: the client's sends and the model's answers then come
 * late, and the delay would be counted as the target's own. So both run at a higher CPU priority (their nice value
 * lowered by BENCH_HARNESS_NICE's amount, -15 unless set; 0 turns it off) when this process may raise one (root or
 * CAP_SYS_NICE), for every target alike; the targets (the bare proxy, the apps) keep their own. Returns the
 * adjustment applied, or null when it is not permitted.
 */
function harnessNice(adjustment: number): number | null {
  if (adjustment === 0) return 0;
  const own = os.getPriority();
  try {
    // Linux sets the priority of the calling thread: raised and put back at once, only to learn whether it may.
    os.setPriority(Math.max(-20, own + adjustment));
    os.setPriority(own);
    return adjustment;
  } catch {
    return null;
  }
}
const HARNESS_NICE = harnessNice(S.BENCH_HARNESS_NICE);

/** The command that runs a Node.js script as part of the harness: through nice(1), so every thread of it has the priority. */
function harnessCommand(args: string[]): [string, string[]] {
  return HARNESS_NICE ? ['nice', ['-n', String(HARNESS_NICE), process.execPath, ...args]] : [process.execPath, args];
}

const children: ChildProcess[] = [];
function startChild(file: string, args: string[], opts: { harness: boolean }): ChildProcess {
  const script = [path.join(here, file), ...args];
  const [command, argv] = opts.harness ? harnessCommand(script) : [process.execPath, script];
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  children.push(child);
  return child;
}

function load(url: string, mode: Mode, headers: Record<string, string>, durationMs = S.BENCH_SECONDS * 1000): Promise<LoadResult> {
  const body = JSON.stringify({
    model: UPSTREAM_MODEL,
    messages: [{ role: 'user', content: 'What is the capital of France?' }],
    user: 'bench-user-7',
    max_tokens: 32,
    ...(mode === 'stream' ? { stream: true } : {}),
  });
  const opts = {
    url,
    mode,
    rate: mode === 'stream' ? S.BENCH_STREAM_RATE : S.BENCH_RATE,
    // Open loop: enough connections that the client never queues at the target rate unless the server is slow.
    connections: mode === 'max' ? S.BENCH_CONNECTIONS : 256,
    durationMs,
    warmupMs: S.BENCH_WARMUP_SECONDS * 1000,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  };
  return new Promise((resolve, reject) => {
    const [command, argv] = harnessCommand([path.join(here, 'loadgen.mjs'), JSON.stringify(opts)]);
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    // JSON has no NaN: a figure without samples comes back as null.
    const revive = (_: string, v: unknown) => (v === null ? NaN : v);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out, revive) as LoadResult) : reject(new Error(`the load generator exited with ${code}`))));
  });
}

const CPU_PARTS = ['loadgen', 'server', 'front', 'workers', 'rest', 'machine'] as const;

interface CpuNow {
  server: number;
  front: number;
  workers: number;
  machine: number;
}

async function cpuNow(serverPid: number, frontPid: number | null): Promise<CpuNow> {
  const below = frontPid ? (await processTree(frontPid)).slice(1) : [];
  const workers = (await Promise.all(below.map(cpuMs))).reduce((a, b) => a + b, 0);
  return { server: await cpuMs(serverPid), front: frontPid ? await cpuMs(frontPid) : 0, workers, machine: await machineBusyMs() };
}

function cpuSplit(a: CpuNow, b: CpuNow, loadgen: number): CpuSplit {
  const server = b.server - a.server;
  const front = b.front - a.front;
  // A worker replaced during the run would make this negative; count none then.
  const workers = Math.max(0, b.workers - a.workers);
  const machine = b.machine - a.machine;
  return { loadgen, server, front, workers, machine, rest: Math.max(0, machine - loadgen - server - front - workers) };
}

/** Waits until the telemetry rows reach `expected`, or stop growing for 3 s (at most 30 s); returns the count. */
async function settledRows(app: App, since: Date, expected: number): Promise<number> {
  let rows = await telemetryRows(app, since);
  let changedAt = Date.now();
  for (const until = Date.now() + 30_000; rows < expected && Date.now() - changedAt < 3000 && Date.now() < until; ) {
    await sleep(250);
    const n = await telemetryRows(app, since);
    if (n !== rows) changedAt = Date.now();
    rows = n;
  }
  return rows;
}

async function main() {
  const loadStart = os.loadavg();
  const modelPort = await freePort();
  const modelServer = startChild('../model-server.mjs', ['--port', String(modelPort), '--host', '127.0.0.1', '--no-delay'], { harness: true });
  const modelOrigin = `http://127.0.0.1:${modelPort}`;
  await waitFor(`${modelOrigin}/v1/models`);

  const proxyPort = await freePort();
  const bareProxy = startChild('bare-proxy.mjs', [String(proxyPort), modelOrigin], { harness: false });
  await waitFor(`http://127.0.0.1:${proxyPort}/v1/models`);

  process.stdout.write(`starting the app (${S.BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded database'}) …\n`);
  const since = new Date();
  const apps: Partial<Record<AppTarget, App>> = {};
  const stopAll = async () => {
    await Promise.all(Object.values(apps).map((a) => a.stop()));
  };
  stopApp = stopAll;
  try {
    apps.gateway = await startApp(root, await freePort(), S.BENCH_DATABASE_URL);
    if (S.BENCH_BASELINE_DIR) {
      process.stdout.write(`starting the baseline app from ${S.BENCH_BASELINE_DIR} …\n`);
      apps.baseline = await startApp(path.resolve(S.BENCH_BASELINE_DIR), await freePort(), S.BENCH_DATABASE_URL);
    }
    const running = APP_TARGETS.filter((t) => apps[t]);
    const keys = Object.fromEntries(await Promise.all(running.map(async (t) => [t, await setUpService(apps[t]!, `${modelOrigin}/v1`, UPSTREAM_MODEL)] as const))) as Record<AppTarget, string>;
    const gatewayOf = (t: AppTarget) => ({ url: `${apps[t]!.url}/gw/${SERVICE}/${ENVIRONMENT}/v1/chat/completions`, headers: { authorization: `Bearer ${keys[t]}` } });
    const targets = {
      direct: { url: `${modelOrigin}/v1/chat/completions`, headers: {} },
      'bare proxy': { url: `http://127.0.0.1:${proxyPort}/v1/chat/completions`, headers: {} },
      gateway: gatewayOf('gateway'),
      ...(apps.baseline ? { baseline: gatewayOf('baseline') } : {}),
    } as Record<Target, { url: string; headers: Record<string, string> }>;
    const rounds: Round[] = [];
    const answered = { gateway: 0, baseline: 0 };
    const rowsBefore = { gateway: 0, baseline: 0 };
    // Every target is warmed once before the rounds, at full load for a few seconds: the app's first seconds after
    // starting (its code not yet optimised, its start-up jobs) are not what a running gateway does. The warm-up's
    // answers count against the telemetry rows like any others.
    process.stdout.write('warming up every target …\n');
    for (const t of TARGETS) {
      const warm = await load(targets[t].url, 'max', targets[t].headers, Math.max(5, 2 * S.BENCH_WARMUP_SECONDS) * 1000);
      if (t === 'gateway' || t === 'baseline') answered[t] += warm.responses;
    }
    for (const t of running) rowsBefore[t] = await settledRows(apps[t]!, since, answered[t]);
    for (let n = 0; n < S.BENCH_ROUNDS; n++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + n) % TARGETS.length]!);
      process.stdout.write(`round ${n + 1}/${S.BENCH_ROUNDS}: ${order.join(', ')} …\n`);
      const idle = Object.fromEntries(await Promise.all(running.map(async (t) => [t, await treeRss(apps[t]!.pid)] as const))) as Record<AppTarget, Awaited<ReturnType<typeof treeRss>>>;
      const results = Object.fromEntries(TARGETS.map((t) => [t, {}])) as Round['results'];
      const loadPeak = Object.fromEntries(running.map((t) => [t, { peakBytes: 0, peakPssBytes: 0, processes: 0 }])) as Record<AppTarget, { peakBytes: number; peakPssBytes: number; processes: number }>;
      for (const mode of ['rate', 'max', 'stream'] as const) {
        for (const t of order) {
          const appTarget = t === 'gateway' || t === 'baseline' ? t : null;
          const sampler = appTarget ? sampleRss(apps[appTarget]!.pid, 250, { pssEveryMs: 5_000 }) : null;
          const frontPid = appTarget ? apps[appTarget]!.pid : t === 'bare proxy' ? bareProxy.pid! : null;
          const before = await cpuNow(modelServer.pid!, frontPid);
          results[t][mode] = await load(targets[t].url, mode, targets[t].headers);
          const after = await cpuNow(modelServer.pid!, frontPid);
          results[t][mode].cpu = cpuSplit(before, after, results[t][mode].cpuMs);
          const peak = await sampler?.stop();
          if (appTarget && peak) {
            const best = loadPeak[appTarget];
            if (peak.peakBytes > best.peakBytes) Object.assign(best, { peakBytes: peak.peakBytes, processes: peak.processes });
            best.peakPssBytes = Math.max(best.peakPssBytes, peak.peakPssBytes);
            answered[appTarget] += results[t][mode].responses;
          }
          for (const a of running) {
            const gone = apps[a]!.exited();
            if (gone) throw new Error(`the ${a === 'gateway' ? 'app' : 'baseline app'} stopped (${gone}) during round ${n + 1}`);
          }
        }
      }
      const appRound = (t: AppTarget): { app: AppRound; telemetry: Round['telemetry'] } => ({
        app: { idleRssMb: mb(idle[t].bytes), loadRssMb: mb(loadPeak[t].peakBytes), idlePssMb: mb(idle[t].pssBytes), loadPssMb: mb(loadPeak[t].peakPssBytes), processes: Math.max(idle[t].processes, loadPeak[t].processes) },
        telemetry: { responsesAnswered: 0, rowsWritten: 0, lost: 0 },
      });
      const perApp = {} as Record<AppTarget, { app: AppRound; telemetry: Round['telemetry'] }>;
      for (const t of running) {
        const rows = await settledRows(apps[t]!, since, answered[t]);
        const roundAnswered = Object.values(results[t]).reduce((sum, x) => sum + x.responses, 0);
        perApp[t] = appRound(t);
        perApp[t].telemetry = { responsesAnswered: roundAnswered, rowsWritten: rows - rowsBefore[t], lost: roundAnswered - (rows - rowsBefore[t]) };
        rowsBefore[t] = rows;
      }
      rounds.push({ order, results, ...perApp.gateway, ...(perApp.baseline ? { baseline: perApp.baseline } : {}) });
    }
    const finalRows = await settledRows(apps.gateway, since, answered.gateway);
    const baselineRows = apps.baseline ? await settledRows(apps.baseline, since, answered.baseline) : 0;
    // Memory at rest: after the last round, no traffic for BENCH_SETTLE_SECONDS, by which time V8 has had the chance
    // to give back what the load made it take (its memory reducer starts 8 s after a busy spell at the earliest).
    process.stdout.write(`waiting ${S.BENCH_SETTLE_SECONDS} s without traffic for the memory at rest …\n`);
    await sleep(S.BENCH_SETTLE_SECONDS * 1000);
    const rest = Object.fromEntries(await Promise.all(running.map(async (t) => [t, await treeRss(apps[t]!.pid)] as const))) as Record<AppTarget, Awaited<ReturnType<typeof treeRss>>>;
    const atRest = (t: AppTarget): AtRest => ({ rssMb: mb(rest[t].bytes), pssMb: mb(rest[t].pssBytes), processes: rest[t].processes });
    await report(apps.gateway, rounds, answered.gateway, finalRows, loadStart, atRest('gateway'), apps.baseline ? { app: apps.baseline, answered: answered.baseline, rows: baselineRows, atRest: atRest('baseline') } : null);
  } catch (err) {
    for (const [t, a] of Object.entries(apps)) process.stderr.write(`the ${t === 'gateway' ? 'app' : 'baseline app'}'s last output:\n${a.output()}\n`);
    throw err;
  } finally {
    stopApp = null;
    await stopAll();
  }
}

function report(app: App, rounds: Round[], answered: number, rows: number, loadStart: number[], atRest: AtRest, baseline: { app: App; answered: number; rows: number; atRest: AtRest } | null) {
  const over = (f: (r: Round) => number): Spread => spread(rounds.map(f));
  const fig = (t: Target, m: Mode, k: keyof LoadResult) => over((r) => r.results[t][m][k] as number);
  // CPU per answered response (warm-up included on both sides), µs, by part.
  const cpuPer = (t: Target, m: Mode, k: keyof CpuSplit) => over((r) => ((r.results[t][m].cpu?.[k] ?? NaN) / r.results[t][m].responses) * 1000);
  const fails = (t: Target, m: Mode) => rounds.reduce((s, r) => s + r.results[t][m].failed + r.results[t][m].errors, 0);
  const summary = Object.fromEntries(
    TARGETS.map((t) => [
      t,
      {
        atRate: { p50Ms: fig(t, 'rate', 'p50'), p90Ms: fig(t, 'rate', 'p90'), p99Ms: fig(t, 'rate', 'p99'), achievedRate: fig(t, 'rate', 'throughput'), failed: fails(t, 'rate') },
        max: {
          throughput: fig(t, 'max', 'throughput'),
          p50Ms: fig(t, 'max', 'p50'),
          failed: fails(t, 'max'),
          cpuUsPerResponse: Object.fromEntries(CPU_PARTS.map((k) => [k, cpuPer(t, 'max', k)])),
        },
        stream: { ttftP50Ms: fig(t, 'stream', 'p50'), ttftP99Ms: fig(t, 'stream', 'p99'), failed: fails(t, 'stream') },
      },
    ]),
  );
  // Added latency and throughput share are taken within each round (same moment, same machine load), then summarised.
  const added = (m: Mode, k: 'p50' | 'p99', base: Target = 'direct', of: AppTarget = 'gateway') => over((r) => r.results[of][m][k] - r.results[base][m][k]);
  const addedP50 = added('rate', 'p50');
  const addedP99 = added('rate', 'p99');
  const bareAddedP99 = over((r) => r.results['bare proxy'].rate.p99 - r.results.direct.rate.p99);
  // What the gateway's tail costs beyond the floor: its p99 less the bare proxy's, round by round.
  const overBareP99 = over((r) => r.results.gateway.rate.p99 - r.results['bare proxy'].rate.p99);
  const addedTtftP50 = added('stream', 'p50');
  const addedTtftP99 = added('stream', 'p99');
  const share = over((r) => r.results.gateway.max.throughput / r.results['bare proxy'].max.throughput);
  const idle = over((r) => r.app.idleRssMb);
  const underLoad = over((r) => r.app.loadRssMb);
  const idlePss = over((r) => r.app.idlePssMb);
  const underLoadPss = over((r) => r.app.loadPssMb);
  const lost = answered - rows;
  const base = baseline
    ? {
        addedP50AtRateMs: added('rate', 'p50', 'direct', 'baseline'),
        addedP99AtRateMs: added('rate', 'p99', 'direct', 'baseline'),
        maxThroughputShareOfBareProxy: over((r) => r.results.baseline.max.throughput / r.results['bare proxy'].max.throughput),
        addedTtftP99Ms: added('stream', 'p99', 'direct', 'baseline'),
        idleRssMb: over((r) => r.baseline!.app.idleRssMb),
        underLoadRssMb: over((r) => r.baseline!.app.loadRssMb),
        idlePssMb: over((r) => r.baseline!.app.idlePssMb),
        underLoadPssMb: over((r) => r.baseline!.app.loadPssMb),
        atRest: baseline.atRest,
        telemetry: { responsesAnswered: baseline.answered, rowsWritten: baseline.rows, lost: baseline.answered - baseline.rows },
      }
    : null;

  const json = {
    machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: { start: r3(loadStart[0]!), end: r3(os.loadavg()[0]!) } },
    database: app.databaseKind,
    settings: {
      rounds: S.BENCH_ROUNDS,
      seconds: S.BENCH_SECONDS,
      warmupSeconds: S.BENCH_WARMUP_SECONDS,
      rate: S.BENCH_RATE,
      streamRate: S.BENCH_STREAM_RATE,
      connections: S.BENCH_CONNECTIONS,
      telemetryDatabase: app.databaseKind,
      gatewayWorkers: process.env.SLIPWAY_GATEWAY_WORKERS ?? null,
      baselineDir: S.BENCH_BASELINE_DIR ?? null,
      settleSeconds: S.BENCH_SETTLE_SECONDS,
      harnessNice: HARNESS_NICE,
    },
    results: summary,
    app: { startupPeakRssMb: mb(app.startupPeakRssBytes), idleRssMb: idle, underLoadRssMb: underLoad, idlePssMb: idlePss, underLoadPssMb: underLoadPss, atRest },
    gateway: {
      addedP50AtRateMs: r3(addedP50.median),
      addedP99AtRateMs: r3(addedP99.median),
      maxThroughputShareOfBareProxy: r3(share.median),
      spread: { addedP50AtRateMs: addedP50, addedP99AtRateMs: addedP99, maxThroughputShareOfBareProxy: share, addedTtftP50Ms: addedTtftP50, addedTtftP99Ms: addedTtftP99, bareProxyAddedP99AtRateMs: bareAddedP99, p99OverBareProxyAtRateMs: overBareP99 },
      telemetry: { responsesAnswered: answered, rowsWritten: rows, lost },
    },
    ...(base ? { baseline: base } : {}),
    targets: { addedP50AtRateMs: 0.5, addedP99AtRateMs: 3, maxThroughputShareOfBareProxy: 0.6, telemetryLost: 0 },
    rounds,
  };

  const cell = (s: Spread, d = 2, sign = false) => formatSpread(s, d, sign).padStart(22);
  const head = (cols: string[]) => `${'target'.padEnd(11)} │${cols.map((c) => c.padStart(22)).join(' ')}`;
  const row = (t: Target, cells: string[], failed: number) => `${t.padEnd(11)} │${cells.join(' ')}${String(failed).padStart(7)}`;
  const lines = [
    '',
    `Gateway benchmark: the app on the ${app.databaseKind === 'postgres' ? 'PostgreSQL' : 'embedded'} database, ${S.BENCH_ROUNDS} rounds of ${S.BENCH_SECONDS} s per measurement (after ${S.BENCH_WARMUP_SECONDS} s warm-up), ${os.cpus().length} CPUs, load average ${loadStart[0]!.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)}; SLIPWAY_GATEWAY_WORKERS=${process.env.SLIPWAY_GATEWAY_WORKERS ?? '(default)'}`,
    HARNESS_NICE
      ? `the load generator and the model server ran at nice ${HARNESS_NICE} from the targets' (BENCH_HARNESS_NICE)`
      : `the load generator and the model server ran at the targets' priority (BENCH_HARNESS_NICE=${S.BENCH_HARNESS_NICE}${HARNESS_NICE === null ? ' needs root or CAP_SYS_NICE' : ''}): the targets' CPU use delays them, and that delay counts as the targets' own`,
    'Figures: median [min–max] over rounds.',
    '',
    `Latency at ${S.BENCH_RATE} req/s (open loop, from the scheduled send time), ms`,
    `${head(['p50', 'p90', 'p99', 'achieved req/s', 'send lag p99'])}   fail`,
    ...TARGETS.map((t) =>
      row(t, [cell(fig(t, 'rate', 'p50')), cell(fig(t, 'rate', 'p90')), cell(fig(t, 'rate', 'p99')), cell(fig(t, 'rate', 'throughput'), 0), cell(fig(t, 'rate', 'sendLagP99'))], fails(t, 'rate')),
    ),
    `(send lag: how late the load generator itself sent, counted in the latencies; large values mean the machine was too busy to measure well)`,
    '',
    `Maximum throughput (closed loop, ${S.BENCH_CONNECTIONS} connections) and streamed time to first token at ${S.BENCH_STREAM_RATE} req/s`,
    `${head(['max req/s', 'TTFT p50 ms', 'TTFT p99 ms'])}   fail`,
    ...TARGETS.map((t) => row(t, [cell(fig(t, 'max', 'throughput'), 0), cell(fig(t, 'stream', 'p50')), cell(fig(t, 'stream', 'p99'))], fails(t, 'max') + fails(t, 'stream'))),
    '',
    `CPU per response at maximum throughput, µs (loadgen: the load generator; server: the model server; front: the process called — the bare proxy, or the app's own process; workers: the app's gateway workers; rest: everything else on the machine)`,
    `${head(CPU_PARTS.map(String))}`,
    ...TARGETS.map((t) => row(t, CPU_PARTS.map((k) => cell(cpuPer(t, 'max', k), 0)), fails(t, 'max'))),
    '',
    `gateway added over direct at ${S.BENCH_RATE} req/s: p50 ${formatSpread(addedP50, 2, true)} ms (target ≤ 0.5), p99 ${formatSpread(addedP99, 2, true)} ms (target ≤ 3); bare proxy p99 ${formatSpread(bareAddedP99, 2, true)} ms; gateway p99 over the bare proxy's ${formatSpread(overBareP99, 2, true)} ms`,
    `gateway added to streamed TTFT: p50 ${formatSpread(addedTtftP50, 2, true)} ms, p99 ${formatSpread(addedTtftP99, 2, true)} ms`,
    `gateway max throughput: ${formatSpread(share, 2)}× the bare proxy (target ≥ 0.6)`,
    `app memory (app process and its children): RSS idle ${formatSpread(idle, 0)} MB, under load ${formatSpread(underLoad, 0)} MB, peak while starting ${mb(app.startupPeakRssBytes).toFixed(0)} MB; PSS (shared pages counted once) idle ${formatSpread(idlePss, 0)} MB, under load ${formatSpread(underLoadPss, 0)} MB`,
    `app memory at rest (${S.BENCH_SETTLE_SECONDS} s without traffic after the last round, ${atRest.processes} processes): RSS ${atRest.rssMb.toFixed(0)} MB, PSS ${atRest.pssMb.toFixed(0)} MB`,
    `telemetry (${app.databaseKind}): ${rows} rows for ${answered} responses the gateway answered, ${lost} lost`,
    ...(base
      ? [
          '',
          `baseline (${S.BENCH_BASELINE_DIR}), same rounds: added p50 ${formatSpread(base.addedP50AtRateMs, 2, true)} ms, p99 ${formatSpread(base.addedP99AtRateMs, 2, true)} ms; TTFT p99 ${formatSpread(base.addedTtftP99Ms, 2, true)} ms; max throughput ${formatSpread(base.maxThroughputShareOfBareProxy, 2)}× the bare proxy`,
          `baseline memory: RSS idle ${formatSpread(base.idleRssMb, 0)} MB, under load ${formatSpread(base.underLoadRssMb, 0)} MB; PSS idle ${formatSpread(base.idlePssMb, 0)} MB, under load ${formatSpread(base.underLoadPssMb, 0)} MB; at rest RSS ${base.atRest.rssMb.toFixed(0)} MB, PSS ${base.atRest.pssMb.toFixed(0)} MB (${base.atRest.processes} processes); telemetry ${base.telemetry.rowsWritten} rows for ${base.telemetry.responsesAnswered} responses, ${base.telemetry.lost} lost`,
        ]
      : []),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return writeJson(json);
}

async function writeJson(json: object) {
  const out = path.join(root, 'test-results', 'bench-gateway.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(json, null, 2));
  process.stdout.write(`figures written to ${path.relative(process.cwd(), out)}\n`);
}

// Interrupted: stop the app too, so its data folder and PostgreSQL database go with it.
let stopApp: (() => Promise<void>) | null = null;
const stopChildren = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
process.on('exit', stopChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`${signal}: stopping the app and the benchmark's processes\n`);
    void (stopApp?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}
try {
  await main();
  stopChildren();
  process.exit(0);
} catch (err) {
  process.stderr.write(`bench:gateway failed: ${(err as Error).stack ?? String(err)}\n`);
  stopChildren();
  process.exit(1);
}
