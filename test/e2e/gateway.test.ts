// The demo, end to end: `npm start`'s server with the embedded reference model server answers the openai
// client through the gateway, and a routing change reaches new requests within a second, under load, with
// no request failed and no telemetry lost.
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import OpenAI from 'openai';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { freePort, startServer, type RunningServer } from './server';

let server: RunningServer;
let key: string;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });

beforeAll(async () => {
  server = await startServer({
    SLIPWAY_DEMO: 'on',
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(await freePort()),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/reference-models.yaml'),
  });
  key = (await api().gatewayKeys.create.mutate({ service: 'support-bot', name: 'e2e' })).key;
});
afterAll(() => server?.stop());

const client = () => new OpenAI({ apiKey: key, baseURL: `${server.url}/gw/support-bot/production/v1`, maxRetries: 0 });

describe('the demo through the gateway', () => {
  it('answers the openai client from production’s release, rendering its prompt, streaming or not', async () => {
    let res = await fetch(`${server.url}/gw/support-bot/production/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 20 && res.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await fetch(`${server.url}/gw/support-bot/production/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    }
    expect(res.status).toBe(200);
    const { data, response } = await client()
      .chat.completions.create({ model: 'support-bot', messages: [], slipway: { prompt: 'answer', variables: { question: 'How long is the free trial?' } } } as never)
      .withResponse();
    const completion = data as unknown as OpenAI.Chat.Completions.ChatCompletion;
    expect(response.headers.get('x-slipway-release')).toBe('support-bot#1');
    // The model server answered the rendered question (about the trial, correctly or not), so the prompt's
    // {{question}} reached it; an unrendered or missing variable gets no trial answer.
    expect(completion.choices[0]!.message.content).toMatch(/The free trial lasts (14|7|60) days/);
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(10);

    const stream = await client().chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: 'How long is a password reset link valid?' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toMatch(/A password reset link stays valid for/);
  });

  it('moves all new requests to another release within a second, under load, failing and losing nothing', async () => {
    const since = new Date();
    const c = client();
    let stop = false;
    let failures = 0;
    const seen: { startedAt: number; release: string }[] = [];
    const worker = async (i: number) => {
      while (!stop) {
        const startedAt = Date.now();
        try {
          const { response } = await c.chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: `Question ${i}: what plans do you offer?` }], max_tokens: 16 }).withResponse();
          seen.push({ startedAt, release: response.headers.get('x-slipway-release')! });
        } catch {
          failures += 1;
        }
      }
    };
    // #2 never ran in production: its required gates are overridden first, as an admin switching at once would.
    const { protection } = await api().environments.get.query({ service: 'support-bot', environment: 'production' });
    for (const gate of protection.requiredGates) await api().gates.override.mutate({ service: 'support-bot', release: 2, environment: 'production', gate, reason: 'switch at once to time the gateway' });
    const workers = Array.from({ length: 12 }, (_, i) => worker(i));
    await new Promise((r) => setTimeout(r, 1500));
    const changedAt = Date.now();
    await api().environments.deploy.mutate({ service: 'support-bot', environment: 'production', routes: [{ release: 2, weight: 100 }], reason: 'e2e switch', bypass: { reason: 'switch at once to time the gateway' } });
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await Promise.all(workers);

    expect(failures).toBe(0);
    const afterSecond = seen.filter((s) => s.startedAt > changedAt + 1000);
    expect(afterSecond.length).toBeGreaterThan(5);
    expect(afterSecond.every((s) => s.release === 'support-bot#2')).toBe(true);
    expect(seen.some((s) => s.release === 'support-bot#1')).toBe(true);

    // Every request answered is a telemetry row, written in batches off the request path: wait until they are
    // all there (never more), then check each release's count.
    const telemetry = () => api().telemetry.summary.query({ service: 'support-bot', environment: 'production', since });
    let summary = await telemetry();
    for (const until = Date.now() + 5000; summary.total < seen.length && Date.now() < until; summary = await telemetry()) await new Promise((r) => setTimeout(r, 100));
    expect(summary.total).toBe(seen.length);
    const byRelease = (n: number) => seen.filter((s) => s.release === `support-bot#${n}`).length;
    expect(summary.releases.map((r) => [r.releaseNumber, r.requests, r.errors])).toEqual([
      [1, byRelease(1), 0],
      [2, byRelease(2), 0],
    ]);
  });
});
