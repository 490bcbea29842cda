// `npm run gateway`: the gateway alone (dist/gateway.mjs), as operators run it for scale-out. It refuses the
// embedded database with a message naming DATABASE_URL; against the console's PostgreSQL database it answers the
// console's routing through its workers, writes telemetry there, follows a key revocation within a second and
// stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { freePort, startServer, waitForExit, type RunningServer } from './server';

function startGateway(env: Record<string, string>) {
  let out = '';
  const child = spawn(process.execPath, ['dist/gateway.mjs'], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'warn', SLIPWAY_OUTBOUND_ALLOW: '127.0.0.0/8,::1', SLIPWAY_APP_NICE: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

let console_: RunningServer | undefined;
afterAll(() => console_?.stop());

describe('npm run gateway', () => {
  it('refuses the embedded database, naming DATABASE_URL', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'slipway-gw-'));
    const gw = startGateway({ SLIPWAY_DATA_DIR: dataDir, GATEWAY_PORT: String(await freePort()) });
    expect(await waitForExit(gw.child, 30_000)).toBe(1);
    expect(gw.output()).toContain('DATABASE_URL: required by `npm run gateway`');
    await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('serves the console’s routing from PostgreSQL through its workers, and follows a revocation within a second', async () => {
    console_ = await startServer({ SLIPWAY_DEMO: 'on', SLIPWAY_MODEL_SERVER: 'on', SLIPWAY_MODEL_SERVER_PORT: String(await freePort()), SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/reference-models.yaml') });
    const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${console_.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${console_.bootstrapToken}` } })] });
    const { key, gatewayKey } = await api.gatewayKeys.create.mutate({ service: 'support-bot', name: 'scale-out' });
    const port = await freePort();
    // The console's data folder holds its generated secret key, which the gateway needs to read stored provider keys.
    const gw = startGateway({ DATABASE_URL: console_.databaseUrl!, SLIPWAY_DATA_DIR: console_.dataDir, GATEWAY_PORT: String(port), HOST: '127.0.0.1', SLIPWAY_GATEWAY_WORKERS: '2' });
    const base = `http://127.0.0.1:${port}`;
    try {
      let health = 0;
      for (const until = Date.now() + 30_000; health !== 200 && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) health = await fetch(`${base}/api/health`).then((r) => r.status, () => 0);
      expect(health, gw.output()).toBe(200);

      const ask = () => fetch(`${base}/gw/support-bot/production/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'What plans do you offer?' }], max_tokens: 16 }) });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await ask();
        expect(res.status).toBe(200);
        expect(res.headers.get('x-slipway-release')).toBe('support-bot#1');
        ids.push(res.headers.get('x-slipway-request-id')!);
      }
      // Its telemetry is in the console's database: feedback on one of its requests is accepted by the console's gateway.
      const feedback = await fetch(`${console_.url}/gw/support-bot/production/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ request_id: ids[0], score: 1 }) });
      let status = feedback.status;
      for (const until = Date.now() + 2_000; status !== 200 && Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
        status = (await fetch(`${console_.url}/gw/support-bot/production/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ request_id: ids[0], score: 1 }) })).status;
      }
      expect(status).toBe(200);

      await api.gatewayKeys.revoke.mutate({ service: 'support-bot', keyId: gatewayKey.id });
      let refused = 0;
      for (const until = Date.now() + 1_000; refused < 4 && Date.now() < until; ) refused = (await ask()).status === 401 ? refused + 1 : 0;
      expect(refused).toBe(4);

      expect((await fetch(`${base}/api/trpc/users.me`)).status).toBe(404);
      gw.child.kill('SIGTERM');
      expect(await waitForExit(gw.child, 15_000)).toBe(0);
    } finally {
      if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
    }
  });
});
