// The load generator: an open-loop schedule of requests (each due at a fixed time from the start, whatever the
// answers before it), alternating between the arms in segments so both see the same machine conditions, sent over
// HTTP to one gateway URL. Latency and time to first token are measured from each request's scheduled time, so a
// slow target that holds connections (or the concurrency cap) shows as latency rather than as fewer requests.
import { Pool } from 'undici';
import type { LoadTestArm, LoadTestPoint, LoadTestSettings } from '@/db/schema';
import { quantileSorted } from '@/server/drift/stats';
import { turnSeconds } from './settings';

export { turnSeconds };

export type ArmName = 'candidate' | 'baseline';
export interface EngineArm {
  arm: ArmName;
  releaseNumber: number;
}

export interface EngineInput {
  /** The environment's own gateway: `<origin>/gw/<service>/<env>/v1/chat/completions`. */
  url: string;
  /** A short-lived token for the gateway; asked for once per segment, so a long test never outlives one. */
  token: () => string;
  arms: EngineArm[];
  /** The body of the n-th request (messages and any prompt); `stream`, `max_tokens` are set here. */
  body: (n: number, arm: EngineArm) => Record<string, unknown>;
  settings: LoadTestSettings;
  signal?: AbortSignal;
}

/** One request's outcome; times in ms from its scheduled send time. */
interface Sample {
  arm: ArmName;
  at: number;
  streamed: boolean;
  status: string;
  ok: boolean;
  latencyMs: number;
  ttftMs: number | null;
  outputTokens: number;
  tokensPerSecond: number | null;
  error: string | null;
  queued: boolean;
}

export interface EngineResult {
  arms: Record<ArmName, LoadTestArm | null>;
  series: LoadTestPoint[];
  /** Set when the test was stopped before its end (a timeout or cancel of its step). */
  stopped: boolean;
}

/** Planned sends: time from the start (ms) and arm, for `durationSeconds` at `ratePerSecond`, arms taking turns. */
export function schedule(settings: Pick<LoadTestSettings, 'ratePerSecond' | 'durationSeconds' | 'segmentSeconds'>, arms: EngineArm[]): { at: number; arm: EngineArm }[] {
  const total = Math.floor(settings.ratePerSecond * settings.durationSeconds + 1e-9);
  const turnMs = turnSeconds(settings, arms.length) * 1000;
  const out: { at: number; arm: EngineArm }[] = [];
  for (let n = 0; n < total; n++) {
    const at = (n * 1000) / settings.ratePerSecond;
    out.push({ at, arm: arms[Math.floor(at / turnMs + 1e-9) % arms.length]! });
  }
  return out;
}

/** Seconds each arm was the one sent to. */
export function armSeconds(settings: Pick<LoadTestSettings, 'durationSeconds' | 'segmentSeconds'>, arms: EngineArm[], arm: ArmName): number {
  return arms.some((a) => a.arm === arm) ? settings.durationSeconds / arms.length : 0;
}

/** Requests sent to each arm before the test, not counted. */
export const WARMUP_REQUESTS = 2;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export async function runLoad(input: EngineInput): Promise<EngineResult> {
  const { settings } = input;
  const url = new URL(input.url);
  const pool = new Pool(url.origin, { connections: settings.maxConcurrency, pipelining: 1, keepAliveTimeout: 10_000 });
  const plan = schedule(settings, input.arms);
  const samples: Sample[] = [];
  const waiting: (() => void)[] = [];
  const inFlight = new Set<Promise<void>>();
  let active = 0;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  input.signal?.addEventListener('abort', onAbort, { once: true });
  let token = input.token();
  let tokenSegment = 0;
  // Warm-up, not counted: a couple of requests per arm open the connections and load what the first request of a
  // release loads (in the gateway and upstream), so a cold start does not read as the first arm's latency.
  for (const arm of input.arms) {
    for (let i = 0; i < WARMUP_REQUESTS && !stop.signal.aborted; i++) {
      await call(pool, url.pathname, token, arm.releaseNumber, { ...input.body(i, arm), stream: false, ...(settings.maxTokens ? { max_tokens: settings.maxTokens } : {}) }, false, performance.now(), settings.requestTimeoutMs, stop.signal);
    }
  }
  const t0 = performance.now();

  const send = async (n: number, item: { at: number; arm: EngineArm }) => {
    const streamed = settings.stream === 'always' || (settings.stream === 'mixed' && n % 2 === 1);
    let queued = false;
    // A slot of the cap: taken now, or handed over by a request that ends.
    if (active >= settings.maxConcurrency) {
      queued = true;
      await new Promise<void>((r) => waiting.push(r));
    } else active += 1;
    try {
      const due = t0 + item.at;
      const sample = await call(pool, url.pathname, token, item.arm.releaseNumber, { ...input.body(n, item.arm), stream: streamed, ...(streamed ? { stream_options: { include_usage: true } } : {}), ...(settings.maxTokens ? { max_tokens: settings.maxTokens } : {}) }, streamed, due, settings.requestTimeoutMs, stop.signal);
      samples.push({ ...sample, arm: item.arm.arm, at: item.at, streamed, queued });
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };

  try {
    for (let n = 0; n < plan.length && !stop.signal.aborted; ) {
      const now = performance.now() - t0;
      while (n < plan.length && plan[n]!.at <= now) {
        const item = plan[n]!;
        const segment = Math.floor(item.at / (turnSeconds(settings, input.arms.length) * 1000));
        if (segment !== tokenSegment) {
          token = input.token();
          tokenSegment = segment;
        }
        const p: Promise<void> = send(n, item).finally(() => inFlight.delete(p));
        inFlight.add(p);
        n++;
      }
      if (n < plan.length) await sleep(Math.max(0, plan[n]!.at - (performance.now() - t0)), stop.signal);
    }
    // Requests waiting for the cap when the sending ended still go; then every answer is awaited (each has its timeout).
    while (inFlight.size) await Promise.allSettled([...inFlight]);
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
    await pool.close().catch(() => undefined);
  }
  const arms = { candidate: null, baseline: null } as EngineResult['arms'];
  for (const arm of input.arms) arms[arm.arm] = summarise(arm, samples.filter((s) => s.arm === arm.arm), plan.filter((p) => p.arm.arm === arm.arm).length, armSeconds(settings, input.arms, arm.arm));
  return { arms, series: perSecond(samples), stopped: stop.signal.aborted };
}

type Called = Omit<Sample, 'arm' | 'at' | 'streamed' | 'queued'>;

async function call(pool: Pool, path: string, token: string, release: number, body: Record<string, unknown>, streamed: boolean, due: number, timeoutMs: number, stop: AbortSignal): Promise<Called> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]);
  const since = () => performance.now() - due;
  const fail = (status: string, error: string): Called => ({ status, ok: false, latencyMs: since(), ttftMs: null, outputTokens: 0, tokensPerSecond: null, error });
  try {
    const res = await pool.request({ path, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-slipway-release': String(release) }, body: JSON.stringify(body), signal });
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '');
      let message = text.slice(0, 200);
      try {
        const json = JSON.parse(text) as { error?: { message?: string; code?: string } };
        if (json.error?.message) message = `${json.error.code ? `${json.error.code}: ` : ''}${json.error.message}`;
      } catch {
        // Not JSON: the text as it came.
      }
      return fail(String(res.statusCode), `${res.statusCode} ${message}`.slice(0, 300));
    }
    if (!streamed) {
      const json = (await res.body.json()) as { usage?: { completion_tokens?: number }; choices?: unknown[] };
      const latencyMs = since();
      if (!json.choices?.length) return fail('200', 'an answer without choices');
      const tokens = json.usage?.completion_tokens ?? 0;
      return { status: '200', ok: true, latencyMs, ttftMs: null, outputTokens: tokens, tokensPerSecond: tokens && latencyMs > 0 ? tokens / (latencyMs / 1000) : null, error: null };
    }
    let ttft: number | null = null;
    let chunks = 0;
    let usage: number | null = null;
    let done = false;
    let streamError: string | null = null;
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') {
          done = true;
          continue;
        }
        try {
          const json = JSON.parse(data) as { choices?: { delta?: { content?: string | null } }[]; usage?: { completion_tokens?: number } | null; error?: { message?: string } };
          if (json.error) streamError = json.error.message ?? 'an error event in the stream';
          if (json.usage?.completion_tokens !== undefined) usage = json.usage.completion_tokens;
          if (json.choices?.some((c) => c.delta?.content)) {
            chunks += 1;
            ttft ??= since();
          }
        } catch {
          // A line that is not JSON is not a token.
        }
      }
    }
    const latencyMs = since();
    if (streamError) return { ...fail('stream-error', streamError), ttftMs: ttft };
    if (!done) return { ...fail('stream-cut', 'the stream ended without [DONE]'), ttftMs: ttft };
    const tokens = usage ?? chunks;
    const generating = ttft === null ? latencyMs : latencyMs - ttft;
    return { status: '200', ok: true, latencyMs, ttftMs: ttft, outputTokens: tokens, tokensPerSecond: tokens > 1 && generating > 0 ? (tokens - 1) / (generating / 1000) : null, error: null };
  } catch (err) {
    if (stop.aborted) return fail('stopped', 'the test was stopped');
    const e = err as { name?: string; code?: string; message?: string };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED') return fail('timeout', `no answer within ${Math.round(timeoutMs / 1000)} s`);
    return fail('network', `the gateway could not be reached: ${e.message ?? String(err)}`);
  }
}

const round = (v: number | null, digits = 1) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
const q = (sorted: number[], p: number) => (sorted.length ? round(quantileSorted(sorted, p)) : null);

function summarise(arm: EngineArm, samples: Sample[], scheduled: number, seconds: number): LoadTestArm {
  const ok = samples.filter((s) => s.ok);
  const lat = ok.map((s) => s.latencyMs).sort((a, b) => a - b);
  const ttft = ok.filter((s) => s.streamed && s.ttftMs !== null).map((s) => s.ttftMs!).sort((a, b) => a - b);
  const tps = ok.map((s) => s.tokensPerSecond).filter((v): v is number => v !== null).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const errors = samples.length - ok.length;
  return {
    releaseNumber: arm.releaseNumber,
    scheduled,
    completed: samples.length,
    errors,
    errorRate: samples.length ? errors / samples.length : 0,
    achievedRps: seconds > 0 ? Math.round((samples.length / seconds) * 100) / 100 : 0,
    seconds,
    latencyMs: { p50: q(lat, 0.5), p95: q(lat, 0.95), p99: q(lat, 0.99), mean: lat.length ? round(lat.reduce((a, b) => a + b, 0) / lat.length) : null, max: lat.length ? round(lat.at(-1)!) : null },
    ttftMs: { p50: q(ttft, 0.5), p95: q(ttft, 0.95), p99: q(ttft, 0.99), count: ttft.length },
    outputTokensPerSecond: tps.length ? round(quantileSorted(tps, 0.5)) : null,
    outputTokens: ok.reduce((a, s) => a + s.outputTokens, 0),
    statuses,
    errorSamples: [...new Set(samples.filter((s) => s.error).map((s) => s.error!))].slice(0, 5),
    queued: samples.filter((s) => s.queued).length,
  };
}

function perSecond(samples: Sample[]): LoadTestPoint[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const key = `${Math.floor(s.at / 1000)}|${s.arm}`;
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  return [...groups.entries()]
    .map(([key, g]) => {
      const [second, arm] = key.split('|') as [string, ArmName];
      const lat = g.filter((s) => s.ok).map((s) => s.latencyMs).sort((a, b) => a - b);
      const ttft = g.filter((s) => s.ok && s.ttftMs !== null).map((s) => s.ttftMs!).sort((a, b) => a - b);
      return { second: Number(second), arm, requests: g.length, errors: g.filter((s) => !s.ok).length, p50: q(lat, 0.5), p95: q(lat, 0.95), ttftP95: q(ttft, 0.95) };
    })
    .sort((a, b) => a.second - b.second || a.arm.localeCompare(b.arm));
}
