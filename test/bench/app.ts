// The app under benchmark, run as `npm start` runs it (its package.json's start script) in a child process
// on a free port, with its own data folder and the embedded database, or a fresh PostgreSQL database created on
// BENCH_DATABASE_URL's server and dropped afterwards. The caller's environment passes through (so
// SLIPWAY_GATEWAY_WORKERS and the like reach the app); only what the benchmark must own is set here. Also: the
// setup through the API (a service whose dev environment splits 90/10 over two releases of a model version on the
// reference model server, and a gateway key), the app's memory (its process and every process below it, read
// from /proc) and its telemetry row count.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import pg from 'pg';
import superjson from 'superjson';
import type { AppRouter } from '@/server/api/root';

export const SERVICE = 'bench';
export const ENVIRONMENT = 'dev';

export interface App {
  url: string;
  pid: number;
  databaseKind: 'embedded' | 'postgres';
  /** The app's own PostgreSQL database, or null on the embedded one. */
  databaseUrl: string | null;
  /** The highest memory of the app's processes seen while it started (sampled every 100 ms). */
  startupPeakRssBytes: number;
  api: ReturnType<typeof apiClient>;
  output: () => string;
  /** Why the app is no longer running (its exit code or signal), or null while it runs. */
  exited: () => string | null;
  stop: () => Promise<void>;
}

function apiClient(url: string, token: string) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${token}` } })] });
}

async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The pids of a process and all its descendants, found by parent pid in /proc. */
export async function processTree(rootPid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/**
 * Memory of a process and its descendants (worker threads are inside their process's figure): resident (VmRSS,
 * which counts pages shared between the processes, such as the node binary's, once per process) and proportional
 * (Pss: a shared page counted in shares, so the sum is what the processes together hold).
 */
export async function treeRss(rootPid: number): Promise<{ bytes: number; pssBytes: number; processes: number }> {
  return memoryOf(await processTree(rootPid), true);
}

/** VmRSS is a counter the kernel keeps; Pss walks the process's page tables, so it is read only when asked. */
async function memoryOf(pids: number[], withPss: boolean): Promise<{ bytes: number; pssBytes: number; processes: number }> {
  let bytes = 0;
  let pssBytes = 0;
  let processes = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
      if (m) {
        bytes += Number(m[1]) * 1024;
        processes += 1;
        if (!withPss) continue;
        const p = /^Pss:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''));
        if (p) pssBytes += Number(p[1]) * 1024;
      }
    } catch {
      // the process ended while we looked
    }
  }
  return { bytes, pssBytes, processes };
}

/** CPU time (user + system, ms) a process has used so far, its threads included; 0 when it is gone. */
export async function cpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // After the command name: state is field 3, utime and stime are fields 14 and 15 (clock ticks, 100 per second).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/** The CPU time the whole machine has spent busy (all but idle and iowait), in ms summed over its cores. */
export async function machineBusyMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
}

/**
 * Samples treeRss every `everyMs` until stopped; returns the highest sums seen. Under load, `pssEveryMs` reads Pss
 * only that often (first at half of it): reading it walks the page tables of every process of the app, and takes
 * their memory-map locks, which would slow the app being measured. The process list is looked up every 2 s.
 */
export function sampleRss(pid: number, everyMs: number, opts: { pssEveryMs?: number } = {}): { stop: () => Promise<{ peakBytes: number; peakPssBytes: number; processes: number }> } {
  let peakBytes = 0;
  let peakPssBytes = 0;
  let processes = 0;
  let running = true;
  const loop = (async () => {
    let tree = await processTree(pid);
    let treeAt = Date.now();
    let pssAt = Date.now() - (opts.pssEveryMs ?? 0) / 2;
    while (running) {
      if (Date.now() - treeAt >= 2000) {
        tree = await processTree(pid);
        treeAt = Date.now();
      }
      const withPss = opts.pssEveryMs === undefined || Date.now() - pssAt >= opts.pssEveryMs;
      if (withPss) pssAt = Date.now();
      const r = await memoryOf(tree, withPss);
      if (r.bytes > peakBytes) ({ bytes: peakBytes, processes } = r);
      if (r.pssBytes > peakPssBytes) peakPssBytes = r.pssBytes;
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { peakBytes, peakPssBytes, processes };
    },
  };
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Node.js flags for the app's process, from BENCH_NODE_ARGS (space-separated): its gateway workers are started with
 * the same flags, so `--cpu-prof --cpu-prof-dir=/tmp/prof` profiles every process of the app and `--trace-gc` shows
 * their collections (flags NODE_OPTIONS may not carry).
 */
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/**
 * What `npm start` runs in `root`, read from its package.json (`[exec] [env] [NAME=value …] node [flags …] script`):
 * the variables and Node.js flags it gives the app's process (its memory settings) and the script, run here without
 * npm's own process in between, so the app measured is the one `npm start` runs, and a baseline checkout runs with
 * its own.
 */
export async function startCommand(root: string): Promise<{ env: Record<string, string>; nodeFlags: string[]; script: string }> {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  const unlike = () => new Error(`${root}/package.json: the start script is not \`[exec] [env] [NAME=value …] node [flags …] script\``);
  const env: Record<string, string> = {};
  let i = 0;
  if (words[i] === 'exec') i++;
  if (words[i] === 'env') i++;
  for (let m: RegExpMatchArray | null; i < words.length && (m = words[i]!.match(/^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/)); i++) env[m[1]!] = m[2]!;
  const nodeFlags: string[] = [];
  if (words[i++] !== 'node') throw unlike();
  while (i < words.length && words[i]!.startsWith('-')) nodeFlags.push(words[i++]!);
  const script = words[i++];
  if (!script || i !== words.length) throw unlike();
  return { env, nodeFlags, script };
}

export async function startApp(root: string, port: number, adminUrl: string | undefined): Promise<App> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'slipway-bench-'));
  const token = `slw_${randomBytes(32).toString('base64url')}`;
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (adminUrl) {
    const name = `slipway_bench_${randomBytes(6).toString('hex')}`;
    await withAdmin(adminUrl, (c) => c.query(`create database ${name}`));
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropDatabase = () => withAdmin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {});
  }
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn', ...process.env };
  delete env.DATABASE_URL;
  Object.assign(env, {
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
    HOST: '127.0.0.1',
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_BOOTSTRAP_TOKEN: token,
    SLIPWAY_ADMIN_EMAIL: 'admin@bench.test',
    SLIPWAY_ADMIN_PASSWORD: `pw-${randomBytes(12).toString('base64url')}`,
    // An empty app: the benchmark's own service, and its own model server in its own process.
    SLIPWAY_DEMO: 'off',
    SLIPWAY_MODEL_SERVER: 'off',
    // The reference model server listens on loopback, which the outbound policy refuses by default.
    SLIPWAY_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  let out = '';
  const start = await startCommand(root);
  Object.assign(env, start.env);
  const child = spawn(process.execPath, [...start.nodeFlags, ...nodeArgs, path.join(root, start.script)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const stop = async () => {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 20_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
    await rm(dataDir, { recursive: true, force: true });
    await dropDatabase();
  };

  const url = `http://127.0.0.1:${port}`;
  const startup = sampleRss(child.pid!, 100);
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode} while starting:\n${out}`);
      const healthy = await fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`the app did not become healthy within 3 minutes:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await startup.stop();
    await stop();
    throw err;
  }
  const { peakBytes } = await startup.stop();
  return { url, pid: child.pid!, databaseKind: databaseUrl ? 'postgres' : 'embedded', startupPeakRssBytes: peakBytes, api: apiClient(url, token), output: () => out, exited: () => (child.exitCode !== null ? `exit code ${child.exitCode}` : child.signalCode ? `signal ${child.signalCode}` : null), stop, databaseUrl: databaseUrl ?? null };
}

/** The benchmark's service and gateway key; waits until the gateway serves it. */
export async function setUpService(app: App, modelBaseUrl: string, upstreamModel: string): Promise<string> {
  const { api } = app;
  await api.models.register.mutate({ model: 'bench-model', providerKind: 'openai-compatible', baseUrl: modelBaseUrl, upstreamModel, priceInputPer1M: 1, priceOutputPer1M: 2 });
  await api.services.create.mutate({ name: SERVICE, description: 'Gateway benchmark' });
  await api.releases.create.mutate({ service: SERVICE, model: 'bench-model@1', notes: 'stable' });
  await api.releases.create.mutate({ service: SERVICE, model: 'bench-model@1', notes: 'candidate' });
  await api.environments.deploy.mutate({ service: SERVICE, environment: ENVIRONMENT, routes: [{ release: 1, weight: 90 }, { release: 2, weight: 10 }], reason: 'benchmark split' });
  const { key } = await api.gatewayKeys.create.mutate({ service: SERVICE, name: 'bench' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${app.url}/gw/${SERVICE}/${ENVIRONMENT}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    if (res.status === 200) return key;
    if (Date.now() > deadline) throw new Error(`the gateway did not serve ${SERVICE}/${ENVIRONMENT} within 30 s (last status ${res.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Telemetry rows of the benchmark's service since `since`: on PostgreSQL read from request_logs itself, on the
 * embedded database (which only the app can open while it runs) through the app's telemetry summary.
 */
export async function telemetryRows(app: App, since: Date): Promise<number> {
  if (app.databaseUrl) {
    return withAdmin(app.databaseUrl, async (c) => {
      const r = await c.query<{ n: number }>('select count(*)::int as n from request_logs where shadow = false and synthetic = false and at >= $1', [since]);
      return r.rows[0]!.n;
    });
  }
  return (await app.api.telemetry.summary.query({ service: SERVICE, environment: ENVIRONMENT, since })).total;
}
