// Runs user code from eval suites (javascript assertions, regular expressions) away from the app: in a worker
// thread with its own heap limit and an empty environment, inside a fresh vm context per call that holds no
// object of the worker (no process, require, import, eval or Function-from-string), under a time limit. A call
// that times out or runs out of memory costs its worker, which is replaced on the next call.
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { Json } from '@/db/schema';

export type SandboxResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface SandboxLimits {
  /** Wall time of one call (default 1000 ms). */
  timeoutMs?: number;
  /** Heap of the worker (default 64 MB). */
  memoryMb?: number;
  signal?: AbortSignal;
}

export const SANDBOX_DEFAULTS = { timeoutMs: 1000, memoryMb: 64 } as const;
export const SANDBOX_MAX = { timeoutMs: 10_000, memoryMb: 512 } as const;

/** The names a javascript assertion's code sees, in this order. */
export const EXPRESSION_PARAMS = ['output', 'expected', 'vars', 'input', 'metadata', 'tags'] as const;

// The worker's own source (CommonJS, since it is run with `eval: true`: no file to find after bundling). It
// builds the context-side source from data only; the context gets its input as JSON text parsed by its own
// JSON, and hands back a string, so no object crosses between the realms and no getter of the user's runs
// outside the time limit.
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const vm = require('node:vm');
const PRELUDE = '"use strict"; var S = JSON.stringify, P = JSON.parse, Str = String, E = Error;';
function jsSource(task) {
  return '(function () {' + PRELUDE +
    'var a = P(' + JSON.stringify(JSON.stringify(task.scope)) + ');' +
    'var f = ' + task.fn + ';' +
    'try {' +
    '  var r = f(' + task.params.map((p) => 'a[' + JSON.stringify(p) + ']').join(', ') + ');' +
    '  if (r !== null && (typeof r === "object" || typeof r === "function") && typeof r.then === "function") return S({ error: "returned a promise; return the value itself" });' +
    '  if (typeof r === "function") return S({ error: "returned a function" });' +
    '  var out = S({ value: r === undefined ? null : r });' +
    '  return out;' +
    '} catch (e) {' +
    '  return S({ error: "threw " + (e instanceof E ? e.name + ": " + e.message : Str(e)) });' +
    '}' +
    '})()';
}
function regexSource(task) {
  return '(function () {' + PRELUDE +
    'var d = P(' + JSON.stringify(JSON.stringify({ pattern: task.pattern, flags: task.flags, text: task.text })) + ');' +
    'return S({ value: new RegExp(d.pattern, d.flags).test(d.text) });' +
    '})()';
}
parentPort.on('message', (task) => {
  let reply;
  try {
    const context = vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' });
    const out = vm.runInContext(task.kind === 'regex' ? regexSource(task) : jsSource(task), context, { timeout: task.timeoutMs, displayErrors: false });
    reply = typeof out === 'string' ? { id: task.id, result: out } : { id: task.id, error: 'returned nothing readable' };
  } catch (err) {
    const timedOut = err && err.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
    reply = { id: task.id, error: timedOut ? 'timeout' : 'failed: ' + String(err && err.message) };
  }
  parentPort.postMessage(reply);
});
`;

type Task = { kind: 'js'; fn: string; params: readonly string[]; scope: Record<string, Json> } | { kind: 'regex'; pattern: string; flags: string; text: string };
type Reply = { id: number; result?: string; error?: string };

const MAX_WORKERS_PER_LIMIT = 2;
const IDLE_MS = 15_000;
// Beyond the in-context limit: time for the worker to start and for messages to cross.
const WATCHDOG_GRACE_MS = 2000;

class SandboxWorker {
  readonly worker: Worker;
  dead = false;
  busy = false;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private pending: { id: number; settle: (r: SandboxResult<string>) => void } | undefined;

  constructor(readonly memoryMb: number) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: 'slipway-eval-sandbox',
      env: {},
      execArgv: [],
      argv: [],
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.max(2, Math.min(16, Math.floor(memoryMb / 4))), codeRangeSizeMb: 16, stackSizeMb: 4 },
    });
    this.worker.on('message', (reply: Reply) => {
      const p = this.pending;
      if (!p || p.id !== reply.id) return;
      this.pending = undefined;
      if (reply.error !== undefined) p.settle({ ok: false, error: reply.error });
      else p.settle({ ok: true, value: reply.result ?? '' });
    });
    this.worker.on('error', (err: Error & { code?: string }) => {
      this.fail(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of memory (limit ${this.memoryMb} MB)` : `the sandbox failed: ${err.message}`);
    });
    this.worker.on('exit', () => this.fail('the sandbox stopped'));
  }

  private fail(error: string): void {
    this.dead = true;
    const p = this.pending;
    this.pending = undefined;
    p?.settle({ ok: false, error });
  }

  run(task: Task, timeoutMs: number, signal?: AbortSignal): Promise<SandboxResult<string>> {
    clearTimeout(this.idleTimer);
    this.worker.ref();
    const id = this.nextId++;
    return new Promise<SandboxResult<string>>((resolve, reject) => {
      const done = () => {
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        this.pending = undefined;
        this.kill();
        reject(signal!.reason ?? new Error('aborted'));
      };
      // A loop the in-context limit cannot interrupt (or a worker that never answers) still ends here.
      const watchdog = setTimeout(() => {
        this.pending = undefined;
        this.kill();
        done();
        resolve({ ok: false, error: 'timeout' });
      }, timeoutMs + WATCHDOG_GRACE_MS);
      this.pending = {
        id,
        settle: (r) => {
          done();
          resolve(r);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage({ ...task, id, timeoutMs });
    });
  }

  idle(onExpire: () => void): void {
    this.worker.unref();
    this.idleTimer = setTimeout(onExpire, IDLE_MS);
    this.idleTimer.unref();
  }

  kill(): void {
    this.dead = true;
    clearTimeout(this.idleTimer);
    void this.worker.terminate();
  }
}

interface Pool {
  workers: SandboxWorker[];
  waiting: Array<(w: SandboxWorker) => void>;
}

const pools = new Map<number, Pool>();

function poolFor(memoryMb: number): Pool {
  let pool = pools.get(memoryMb);
  if (!pool) pools.set(memoryMb, (pool = { workers: [], waiting: [] }));
  return pool;
}

function acquire(memoryMb: number): Promise<SandboxWorker> {
  const pool = poolFor(memoryMb);
  pool.workers = pool.workers.filter((w) => !w.dead);
  const free = pool.workers.find((w) => !w.busy);
  if (free) {
    free.busy = true;
    return Promise.resolve(free);
  }
  if (pool.workers.length < MAX_WORKERS_PER_LIMIT) {
    const w = new SandboxWorker(memoryMb);
    w.busy = true;
    pool.workers.push(w);
    return Promise.resolve(w);
  }
  return new Promise((resolve) => pool.waiting.push(resolve));
}

function release(w: SandboxWorker): void {
  const pool = poolFor(w.memoryMb);
  const next = pool.waiting.shift();
  if (next) {
    if (w.dead) {
      pool.workers = pool.workers.filter((x) => x !== w);
      const fresh = new SandboxWorker(w.memoryMb);
      fresh.busy = true;
      pool.workers.push(fresh);
      next(fresh);
    } else {
      next(w);
    }
    return;
  }
  w.busy = false;
  if (w.dead) {
    pool.workers = pool.workers.filter((x) => x !== w);
    return;
  }
  w.idle(() => {
    if (w.busy) return;
    w.kill();
    pool.workers = pool.workers.filter((x) => x !== w);
  });
}

async function runTask(task: Task, limits: SandboxLimits): Promise<SandboxResult<Json>> {
  const timeoutMs = Math.min(limits.timeoutMs ?? SANDBOX_DEFAULTS.timeoutMs, SANDBOX_MAX.timeoutMs);
  const memoryMb = Math.min(limits.memoryMb ?? SANDBOX_DEFAULTS.memoryMb, SANDBOX_MAX.memoryMb);
  limits.signal?.throwIfAborted();
  const worker = await acquire(memoryMb);
  let raw: SandboxResult<string>;
  try {
    raw = await worker.run(task, timeoutMs, limits.signal);
  } finally {
    release(worker);
  }
  if (!raw.ok) return { ok: false, error: raw.error === 'timeout' ? `timed out after ${timeoutMs} ms` : raw.error };
  let parsed: { value?: Json; error?: string };
  try {
    parsed = JSON.parse(raw.value) as { value?: Json; error?: string };
  } catch {
    return { ok: false, error: 'returned something that is not JSON' };
  }
  if (typeof parsed?.error === 'string') return { ok: false, error: parsed.error };
  return { ok: true, value: parsed?.value ?? null };
}

/**
 * The function a javascript assertion's code becomes: an expression (`output.includes("x")`) or, when it is not
 * one, a function body with `return` statements. Null with the syntax error when it is neither.
 */
export function compileExpression(code: string): { fn: string } | { error: string } {
  const head = `(function (${EXPRESSION_PARAMS.join(', ')}) { "use strict";`;
  // A lone trailing semicolon still reads as an expression (`output.length > 3;`).
  const asExpression = `${head} return (\n${code.trim().replace(/;\s*$/, '')}\n); })`;
  const asBody = `${head}\n${code}\n})`;
  try {
    new vm.Script(asExpression);
    return { fn: asExpression };
  } catch {
    try {
      // Compiled only, never run here.
      new vm.Script(asBody);
      return { fn: asBody };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
}

/** Runs javascript-assertion code with the given names in scope; its JSON result, or why there is none. */
export async function runExpression(code: string, scope: Record<(typeof EXPRESSION_PARAMS)[number], Json>, limits: SandboxLimits = {}): Promise<SandboxResult<Json>> {
  const compiled = compileExpression(code);
  if ('error' in compiled) return { ok: false, error: `is not valid JavaScript: ${compiled.error}` };
  return runTask({ kind: 'js', fn: compiled.fn, params: EXPRESSION_PARAMS, scope }, limits);
}

/** Tests a regular expression against text in the sandbox (a catastrophic pattern times out there). */
export async function runRegex(pattern: string, flags: string, text: string, limits: SandboxLimits = {}): Promise<SandboxResult<boolean>> {
  const r = await runTask({ kind: 'regex', pattern, flags, text }, limits);
  if (!r.ok) return r;
  return typeof r.value === 'boolean' ? { ok: true, value: r.value } : { ok: false, error: 'returned no verdict' };
}

/** Stops every sandbox worker (tests, shutdown). Calls in flight fail with "the sandbox stopped". */
export async function closeSandbox(): Promise<void> {
  const all = [...pools.values()].flatMap((p) => p.workers);
  pools.clear();
  await Promise.all(all.map((w) => w.worker.terminate()));
}
