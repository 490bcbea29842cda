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
});
