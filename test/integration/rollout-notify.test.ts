// Notifications of the release flow: a Slack-compatible message to the environment's webhook (a stored
// notification_url secret) when a rollout waits for approval, with links to approve or reject, and when it ends.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '@/server/env';
import { policyFromEnv, setOutboundPolicy } from '@/server/outbound/policy';
import { notifyRollout } from '@/server/rollouts/notify';
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { withoutGates } from '../helpers/gates';
import { seedRegistry } from '../helpers/registry';

let database: TestDatabase;
let server: http.Server;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
const received: { path: string; body: { text: string; blocks: { type: string; elements?: { url?: string; text?: unknown }[] }[] } }[] = [];
let status = 200;

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db));
  // Not about gates: promotion here needs none (test/integration/gates*.test.ts covers them).
  await withoutGates(api, 'support-bot');
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) as never });
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret-path`;
  await api.secrets.create({ name: 'release-channel', kind: 'notification_url', value: url });
  await api.environments.update({ service: 'support-bot', environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, requiredGates: [], allowedBranches: [], notifySecret: 'release-channel' } });
});
afterAll(async () => {
  server.close();
  await database.close();
});

describe('rollout notifications', () => {
  it('ask for approval with approve and reject links, and tell how the rollout ended', async () => {
    const rollout = await api.rollouts.promote({ service: 'support-bot', environment: 'production', release: 1, reason: 'launch' });
    const [request] = await api.approvals.list({});
    await notifyRollout(database.db, rollout.id, 'awaiting-approval');
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/services/T0/B0/secret-path');
    const ask = received[0]!.body;
    expect(ask.text).toMatch(/^Rollout 1 of support-bot#1 to production needs approval \(asked by admin-.*@example.test\)/);
    const buttons = ask.blocks.find((b) => b.type === 'actions')!.elements!.map((e) => e.url);
    expect(buttons).toEqual([expect.stringMatching(new RegExp(`/approvals\\?request=${request!.id}&decision=approve$`)), expect.stringMatching(new RegExp(`/approvals\\?request=${request!.id}&decision=reject$`))]);

    await api.rollouts.abort({ service: 'support-bot', environment: 'production', number: rollout.number, reason: 'not today' });
    await notifyRollout(database.db, rollout.id, 'aborted');
    expect(received[1]!.body.text).toMatch(/^Rollout 1 of support-bot#1 to production was aborted: aborted by .*: not today/);
  });

  it('are refused by the outbound policy when the webhook is a loopback address an admin did not allow', async () => {
    const [rollout] = await api.rollouts.list({ service: 'support-bot', environment: 'production' });
    const before = received.length;
    try {
      setOutboundPolicy(policyFromEnv(parseEnv({ NODE_ENV: 'test' })));
      const err = await notifyRollout(database.db, rollout!.id, 'aborted').catch((e: Error) => e);
      expect(String(err)).toBe('Error: the notification webhook is refused: outbound request to 127.0.0.1 refused: loopback address (set SLIPWAY_OUTBOUND_ALLOW to allow)');
      expect(received.length).toBe(before);
    } finally {
      setOutboundPolicy(null);
    }
  });

  it('report a webhook that refuses, without naming its URL', async () => {
    status = 500;
    const [rollout] = await api.rollouts.list({ service: 'support-bot', environment: 'production' });
    const err = await notifyRollout(database.db, rollout!.id, 'aborted').catch((e: Error) => e);
    expect(String(err)).toContain('the notification webhook answered 500');
    expect(String(err)).not.toContain('secret-path');
  });
});
