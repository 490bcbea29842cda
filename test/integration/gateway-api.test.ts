// The gateway's OpenAI API beyond chat, with the official `openai` client against the reference model server:
// embeddings, responses (whole and streamed), legacy completions, models.retrieve, the request id the client
// reads (`_request_id`), one telemetry row per call with its endpoint, tokens and cost; the caller's bytes
// reaching the upstream unchanged when Slipway changes nothing; a revoked key refused at once despite the key cache.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogs, services } from '@/db/schema';
import { Gateway } from '@/server/gateway/handler';
import { startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';
import { mintSmokeToken } from '@/server/secrets/smoke-token';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startTestUpstream, type TestUpstream } from '../helpers/upstream';

let database: TestDatabase;
let reference: ReferenceModelServer;
let upstream: TestUpstream;
let gateway: Gateway;
let server: http.Server;
let base: string;
let key: string;
let api: ReturnType<typeof callerFor>;

const client = (k = key, service = 'api-svc') => new OpenAI({ apiKey: k, baseURL: `${base}/gw/${service}/dev/v1`, maxRetries: 0 });

/** The telemetry row of one request, once the writer has written it. */
async function rowOf(requestId: string | null | undefined) {
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  await gateway.telemetry.flush();
  const rows = await database.db.select().from(requestLogs).where(eq(requestLogs.requestId, requestId!));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** What the openai client reads from x-request-id (withResponse's data carries it too, though its type does not say so). */
const requestIdOf = (data: object) => (data as { _request_id?: string | null })._request_id;

const cost = (input: number, output: number) => (input * 2 + output * 10) / 1_000_000;

beforeAll(async () => {
  database = await freshDatabase();
  reference = await startReferenceModelServer({ noDelay: true, seed: 7 });
  upstream = await startTestUpstream();
  api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
  await api.services.create({ name: 'api-svc' });
  await api.services.create({ name: 'raw-svc' });
  await api.models.register({ model: 'ref', providerKind: 'openai-compatible', baseUrl: `${reference.url}/v1`, upstreamModel: 'ref-fast', priceInputPer1M: 2, priceOutputPer1M: 10 });
  await api.models.register({ model: 'plain', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel: 'plain' });
  await api.releases.create({ service: 'api-svc', model: 'ref@1' });
  await api.releases.create({ service: 'api-svc', model: 'ref@1', config: { temperature: 0 } });
  await api.releases.create({ service: 'raw-svc', model: 'plain@1' });
  await api.environments.deploy({ service: 'api-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
  await api.environments.deploy({ service: 'raw-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
  key = (await api.gatewayKeys.create({ service: 'api-svc', name: 'app', allowPin: true })).key;
  gateway = new Gateway({ db: database.db, databaseUrl: database.url, listen: database.listen, pollIntervalMs: 60_000, telemetry: { flushIntervalMs: 50 } });
  await gateway.start();
  server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.close();
  await upstream?.close();
  await reference?.close();
  await database?.close();
});

describe('the gateway’s OpenAI API', () => {
  it('serves embeddings from the routed release, with usage, cost and the endpoint in telemetry', async () => {
    const texts = ['how do I reset my password', 'how can I reset my password', 'invoice totals for march'];
    const { data, response } = await client().embeddings.create({ model: 'anything', input: texts }).withResponse();
    expect(response.headers.get('x-slipway-release')).toBe('api-svc#1');
    expect(requestIdOf(data)).toBe(response.headers.get('x-slipway-request-id'));
    // The openai client asks for base64 and decodes it: the vectors arrive as numbers, near for similar texts.
    const [a, b, c] = data.data.map((d) => d.embedding);
    expect(a).toHaveLength(256);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!) + 0.3);
    const row = await rowOf(requestIdOf(data));
    expect(row).toMatchObject({ endpoint: 'embeddings', status: 200, releaseNumber: 1, inputTokens: data.usage.prompt_tokens, outputTokens: 0, sample: null });
    expect(row.inputTokens).toBeGreaterThan(10);
    expect(row.costUsd).toBeCloseTo(cost(row.inputTokens, 0), 12);
    expect(row.features).toMatchObject({ inputChars: texts.join('\n').length, messages: 3 });
  });

  it('routes embeddings to a pinned release for a key allowed to pin, and refuses smoke tokens', async () => {
    const { data, response } = await client().embeddings.create({ model: 'x', input: 'pinned', encoding_format: 'float' }, { headers: { 'x-slipway-release': '2' } }).withResponse();
    expect(response.headers.get('x-slipway-release')).toBe('api-svc#2');
    expect((await rowOf(requestIdOf(data))).releaseNumber).toBe(2);
    const [service] = await database.db.select().from(services).where(eq(services.name, 'api-svc'));
    const smoke = mintSmokeToken({ serviceId: service!.id, environment: 'dev' });
    const refused = await client(smoke).embeddings.create({ model: 'x', input: 'hi' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(await client(smoke).models.retrieve('api-svc')).toMatchObject({ id: 'api-svc' });
  });

  it('passes responses through, whole and streamed, with tokens from the upstream’s usage', async () => {
    const { data, response } = await client().responses.create({ model: 'x', input: 'How do I reset my password?', instructions: 'Be brief.', temperature: 0 }).withResponse();
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(requestIdOf(data)).toBe(response.headers.get('x-request-id'));
    const row = await rowOf(requestIdOf(data));
    expect(row).toMatchObject({ endpoint: 'responses', status: 200, stream: false, inputTokens: data.usage!.input_tokens, outputTokens: data.usage!.output_tokens });
    expect(row.costUsd).toBeCloseTo(cost(data.usage!.input_tokens, data.usage!.output_tokens), 12);
    expect(row.features).toMatchObject({ outputChars: data.output_text.length, finishReason: 'stop' });

    const { data: stream, response: streamed } = await client().responses.create({ model: 'x', input: 'How do I reset my password?', instructions: 'Be brief.', temperature: 0, stream: true }).withResponse();
    let text = '';
    let usage: OpenAI.Responses.ResponseUsage | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    // The same question at temperature 0 gets the same answer, streamed.
    expect(text).toBe(data.output_text);
    const srow = await rowOf(streamed.headers.get('x-request-id'));
    expect(srow).toMatchObject({ endpoint: 'responses', stream: true, inputTokens: usage!.input_tokens, outputTokens: usage!.output_tokens });
    expect(srow.ttftMs).not.toBeNull();
    expect(srow.features.outputChars).toBe(text.length);
  });

  it('serves legacy completions, streamed without the usage chunk the caller did not ask for, yet with tokens recorded', async () => {
    const { data, response } = await client().completions.create({ model: 'x', prompt: 'What are your opening hours?', temperature: 0, max_tokens: 40 }).withResponse();
    expect(data.object).toBe('text_completion');
    expect(data.choices[0]!.text.length).toBeGreaterThan(0);
    expect(requestIdOf(data)).toBe(response.headers.get('x-slipway-request-id'));
    const row = await rowOf(requestIdOf(data));
    expect(row).toMatchObject({ endpoint: 'completions', inputTokens: data.usage!.prompt_tokens, outputTokens: data.usage!.completion_tokens });
    expect(row.costUsd).toBeCloseTo(cost(data.usage!.prompt_tokens, data.usage!.completion_tokens), 12);

    const { data: stream, response: streamed } = await client().completions.create({ model: 'x', prompt: 'What are your opening hours?', temperature: 0, max_tokens: 40, stream: true }).withResponse();
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe(data.choices[0]!.text);
    expect(sawUsage).toBe(false);
    const srow = await rowOf(streamed.headers.get('x-request-id'));
    expect(srow).toMatchObject({ endpoint: 'completions', stream: true, inputTokens: data.usage!.prompt_tokens, outputTokens: data.usage!.completion_tokens });
  });

  it('retrieves the service and the releases it routes as models, and answers others with a 404 in the OpenAI format', async () => {
    expect(await client().models.retrieve('api-svc')).toMatchObject({ id: 'api-svc', object: 'model', owned_by: 'slipway' });
    expect(await client().models.retrieve('api-svc#1')).toMatchObject({ id: 'api-svc#1', object: 'model', model: 'ref@1', weight: 100 });
    const missing = await client().models.retrieve('api-svc#2').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const res = await fetch(`${base}/gw/api-svc/dev/v1/models/nope`, { headers: { authorization: `Bearer ${key}` } });
    expect(await res.json()).toEqual({ error: { message: expect.stringContaining("The model 'nope' does not exist here"), type: 'invalid_request_error', param: null, code: 'model_not_found' } });
  });

  it('forwards a body Slipway does not change byte for byte, and splices in only the model otherwise', async () => {
    const rawKey = (await api.gatewayKeys.create({ service: 'raw-svc', name: 'raw' })).key;
    const send = (body: string) => fetch(`${base}/gw/raw-svc/dev/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${rawKey}`, 'content-type': 'application/json' }, body });
    await gateway.refresh(true);
    const same = '{ "messages" : [ {"role":"user","content":"caf\\u00e9 \\"quoted\\""} ],\n  "user":"u-1", "model":"plain", "top_p": 1.0 }';
    expect((await send(same)).status).toBe(200);
    expect(upstream.calls.at(-1)!.raw).toBe(same);
    const other = '{"model" : "whatever-the-app-says","messages":[{"role":"user","content":"x"}],"metadata":{"model":"kept"}}';
    expect((await send(other)).status).toBe(200);
    expect(upstream.calls.at(-1)!.raw).toBe('{"model" : "plain","messages":[{"role":"user","content":"x"}],"metadata":{"model":"kept"}}');
    // A key spelled with escapes is still the model field, as JSON reads it.
    const escaped = '{"mod\\u0065l":"sneaky","messages":[{"role":"user","content":"x"}]}';
    expect((await send(escaped)).status).toBe(200);
    expect(upstream.calls.at(-1)!.body.model).toBe('plain');
  });

  it('refuses a revoked key from the first request after the reload, though it was cached', async () => {
    const temp = await api.gatewayKeys.create({ service: 'api-svc', name: 'temp' });
    await gateway.refresh(true);
    for (let i = 0; i < 2; i++) expect((await client(temp.key).models.retrieve('api-svc')).id).toBe('api-svc');
    await api.gatewayKeys.revoke({ service: 'api-svc', keyId: temp.gatewayKey.id });
    await gateway.refresh(true);
    await expect(client(temp.key).models.retrieve('api-svc')).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await client().models.retrieve('api-svc')).id).toBe('api-svc');
  });
});
