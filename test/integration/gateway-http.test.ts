// The gateway's HTTP edge with a real client: malformed percent-encoding in the path and bodies over the limit
// are answered in the OpenAI error format, and the client reads the answer (no connection reset).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '@/server/gateway/handler';
import { MAX_BODY_BYTES } from '@/server/gateway/http';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let gateway: Gateway;
let server: http.Server;
let base: string;
let key: string;
let api: ReturnType<typeof callerFor>;

beforeAll(async () => {
  database = await freshDatabase();
  api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
  await api.services.create({ name: 'edge-svc' });
  await api.models.register({ model: 'edge-model', providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9', upstreamModel: 'm' });
  await api.releases.create({ service: 'edge-svc', model: 'edge-model@1' });
  await api.environments.deploy({ service: 'edge-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
  key = (await api.gatewayKeys.create({ service: 'edge-svc', name: 'app' })).key;
  // Polling is all but off: the gateway learns of changes from the database's notifications alone.
  gateway = new Gateway({ db: database.db, databaseUrl: database.url, listen: database.listen, pollIntervalMs: 60_000 });
  await gateway.start();
  server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.close();
  await database?.close();
});

describe('the gateway edge', () => {
  it('answers malformed percent-encoding in the path with a 400 in the OpenAI format', async () => {
    for (const path of ['/gw/%E0%A4%A/dev/v1/chat/completions', '/gw/edge-svc/%/v1/models']) {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { message: expect.stringContaining('not valid percent-encoding'), type: 'invalid_request_error', param: null, code: 'invalid_path' } });
    }
  });

  it('answers a body over the limit with a 413 the client reads, and keeps serving', async () => {
    const body = JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(MAX_BODY_BYTES) }] });
    // Both with the length declared up front and streamed without one.
    const bodies: (string | ReadableStream<Uint8Array>)[] = [body, new Blob([body]).stream()];
    for (const b of bodies) {
      const res = await fetch(`${base}/gw/edge-svc/dev/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: b, duplex: 'half' } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: { message: `The request body exceeds ${MAX_BODY_BYTES} bytes`, type: 'invalid_request_error', param: null, code: 'request_too_large' } });
    }
    const models = await fetch(`${base}/gw/edge-svc/dev/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);
  });

  it('accepts a key created a moment ago, told by the database on commit rather than by a poll', async () => {
    const { key: fresh, gatewayKey } = await api.gatewayKeys.create({ service: 'edge-svc', name: 'new-app' });
    const statusWithin = async (expected: number) => {
      const since = Date.now();
      let status = 0;
      while (Date.now() - since < 1000) {
        status = (await fetch(`${base}/gw/edge-svc/dev/v1/models`, { headers: { authorization: `Bearer ${fresh}` } })).status;
        if (status === expected) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      return status;
    };
    expect(await statusWithin(200)).toBe(200);
    // And a revoked key is refused the same way, well before the next poll.
    await api.gatewayKeys.revoke({ service: 'edge-svc', keyId: gatewayKey.id });
    expect(await statusWithin(401)).toBe(401);
  });

  it('retries a request once on the same upstream when its connection failed before reaching the model', async () => {
    // A model endpoint that drops the connection of the first `drops` requests, then answers.
    let requests = 0;
    let drops = 1;
    const flaky = http.createServer((req, res) => {
      requests += 1;
      if (drops > 0) {
        drops -= 1;
        req.socket.destroy();
        return;
      }
      req.resume().on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'after a retry' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 } }));
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    try {
      await api.services.create({ name: 'flaky-svc' });
      await api.models.register({ model: 'flaky-model', providerKind: 'openai-compatible', baseUrl: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/v1`, upstreamModel: 'm' });
      await api.releases.create({ service: 'flaky-svc', model: 'flaky-model@1' });
      await api.environments.deploy({ service: 'flaky-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
      const flakyKey = (await api.gatewayKeys.create({ service: 'flaky-svc', name: 'app' })).key;
      await gateway.refresh(true);
      const call = () =>
        fetch(`${base}/gw/flaky-svc/dev/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${flakyKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const retried = await call();
      expect(retried.status).toBe(200);
      expect((await retried.json()).choices[0].message.content).toBe('after a retry');
      expect(requests).toBe(2);
      // Twice dropped: one retry only, then a 502 that says the upstream could not be reached.
      requests = 0;
      drops = 2;
      const failed = await call();
      expect(failed.status).toBe(502);
      expect((await failed.json()).error.code).toBe('upstream_unreachable');
      expect(requests).toBe(2);
    } finally {
      flaky.closeAllConnections();
      await new Promise((r) => flaky.close(r));
    }
  });
});
