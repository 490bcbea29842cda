// The benchmark's load generator, run as its own process so it does not share an event loop with what it
// measures. Three modes:
// - rate: open loop. Request i is due at start + i/rate whether or not earlier ones were answered; its latency
//   runs from that due time, so a server (or a late timer here) cannot hide queueing behind a slow send.
// - stream: the same open loop with `stream: true`; the figure is the time from the due time to the first
//   content token of the answer (TTFT).
// - max: closed loop, a fixed number of connections each sending its next request when the last is answered;
//   the figure is throughput.
// Prints one JSON line: the measured window's figures, and every response received (warm-up included) so the
// caller can compare them with the telemetry rows the gateway wrote.
import { Pool } from 'undici';
import { percentile } from './stats';

interface Options {
  url: string;
  mode: 'rate' | 'max' | 'stream';
  rate: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
  headers: Record<string, string>;
  body: string;
}

const opts = JSON.parse(process.argv[2]!) as Options;
const target = new URL(opts.url);
const pool = new Pool(target.origin, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
const latencies: number[] = [];
const lags: number[] = [];
let ok = 0;
let failed = 0;
let errors = 0;
let responses = 0;
let sent = 0;
// The first streamed chunk that carries answer text (the role-only first delta does not count).
const FIRST_TOKEN = /"content":"[^"]/;

/** One request, due at `dueAt` (performance.now() clock); measured only inside the window. */
async function one(measure: boolean, dueAt: number): Promise<void> {
  if (measure) {
    sent += 1;
    lags.push(performance.now() - dueAt);
  }
  try {
    const res = await pool.request({ path: target.pathname, method: 'POST', headers: opts.headers, body: opts.body });
    responses += 1;
    let firstToken = NaN;
    if (opts.mode === 'stream') {
      let seen = '';
      for await (const chunk of res.body) {
        if (Number.isNaN(firstToken)) {
          seen += (chunk as Buffer).toString();
          if (FIRST_TOKEN.test(seen)) firstToken = performance.now();
          // Keep only a tail, enough to find the marker across a chunk boundary.
          else seen = seen.slice(-16);
        }
      }
    } else {
      await res.body.arrayBuffer();
    }
    if (!measure) return;
    if (res.statusCode !== 200) {
      failed += 1;
      return;
    }
    ok += 1;
    latencies.push((opts.mode === 'stream' ? firstToken : performance.now()) - dueAt);
  } catch {
    if (measure) errors += 1;
  }
}

/** Open loop: on each timer tick, sends every request already due, then sleeps until the next one is. */
function runOpen(measureFrom: number, end: number): Promise<void> {
  const interval = 1000 / opts.rate;
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  let i = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (let due = start + i * interval; due <= now && due < end; due = start + ++i * interval) {
        const p = one(due >= measureFrom, due);
        inflight.add(p);
        void p.finally(() => inflight.delete(p));
      }
      const next = start + i * interval;
      if (next >= end) void Promise.all(inflight).then(() => resolve());
      else setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
}

async function runClosed(measureFrom: number, end: number): Promise<void> {
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await one(t >= measureFrom, t);
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
}

const t0 = performance.now();
const measureFrom = t0 + opts.warmupMs;
const end = measureFrom + opts.durationMs;
await (opts.mode === 'max' ? runClosed(measureFrom, end) : runOpen(measureFrom, end));
const elapsedMs = performance.now() - measureFrom;
await pool.close();
latencies.sort((a, b) => a - b);
lags.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    mode: opts.mode,
    sent,
    ok,
    failed,
    errors,
    responses,
    // Closed loop: answers per second of the window. Open loop: the rate achieved (the window ends when the last
    // due request is answered, so an overloaded server shows here as well as in the latencies).
    throughput: (ok + failed) / (Math.max(opts.durationMs, opts.mode === 'max' ? opts.durationMs : elapsedMs) / 1000),
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    sendLagP50: percentile(lags, 50),
    sendLagP99: percentile(lags, 99),
    // This process's own CPU time over the whole run (warm-up included), for the caller's CPU per request.
    cpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage()),
  })}\n`,
);
