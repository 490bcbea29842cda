// Starts the built Slipway server as a child process on a free port, with its own data folder (and its own
// PostgreSQL database when TEST_DATABASE_URL is set), and removes everything again on stop. A test that restarts
// the app passes the data folder and database of the previous start; those are then the test's to remove.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface RunningServer {
  url: string;
  bootstrapToken: string;
  adminEmail: string;
  adminPassword: string;
  databaseKind: 'embedded' | 'postgres';
  dataDir: string;
  /** The server's own PostgreSQL database (only with TEST_DATABASE_URL), for tests that act as a second process on it. */
  databaseUrl: string | null;
  /** The app's process id. */
  pid: number;
  output: () => string;
  /** Kills the process at once (no shutdown), leaving data folder and database as they are. */
  kill: () => Promise<void>;
  /** Stops the process as an orchestrator does (SIGTERM), leaving data folder and database as they are; its exit code. */
  terminate: () => Promise<number | null>;
  stop: () => Promise<void>;
}

export interface StartOptions {
  /** Reuse this data folder (kept on stop). */
  dataDir?: string;
  /** Reuse this PostgreSQL database (kept on stop). */
  databaseUrl?: string;
  /**
   * Start the app with package.json's start script (its variables and Node.js flags) instead of `node
   * dist/server.mjs`: `shell` runs it in a shell as npm does (the script execs node, so the process is the app's);
   * `npm` runs `npm start` itself (the process is npm's, the app its child).
   */
  startScript?: 'shell' | 'npm';
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error('process did not exit in time')), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export async function startServer(extraEnv: Record<string, string> = {}, opts: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'slipway-e2e-')));
  const bootstrapToken = `slw_${randomBytes(32).toString('base64url')}`;
  const adminEmail = 'admin@e2e.test';
  const adminPassword = `pw-${randomBytes(9).toString('base64url')}`;

  let dropDatabase: (() => Promise<void>) | null = null;
  const dbEnv: Record<string, string> = {};
  if (opts.databaseUrl) {
    dbEnv.DATABASE_URL = opts.databaseUrl;
  } else if (process.env.TEST_DATABASE_URL) {
    const name = `slipway_e2e_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(process.env.TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    dbEnv.DATABASE_URL = url.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }

  let out = '';
  const command: [string, string[]] =
    opts.startScript === 'shell'
      ? ['/bin/sh', ['-c', (JSON.parse(await readFile('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start]]
      : opts.startScript === 'npm'
        ? ['npm', ['start']]
        : [process.execPath, ['dist/server.mjs']];
  const child = spawn(command[0], command[1], {
    env: {
      PATH: process.env.PATH ?? '',
      // npm keeps its cache and logs there.
      ...(opts.startScript === 'npm' ? { HOME: process.env.HOME ?? dataDir } : {}),
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_BOOTSTRAP_TOKEN: bootstrapToken,
      SLIPWAY_ADMIN_EMAIL: adminEmail,
      SLIPWAY_ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'warn',
      // Tests start empty unless they ask for the demo.
      SLIPWAY_DEMO: 'off',
      // The tests' stand-ins (model endpoints, webhook receivers) listen on loopback, refused by default.
      SLIPWAY_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
      // The app keeps its normal CPU priority: here it shares the cores with the test runner's other processes,
      // not with busy gateway workers (the priority itself is tested in gateway-workers.test.ts).
      SLIPWAY_APP_NICE: '0',
      ...dbEnv,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));

  const url = `http://localhost:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waitForExit(child, 10_000).catch(() => child.kill('SIGKILL'));
    }
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    await dropDatabase?.();
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };

  const terminate = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    return waitForExit(child, 15_000);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    }
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, bootstrapToken, adminEmail, adminPassword, databaseKind: dbEnv.DATABASE_URL ? 'postgres' : 'embedded', dataDir, databaseUrl: dbEnv.DATABASE_URL ?? null, pid: child.pid!, output: () => out, kill, terminate, stop };
}
