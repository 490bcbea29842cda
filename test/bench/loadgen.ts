// The benchmark's load generator, run as its own process so it does not share a core's event loop with
// what it measures. Open loop at a fixed rate (latency measured from the scheduled send time, so a slow
// server cannot hide queueing), or closed loop at maximum throughput with a fixed number of connections.
import { Pool } from 'undici';

interface Options {
  url: string;
  mode: 'rate' | 'max';
  rate: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
  headers: Record<string, string>;
  body: string;
}

const opts = JSON.parse(process.argv[2]!) as Options;
const target = new URL(opts.url);
const pool = new Pool(target.origin, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 30_000 });
const latencies: number[] = [];
let ok = 0;
let failed = 0;
let sent = 0;

async function one(measure: boolean, scheduledAt: number): Promise<void> {
  if (measure) sent += 1;
  // Late sends are measured from when they were due (a slow server cannot hide queueing); early ones from now.
  scheduledAt = Math.min(scheduledAt, performance.now());
  try {
    const res = await pool.request({ path: target.pathname, method: 'POST', headers: opts.headers, body: opts.body });
    await res.body.arrayBuffer();
    if (!measure) return;
    if (res.statusCode === 200) ok += 1;
    else failed += 1;
    latencies.push(performance.now() - scheduledAt);
  } catch {
    if (measure) failed += 1;
  }
}

async function runRate(measureFrom: number, end: number): Promise<void> {
  const interval = 1000 / opts.rate;
  const start = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; ; i++) {
    const at = start + i * interval;
    if (at >= end) break;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = one(at >= measureFrom, at);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  await Promise.all(inflight);
}

async function runMax(measureFrom: number, end: number): Promise<void> {
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
await (opts.mode === 'rate' ? runRate(measureFrom, end) : runMax(measureFrom, end));
await pool.close();
latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : NaN);
process.stdout.write(
  JSON.stringify({ sent, ok, failed, throughput: (ok + failed) / (opts.durationMs / 1000), p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.at(-1) ?? NaN }),
);
