// Gateway workers, from the main process's side: N child processes (child_process.fork; worker threads cannot be
// given sockets) that serve /gw/* off the main event loop. Each is sent the public port's socket and accepts on it
// (listener.ts); connections that open with another request come back to the main process. It keeps the one
// Gateway that loads routing
// snapshots and the one telemetry writer: every snapshot is sent to every worker as it is installed, worker
// telemetry comes back in batches and is written (and counted for Prometheus) here, and the workers' few queries
// are answered here. A worker that dies is replaced.
// On PostgreSQL too the workers send their telemetry here rather than open pools of their own: one code path, and
// the database sees one pool per gateway process instead of one per worker; writing a batch costs this process
// little (one JSON parameter, the work happens in PostgreSQL).
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Db } from '@/db/client';
import { metrics } from '@/server/lib/metrics';
import { logger } from '@/server/logger';
import { directData, type GatewayData } from './data';
import type { Gateway } from './handler';
import type { SharedSocket } from './listener';
import { passRequest } from './pass';
import type { DataCall, DataReply, FromWorker, ToWorker } from './worker-protocol';

/**
 * Memory settings `npm start` gives the app's own process (package.json), which serves no model call: glibc's
 * allocator with two arenas that returns blocks of 16 KiB and more to the system when freed, and 2 MB
 * young-generation semi-spaces. A worker is on the request path, so it starts without them: with them every 64 KiB
 * socket read would map and unmap memory, and its young-generation collections would come eight times as often.
 */
const APP_ONLY_ENV = ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_'];
const APP_ONLY_FLAGS = ['--max-semi-space-size'];

function workerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, UV_TCP_SINGLE_ACCEPT: '1' };
  for (const name of APP_ONLY_ENV) delete out[name];
  return out;
}

/** The main process's Node.js flags less the app-only ones and any debugger flag (every worker would fight for its port). */
function workerExecArgv(execArgv: string[]): string[] {
  return execArgv.filter((a) => !a.startsWith('--inspect') && !APP_ONLY_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
}

/**
 * The worker count `SLIPWAY_GATEWAY_WORKERS` means when unset, at least one. For `npm run gateway` ('gateway'),
 * whose own process only hands the workers' telemetry on: one per core. For `npm start` ('app'): one per core less
 * one, which the app's process keeps for its own work (the telemetry writes, the embedded database, rollups, the
 * console): with a worker on every core it takes its share from them, and each worker process costs ~70–150 MB.
 */
export function defaultWorkerCount(role: 'app' | 'gateway', cores = os.availableParallelism()): number {
  return Math.max(1, role === 'app' ? cores - 1 : cores);
}

export interface GatewayWorkersOptions {
  /** The main process's gateway: its snapshots go to the workers, its telemetry writer takes theirs. */
  gateway: Gateway;
  db: Db;
  count: number;
  /** The app's secret key (smoke tokens are checked in the workers). */
  secretKey: Buffer;
  /** The main process's loopback listener for requests that are not the gateway's. */
  internalPort: number;
  /** The public port's bound socket, which every worker listens on. */
  listener: SharedSocket;
  /** Takes a connection a worker accepted that opened with a request not for the gateway (`head`: the bytes read). */
  onConnection: (socket: Socket, head: Buffer) => void;
  /** The worker script; by default dist/gateway-worker.mjs beside the bundled server. */
  entry?: string;
}

interface Worker {
  child: ChildProcess;
  ready: boolean;
  /** Its loopback listener. */
  port: number;
  /** The snapshot the worker started with, so it is not sent twice. */
  initial: unknown;
  drained: Promise<void>;
}

/** Restarts within this window count as a crash loop and are spaced out. */
const RESTART_WINDOW_MS = 10_000;

export class GatewayWorkers {
  private readonly workers = new Set<Worker>();
  private next = 0;
  private stopping = false;
  private readonly data: GatewayData;
  private readonly log = logger.child({ part: 'gateway-workers' });
  private readonly entry: string;
  /** Proves to the loopback listener that a request comes from a worker, so the client address it names is believed. */
  readonly token = randomBytes(18).toString('base64url');
  readonly stats = { started: 0, replaced: 0, connectionsToApp: 0, telemetryRows: 0 };
  private recentExits: number[] = [];
  private unsubscribe: (() => void) | undefined;
  /** This process's CPU priority when the workers were made, before it lowered its own. */
  private readonly priority = os.getPriority(0);
  /** Set by `accept()`: ready workers listen on the public port (a replacement as soon as it is ready). */
  private accepting = false;

  constructor(private readonly opts: GatewayWorkersOptions) {
    this.data = directData(opts.db);
    this.entry = opts.entry ?? fileURLToPath(new URL('./gateway-worker.mjs', import.meta.url));
  }

  /** Starts the workers and waits until each answers. */
  async start(): Promise<void> {
    if (!existsSync(this.entry)) throw new Error(`The gateway worker script ${this.entry} is missing: run \`npm run build\` (or set SLIPWAY_GATEWAY_WORKERS=0)`);
    this.unsubscribe = this.opts.gateway.onSnapshot((snapshot) => {
      for (const w of this.workers) if (w.ready) this.send(w, { t: 'snapshot', snapshot });
    });
    await Promise.all(Array.from({ length: this.opts.count }, () => this.spawn()));
  }

  /** The process ids of the running workers. */
  get pids(): number[] {
    return [...this.workers].flatMap((w) => (w.ready && w.child.pid ? [w.child.pid] : []));
  }

  /**
   * Lets the workers accept on the public port. Called once the caller can take the connections they hand back (a
   * connection handed over before the app's server is wired up would wait forever).
   */
  accept(): void {
    this.accepting = true;
    for (const w of this.workers) if (w.ready) this.listenOn(w);
  }

  private listenOn(w: Worker): void {
    this.send(w, { t: 'listen' }, this.opts.listener);
  }

  /** The running workers' loopback ports (each reaches one worker, where the public port reaches any). */
  get ports(): number[] {
    return [...this.workers].flatMap((w) => (w.ready && w.port ? [w.port] : []));
  }

  /**
   * Passes a gateway request that arrived on a connection this process holds (one that opened with a console
   * request) to a worker over loopback; false when no worker is ready.
   */
  passGateway(req: IncomingMessage, res: ServerResponse): boolean {
    const ready = [...this.workers].filter((w) => w.ready && w.port && w.child.connected);
    if (!ready.length || this.stopping) return false;
    passRequest(req, res, { port: ready[this.next++ % ready.length]!.port, agent: this.agent });
    return true;
  }

  private readonly agent = new Agent({ keepAlive: true });

  private spawn(): Promise<void> {
    const child = fork(this.entry, [], {
      serialization: 'advanced',
      // libuv's accept loop takes one connection per turn, so a burst of connections spreads over the workers
      // instead of going to whichever woke first.
      env: workerEnv(process.env),
      execArgv: workerExecArgv(process.execArgv),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let markDrained = () => {};
    const initial = this.opts.gateway.currentSnapshot;
    const w: Worker = { child, ready: false, port: 0, initial, drained: new Promise<void>((r) => (markDrained = r)) };
    this.workers.add(w);
    this.stats.started += 1;
    return new Promise<void>((resolve) => {
      child.on('message', (m: FromWorker, handle?: unknown) => {
        if (m.t === 'connection') {
          if (!(handle instanceof net.Socket)) return;
          this.stats.connectionsToApp += 1;
          // Also while stopping: the app's server answers it (and closes it) until it closes itself.
          this.opts.onConnection(handle, Buffer.from(m.head));
        } else if (m.t === 'ready') {
          w.ready = true;
          w.port = m.port;
          // A change installed while the worker started is sent now (init carried the snapshot of that moment).
          const snapshot = this.opts.gateway.currentSnapshot;
          if (snapshot && snapshot !== w.initial) this.send(w, { t: 'snapshot', snapshot });
          if (this.accepting && !this.stopping) this.listenOn(w);
          resolve();
        } else this.onMessage(w, m);
      });
      // 'close' comes after the channel is read to its end: telemetry the worker sent before it died is in by then.
      child.once('close', (code, signal) => {
        this.workers.delete(w);
        markDrained();
        resolve();
        if (this.stopping) return;
        this.log.error({ pid: child.pid, code, signal }, 'a gateway worker died; starting another');
        this.stats.replaced += 1;
        this.respawnSoon();
      });
      child.on('error', (err) => this.log.warn({ err, pid: child.pid }, 'gateway worker channel error'));
      this.send(w, {
        t: 'init',
        secretKey: this.opts.secretKey.toString('base64url'),
        snapshot: initial,
        internal: { port: this.opts.internalPort, token: this.token },
        priority: this.priority,
      });
    });
  }

  private respawnSoon(): void {
    const now = Date.now();
    this.recentExits = [...this.recentExits.filter((t) => now - t < RESTART_WINDOW_MS), now];
    // One death restarts at once; a worker that keeps dying is restarted at most every few seconds.
    const delay = this.recentExits.length > 3 ? 5_000 : 0;
    setTimeout(() => {
      if (!this.stopping) void this.spawn();
    }, delay).unref();
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.t === 'telemetry') {
      this.stats.telemetryRows += m.rows.length;
      for (const row of m.rows) this.opts.gateway.telemetry.record(row);
    } else if (m.t === 'call') {
      this.answer(m.call).then(
        (value) => this.send(w, { t: 'reply', id: m.id, ok: true, value }),
        (err: unknown) => {
          this.log.error({ err, op: m.call.op }, 'a gateway worker query failed');
          this.send(w, { t: 'reply', id: m.id, ok: false, error: `${m.call.op} failed` });
        },
      );
    } else if (m.t === 'refused') {
      metrics().addRefused(m.counts);
    }
  }

  private async answer(call: DataCall): Promise<DataReply> {
    if (call.op === 'pinnedTarget') return this.data.pinnedTarget(call.serviceId, call.releaseNumber, call.environment);
    if (call.op === 'insertFeedback') return void (await this.data.insertFeedback(call.row));
    // The worker handed over its queue before asking; the rows may still wait in this process's writer.
    const find = () => this.data.requestLogged(call.requestId, call.serviceId, call.environment);
    if (await find()) return true;
    await this.opts.gateway.telemetry.flush();
    return find();
  }

  private send(w: Worker, message: ToWorker, handle?: SharedSocket): void {
    if (!w.child.connected) return;
    // A bound socket is sent as node:cluster sends its shared handles; this process keeps its own copy open.
    w.child.send(message, handle as unknown as net.Server | undefined, { keepOpen: true }, (err) => {
      if (err) this.log.warn({ err, pid: w.child.pid, t: message.t }, 'could not send to a gateway worker');
    });
  }

  /**
   * A graceful stop: no more connections go to workers; each answers what it has in flight (for at most graceMs),
   * hands over its telemetry and exits. Resolves when all have exited; their telemetry is then in this process's
   * writer (messages arrive in order, before the exit).
   */
  async drain(graceMs: number): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    const all = [...this.workers];
    // A worker still starting has nothing in flight and may not listen yet: it is simply stopped.
    for (const w of all) if (w.ready) this.send(w, { t: 'drain', graceMs });
    else w.child.kill('SIGKILL');
    const deadline = setTimeout(() => {
      for (const w of all) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }, graceMs + 5_000);
    await Promise.all(all.map((w) => w.drained));
    clearTimeout(deadline);
    this.agent.destroy();
  }
}
