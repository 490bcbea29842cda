// A graceful stop loses no telemetry: under a burst of gateway requests the built server gets SIGTERM, answers
// what it accepted, writes the telemetry of every answered request, and exits 0.
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import { and, eq } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '@/db/client';
import { requestLogs } from '@/db/schema';
import type { AppRouter } from '@/server/api/root';
import { freePort, startServer, type RunningServer } from './server';

let server: RunningServer;

beforeAll(async () => {
  // The demo's models run on the embedded reference model server, as in `npm start`.
  server = await startServer({
    SLIPWAY_DEMO: 'on',
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(await freePort()),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/reference-models.yaml'),
  });
});
afterAll(() => server?.stop());

it('answers requests in flight and writes the telemetry of each one before exiting on SIGTERM', async () => {
  const s = server;
  const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${s.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${s.bootstrapToken}` } })] });
  const { key, gatewayKey } = await api.gatewayKeys.create.mutate({ service: 'support-bot', name: 'graceful-stop' });

  let sent = 0;
  const ask = (i: number) => {
    sent += 1;
    return fetch(`${s.url}/gw/support-bot/production/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'support-bot', messages: [{ role: 'user', content: `Question ${i}: what plans do you offer?` }], max_tokens: 16 }),
    });
  };
  // The key reaches the gateway's snapshot within a second.
  const answered: string[] = [];
  for (let i = 0; ; i++) {
    const res = await ask(0);
    await res.text();
    if (res.status === 200) {
      answered.push(res.headers.get('x-slipway-request-id')!);
      break;
    }
    expect(i).toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 100));
  }

  // A bounded burst: 16 callers, up to 30 requests each, until the server goes away.
  const statuses = new Set<number>();
  let terminated: Promise<number | null> | undefined;
  const caller = async (c: number) => {
    for (let i = 0; i < 30; i++) {
      let res: Response;
      try {
        res = await ask(c * 100 + i);
        await res.text();
      } catch {
        return; // refused or cut: no answer, so no telemetry is owed
      }
      statuses.add(res.status);
      answered.push(res.headers.get('x-slipway-request-id')!);
      // Stop the server while the other callers' requests are in flight.
      if (answered.length === 41) terminated = s.terminate();
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, c) => caller(c)));
  expect(await (terminated ?? s.terminate())).toBe(0);
  expect([...statuses]).toEqual([200]);
  expect(answered.length).toBeGreaterThanOrEqual(40);

  const database = await openDatabase(s.databaseUrl ? { kind: 'postgres', url: s.databaseUrl } : { kind: 'embedded', dataDir: path.join(s.dataDir, 'pglite') });
  try {
    const rows = await database.db.select({ requestId: requestLogs.requestId }).from(requestLogs).where(and(eq(requestLogs.keyId, gatewayKey.id), eq(requestLogs.shadow, false)));
    // Every answer the callers read has its record. A request the server answered while it stopped may still have
    // been cut on the caller's side (its body not read whole), so a record may exist that no caller counted; none
    // is written twice, and none beyond the requests sent.
    const ids = rows.map((r) => r.requestId);
    expect(ids).toEqual(expect.arrayContaining(answered));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThanOrEqual(sent);
  } finally {
    await database.close();
  }
});
