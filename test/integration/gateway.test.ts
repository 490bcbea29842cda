// The gateway with the official `openai` client: routing by release and weight, stickiness, prompt serving,
// fallback, cancellation, keys, telemetry, shadow traffic, and routing changes under load.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, sql } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { feedback, requestLogs } from '@/db/schema';
import { parseEnv } from '@/server/env';
import { Gateway } from '@/server/gateway/handler';
import { policyFromEnv, setOutboundPolicy } from '@/server/outbound/policy';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startTestUpstream, type TestUpstream } from '../helpers/upstream';

let database: TestDatabase;
let upstream: TestUpstream;
let gateway: Gateway;
let server: http.Server;
let base: string;
let key: string;
let api: ReturnType<typeof callerFor>;
const SECRET = 'upstream-secret-value-0123456789';

const env = (environment = 'dev') => ({ service: 'chat-svc', environment });
const deploy = async (routes: { release: number; weight: number }[], environment = 'dev') => {
  await api.environments.deploy({ ...env(environment), routes });
  await gateway.refresh(true);
};
const client = (k = key, environment = 'dev') => new OpenAI({ apiKey: k, baseURL: `${base}/gw/chat-svc/${environment}/v1`, maxRetries: 0 });
const ask = async (content = 'hi', extra: Record<string, unknown> = {}, c = client()) => {
  const { data, response } = await c.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content }], ...extra } as never).withResponse();
  return { data: data as unknown as OpenAI.Chat.Completions.ChatCompletion, release: response.headers.get('x-slipway-release'), requestId: response.headers.get('x-slipway-request-id') };
};

beforeAll(async () => {
  database = await freshDatabase();
  upstream = await startTestUpstream();
  api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
  await api.services.create({ name: 'chat-svc' });
  await api.services.create({ name: 'other-svc' });
  await api.secrets.create({ name: 'upstream-key', kind: 'provider_api_key', value: SECRET });
  for (const m of ['alpha', 'beta', 'fail-x', 'slow-s', 'nousage-n']) {
    await api.models.register({ model: 'gw-model', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel: m, apiKeySecret: 'upstream-key', priceInputPer1M: 2, priceOutputPer1M: 10, defaultParams: { temperature: 0.1 } });
  }
  await api.prompts.push({ service: 'chat-svc', prompt: 'greet', messages: [{ role: 'system', content: 'Greet {{name}}.' }, { role: 'user', content: 'Hello, I am {{name}}' }], variables: [{ name: 'name' }], params: { temperature: 0.7 } });
  for (let v = 1; v <= 5; v++) await api.releases.create({ service: 'chat-svc', model: `gw-model@${v}`, prompts: ['greet@1'], config: v === 1 ? { max_tokens: 64 } : {} });
  await api.releases.create({ service: 'other-svc', model: 'gw-model@1' });
  await api.models.register({ model: 'gw-model', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel: 'late-l' });
  await api.releases.create({ service: 'chat-svc', model: 'gw-model@6' });
  await api.environments.deploy({ service: 'other-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
  key = (await api.gatewayKeys.create({ service: 'chat-svc', name: 'app', allowPin: true })).key;
  await api.environments.deploy({ ...env(), routes: [{ release: 1, weight: 100 }] });
  // On PostgreSQL the gateway follows changes by LISTEN/NOTIFY; the slow poll proves it does not need polling.
  gateway = new Gateway({ db: database.db, databaseUrl: database.url, pollIntervalMs: database.url ? 5000 : 100, telemetry: { flushIntervalMs: 50 } });
  await gateway.start();
  server = http.createServer(gateway.handle);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.close();
  await upstream?.close();
  await database?.close();
});

beforeEach(async () => {
  await deploy([{ release: 1, weight: 100 }]);
});

describe('the gateway', () => {
  it('answers the openai client from the routed release, with the upstream key and merged params', async () => {
    const { data, release, requestId } = await ask('hi');
    expect(data.choices[0]!.message.content).toBe('alpha: hi');
    expect(release).toBe('chat-svc#1');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const call = upstream.calls.at(-1)!;
    expect(call.authorization).toBe(`Bearer ${SECRET}`);
    expect(call.body).toMatchObject({ model: 'alpha', temperature: 0.1, max_tokens: 64 });
    const own = await ask('hi', { temperature: 0.9 });
    expect(own.data.choices[0]!.message.content).toBe('alpha: hi');
    expect(upstream.calls.at(-1)!.body.temperature).toBe(0.9);
    const models = await client().models.list();
    expect(models.data.map((m) => m.id)).toEqual(['chat-svc', 'chat-svc#1']);
  });

  it('streams, passing usage on only when the caller asked for it', async () => {
    const collect = async (extra: Record<string, unknown>) => {
      const stream = await client().chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'tell me more' }], stream: true, ...extra } as never);
      let text = '';
      let usage: unknown = null;
      for await (const chunk of stream as unknown as AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      return { text, usage };
    };
    expect(await collect({})).toEqual({ text: 'alpha: tell me more', usage: null });
    expect(await collect({ stream_options: { include_usage: true } })).toEqual({ text: 'alpha: tell me more', usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } });
  });

  it('renders the release’s prompt, and reports render errors in the OpenAI format', async () => {
    const { data } = await ask('and one more thing', { slipway: { prompt: 'greet', variables: { name: 'Ada' } } });
    expect(data.choices[0]!.message.content).toBe('alpha: and one more thing');
    expect(upstream.calls.at(-1)!.body).toMatchObject({
      messages: [
        { role: 'system', content: 'Greet Ada.' },
        { role: 'user', content: 'Hello, I am Ada' },
        { role: 'user', content: 'and one more thing' },
      ],
      temperature: 0.7,
    });
    const err = await ask('x', { slipway: { prompt: 'greet', variables: {} } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('Rendering greet@1: variables.name: is required');
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('prompt_render_error');
    const missing = (await ask('x', { slipway: { prompt: 'nope' } }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(missing.message).toContain('Release chat-svc#1 has no prompt "nope" (it has: greet)');
  });

  it('refuses a request without a key, and unknown and foreign keys, in the OpenAI format', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) });
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer ' }] as Record<string, string>[]) {
      const res = await post(headers);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatchObject({ code: 'missing_api_key', type: 'authentication_error' });
    }
    const unknown = await post({ authorization: 'Bearer sgw_nope' });
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).error.code).toBe('invalid_api_key');
    await expect(ask('x', {}, client('sgw_nope'))).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const other = (await api.gatewayKeys.create({ service: 'other-svc', name: 'other' })).key;
    await gateway.refresh(true);
    const foreign = (await ask('x', {}, client(other)).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(foreign.status).toBe(401);
    expect(foreign.message).toContain('does not belong to this service');
  });

  it('lets only a key allowed to pin choose a release with X-Slipway-Release', async () => {
    const plain = (await api.gatewayKeys.create({ service: 'chat-svc', name: 'no-pin' })).key;
    await gateway.refresh(true);
    const pinWith = (k: string) =>
      fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json', 'x-slipway-release': 'chat-svc#2' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      });
    const denied = await pinWith(plain);
    expect(denied.status).toBe(403);
    expect((await denied.json()).error).toMatchObject({ code: 'pin_not_allowed', message: expect.stringContaining('may not pin') });
    // The same key answers from the routed release without the header; the key allowed to pin reaches #2.
    expect((await ask('x', {}, client(plain))).release).toBe('chat-svc#1');
    const allowed = await pinWith(key);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('x-slipway-release')).toBe('chat-svc#2');
  });

  it('refuses a revoked key within a second', async () => {
    const temp = await api.gatewayKeys.create({ service: 'chat-svc', name: 'temp' });
    await gateway.refresh(true);
    expect((await ask('x', {}, client(temp.key))).release).toBe('chat-svc#1');
    const revokedAt = Date.now();
    await api.gatewayKeys.revoke({ service: 'chat-svc', keyId: temp.gatewayKey.id });
    let refused = false;
    while (!refused && Date.now() - revokedAt < 1000) {
      refused = await ask('x', {}, client(temp.key)).then(
        () => false,
        (e: unknown) => e instanceof OpenAI.AuthenticationError,
      );
    }
    expect(refused).toBe(true);
  });

  it('splits traffic by weight within statistical tolerance', async () => {
    await deploy([
      { release: 1, weight: 70 },
      { release: 2, weight: 30 },
    ]);
    const counts: Record<string, number> = {};
    const c = client();
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(Array.from({ length: 50 }, () => ask('w', {}, c)));
      for (const r of results) counts[r.release!] = (counts[r.release!] ?? 0) + 1;
    }
    // 1000 draws at p = 0.3: standard deviation ≈ 14.5; allow five.
    expect(counts['chat-svc#2']).toBeGreaterThan(300 - 73);
    expect(counts['chat-svc#2']).toBeLessThan(300 + 73);
    expect(counts['chat-svc#1']! + counts['chat-svc#2']!).toBe(1000);
  });

  it('keeps a sticky user on one release while weights hold, and on the canary as it grows', async () => {
    await deploy([
      { release: 1, weight: 80 },
      { release: 2, weight: 20 },
    ]);
    const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);
    const first = new Map<string, string>();
    for (const u of users) first.set(u, (await ask('s', { user: u })).release!);
    for (const u of users.slice(0, 20)) expect((await ask('s', { user: u })).release).toBe(first.get(u));
    const viaHeader = new OpenAI({ apiKey: key, baseURL: `${base}/gw/chat-svc/dev/v1`, defaultHeaders: { 'x-slipway-sticky-key': 'user-3' } });
    expect((await ask('s', {}, viaHeader)).release).toBe(first.get('user-3'));
    expect(new Set(first.values()).size).toBe(2);
    await deploy([
      { release: 1, weight: 50 },
      { release: 2, weight: 50 },
    ]);
    for (const u of users) if (first.get(u) === 'chat-svc#2') expect((await ask('s', { user: u })).release).toBe('chat-svc#2');
  });

  it('falls back to the stable release when a canary’s upstream fails, and records both attempts', async () => {
    await deploy([
      { release: 1, weight: 90 },
      { release: 3, weight: 10 },
    ]);
    // The newest release takes the lowest buckets: find a user that lands on the failing canary.
    const { stickyBucket } = await import('@/server/gateway/choose');
    const unlucky = Array.from({ length: 500 }, (_, i) => `u${i}`).find((u) => stickyBucket(u) < 1000)!;
    const res = await ask('help', { user: unlucky });
    expect(res.release).toBe('chat-svc#1');
    expect(res.data.choices[0]!.message.content).toBe('alpha: help');
    await gateway.telemetry.flush();
    const rows = await database.db.select().from(requestLogs).where(eq(requestLogs.requestId, res.requestId!));
    expect(rows.map((r) => [r.releaseNumber, r.status, r.fallback, r.errorClass]).sort()).toEqual([
      [1, 200, true, null],
      [3, 500, false, 'upstream_5xx'],
    ]);
    await api.environments.update({ ...env(), gateway: { fallbackToStable: false, shadow: null, samplePercent: 0, upstreamTimeoutMs: 60_000 } });
    await gateway.refresh(true);
    const err = (await ask('help', { user: unlucky }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.InternalServerError>;
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    await api.environments.update({ ...env(), gateway: { fallbackToStable: true, shadow: null, samplePercent: 0, upstreamTimeoutMs: 60_000 } });
  });

  it('cancels the upstream call when the caller disconnects', async () => {
    await deploy([{ release: 4, weight: 100 }]);
    const controller = new AbortController();
    const res = await fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }], stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    // Under a loaded machine the abort can take a while to reach the upstream; the loop ends as soon as it does.
    const deadline = Date.now() + 10_000;
    while (!upstream.aborted.includes('slow-s') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(upstream.aborted).toContain('slow-s');
  });

  it('cancels the upstream call when the caller hangs up before the answer begins, and records the request as cancelled', async () => {
    await deploy([{ release: 6, weight: 100 }]);
    const controller = new AbortController();
    const asked = fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'never mind' }] }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    const until = async (done: () => boolean) => {
      for (const deadline = Date.now() + 10_000; !done() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => upstream.calls.some((c) => c.model === 'late-l'));
    controller.abort();
    expect(await asked).toMatchObject({ name: 'AbortError' });
    await until(() => upstream.aborted.includes('late-l'));
    expect(upstream.aborted).toContain('late-l');
    await gateway.telemetry.flush();
    const rows = await database.db.select().from(requestLogs).where(eq(requestLogs.releaseNumber, 6));
    expect(rows.map((r) => [r.status, r.errorClass, r.inputTokens, r.outputTokens])).toEqual([[499, 'client_cancelled', 0, 0]]);
  });

  it('writes one telemetry row per request with tokens and cost, counting tokens itself when the upstream does not', async () => {
    await gateway.telemetry.flush();
    const before = (await database.db.select({ n: sql<number>`count(*)::int` }).from(requestLogs).where(eq(requestLogs.shadow, false)))[0]!.n;
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await ask(`question ${i}`)).requestId!);
    await deploy([{ release: 5, weight: 100 }]);
    const counted = await ask('count these words please');
    await gateway.telemetry.flush();
    const after = (await database.db.select({ n: sql<number>`count(*)::int` }).from(requestLogs).where(eq(requestLogs.shadow, false)))[0]!.n;
    expect(after - before).toBe(26);
    const [row] = await database.db.select().from(requestLogs).where(eq(requestLogs.requestId, ids[0]!));
    expect(row).toMatchObject({ releaseNumber: 1, status: 200, inputTokens: 10, outputTokens: 3, environment: 'dev', stream: false, shadow: false });
    expect(row!.costUsd).toBeCloseTo((10 * 2 + 3 * 10) / 1e6, 12);
    expect(row!.features).toMatchObject({ messages: 1, finishReason: 'stop', outputChars: 'alpha: question 0'.length });
    const [own] = await database.db.select().from(requestLogs).where(eq(requestLogs.requestId, counted.requestId!));
    const { countTokens, countMessageTokens } = await import('@/server/gateway/tokenizer');
    expect(own!.outputTokens).toBe(await countTokens('nousage-n: count these words please'));
    expect(own!.inputTokens).toBe(await countMessageTokens([{ role: 'user', content: 'count these words please' }]));
    expect(own!.outputTokens).toBeGreaterThan(5);
    expect(gateway.telemetry.stats.dropped).toBe(0);
    const summary = await api.telemetry.summary({ ...env(), since: new Date(Date.now() - 60_000) });
    const r1 = summary.releases.find((r) => r.releaseNumber === 1)!;
    expect(r1.requests).toBeGreaterThanOrEqual(25);
    expect(r1.p95LatencyMs).toBeGreaterThan(0);
    expect(summary.releases.find((r) => r.releaseNumber === 5)).toMatchObject({ requests: 1, errors: 0 });
  });

  it('mirrors traffic to a shadow release without affecting the caller', async () => {
    await api.environments.update({ ...env(), gateway: { fallbackToStable: true, shadow: { releaseNumber: 2, percent: 100 }, samplePercent: 100, upstreamTimeoutMs: 60_000 } });
    await gateway.refresh(true);
    const r = await ask('mail me at someone@example.com');
    expect(r.release).toBe('chat-svc#1');
    const deadline = Date.now() + 2000;
    let rows: (typeof requestLogs.$inferSelect)[] = [];
    while (Date.now() < deadline) {
      await gateway.telemetry.flush();
      rows = await database.db.select().from(requestLogs).where(eq(requestLogs.requestId, r.requestId!));
      if (rows.length === 2) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(rows.map((x) => [x.releaseNumber, x.shadow]).sort()).toEqual([
      [1, false],
      [2, true],
    ]);
    const sample = rows.find((x) => !x.shadow)!.sample!;
    expect(sample.input).toBe('mail me at [email]');
    expect(sample.output).toBe('alpha: mail me at [email]');
    await api.environments.update({ ...env(), gateway: { fallbackToStable: true, shadow: null, samplePercent: 0, upstreamTimeoutMs: 60_000 } });
  });

  it('accepts feedback for a request and counts it for the release that answered', async () => {
    const since = new Date();
    const r = await ask('rate me');
    const res = await fetch(`${base}/gw/chat-svc/dev/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ request_id: r.requestId, score: 1, comment: 'great' }) });
    expect(res.status).toBe(200);
    const rows = await database.db.select().from(feedback).where(and(eq(feedback.requestId, r.requestId!), eq(feedback.environment, 'dev')));
    expect(rows.map((x) => [x.score, x.comment])).toEqual([[1, 'great']]);
    await gateway.telemetry.flush();
    const summary = await api.telemetry.summary({ ...env(), since });
    expect(summary.feedback).toEqual({ count: 1, meanScore: 1 });
    expect(summary.releases.map((x) => [x.releaseNumber, x.requests, x.feedback])).toEqual([[1, 1, { count: 1, meanScore: 1 }]]);
    const bad = await fetch(`${base}/gw/chat-svc/dev/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ request_id: r.requestId, score: 7 }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { message: 'score must be a number from -1 to 1', type: 'invalid_request_error', param: null, code: 'invalid_request' } });
    const nul = await fetch(`${base}/gw/chat-svc/dev/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ request_id: r.requestId, score: 0, comment: 'bad\u0000byte' }) });
    expect(nul.status).toBe(400);
    expect((await nul.json()).error.message).toBe('comment must not contain the NUL character (U+0000)');
    expect(await database.db.select().from(feedback).where(eq(feedback.requestId, r.requestId!))).toHaveLength(1);
  });

  it('refuses feedback for a request this service and environment did not serve with 404, storing nothing', async () => {
    const otherKey = (await api.gatewayKeys.create({ service: 'other-svc', name: 'other-feedback' })).key;
    await gateway.refresh(true);
    const foreign = await ask('elsewhere', {}, new OpenAI({ apiKey: otherKey, baseURL: `${base}/gw/other-svc/dev/v1`, maxRetries: 0 }));
    await gateway.telemetry.flush();
    for (const requestId of ['not-a-logged-request', '00000000-0000-4000-8000-000000000000', foreign.requestId]) {
      const res = await fetch(`${base}/gw/chat-svc/dev/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ request_id: requestId, score: -1 }) });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { message: `No request ${requestId} of chat-svc/dev; send the x-slipway-request-id of one of its responses`, type: 'invalid_request_error', param: null, code: 'request_not_found' } });
      expect(await database.db.select().from(feedback).where(eq(feedback.requestId, requestId!))).toEqual([]);
    }
  });

  it('applies a routing change within a second under continuous load, failing nothing', async () => {
    const c = client();
    let stop = false;
    const seen: { at: number; release: string }[] = [];
    let failures = 0;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await ask('load', {}, c);
          seen.push({ at: Date.now(), release: r.release! });
        } catch {
          failures += 1;
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 300));
    const changedAt = Date.now();
    await api.environments.deploy({ ...env(), routes: [{ release: 2, weight: 100 }] });
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(workers);
    const lastOld = Math.max(...seen.filter((s) => s.release === 'chat-svc#1').map((s) => s.at));
    expect(failures).toBe(0);
    expect(seen.filter((s) => s.at > changedAt + 1000).every((s) => s.release === 'chat-svc#2')).toBe(true);
    expect(lastOld - changedAt).toBeLessThan(1000);
    expect(seen.length).toBeGreaterThan(50);
  });

  it('refuses a model endpoint whose host resolves to a denied address with a 502 naming the rule, and serves it once allowed', async () => {
    // A literal denied address is refused when the model version is registered.
    await expect(api.models.register({ model: 'gw-meta', providerKind: 'openai-compatible', baseUrl: 'http://[::ffff:169.254.169.254]/v1', upstreamModel: 'alpha' })).rejects.toThrow(
      'baseUrl: outbound request to ::ffff:a9fe:a9fe, i.e. 169.254.169.254 refused: link-local address (set SLIPWAY_OUTBOUND_ALLOW to allow)',
    );
    // A host name is judged by what it resolves to, when the gateway connects: localhost is loopback.
    await api.models.register({ model: 'gw-local', providerKind: 'openai-compatible', baseUrl: upstream.url.replace('127.0.0.1', 'localhost'), upstreamModel: 'alpha' });
    const release = await api.releases.create({ service: 'chat-svc', model: 'gw-local@1' });
    await deploy([{ release: release.number, weight: 100 }]);
    const calls = upstream.calls.length;
    try {
      setOutboundPolicy(policyFromEnv(parseEnv({ NODE_ENV: 'test' })));
      const refused = await fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
      expect(refused.status).toBe(502);
      expect(await refused.json()).toEqual({ error: { message: `The model endpoint of chat-svc#${release.number} is refused by the outbound policy: loopback address (set SLIPWAY_OUTBOUND_ALLOW to allow)`, type: 'api_error', param: null, code: 'outbound_refused' } });
      expect(upstream.calls.length).toBe(calls);
      setOutboundPolicy(policyFromEnv(parseEnv({ NODE_ENV: 'test', SLIPWAY_OUTBOUND_ALLOW: 'localhost' })));
      expect((await ask('now')).data.choices[0]!.message.content).toBe('alpha: now');
    } finally {
      setOutboundPolicy(null);
    }
  });

  it('answers unknown places and bad requests in the OpenAI error format', async () => {
    const nowhere = await fetch(`${base}/gw/chat-svc/nowhere/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: '{}' });
    expect(nowhere.status).toBe(404);
    expect(((await nowhere.json()) as { error: { code: string } }).error.code).toBe('service_not_found');
    const badJson = await fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: '{nope' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const noMessages = await fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: '{}' });
    expect(noMessages.status).toBe(400);
    const pinned = await fetch(`${base}/gw/chat-svc/dev/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'x-slipway-release': 'chat-svc#2' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'pin' }] }) });
    expect(pinned.headers.get('x-slipway-release')).toBe('chat-svc#2');
  });
});
