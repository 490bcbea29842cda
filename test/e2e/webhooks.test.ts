// The webhook endpoints of a running server, over HTTP through the custom server and Next.js: signed deliveries
// are recorded once, unsigned and stale ones are refused, and the delivery log shows them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signGeneric } from '@/server/webhooks/signature';
import { githubPush, githubRequest, SHA_B } from '../helpers/webhooks';
import { startServer, type RunningServer } from './server';

const HOOK = 'whsec_e2e_0123456789abcdef0123';

let server: RunningServer;

async function call<T>(procedure: string, input: unknown, kind: 'query' | 'mutation'): Promise<T> {
  const auth = { authorization: `Bearer ${server.bootstrapToken}` };
  const res =
    kind === 'query'
      ? await fetch(`${server.url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers: auth })
      : await fetch(`${server.url}/api/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ json: input }) });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error)}`);
  return body.result.data.json;
}

/** The same Request the handler tests build, sent to the running server. */
async function send(req: Request): Promise<Response> {
  const url = new URL(req.url);
  return fetch(`${server.url}${url.pathname}${url.search}`, { method: 'POST', headers: req.headers, body: await req.text() });
}

beforeAll(async () => {
  server = await startServer();
  await call('services.create', { name: 'hook-e2e' }, 'mutation');
  await call('secrets.create', { name: 'hook-e2e-secret', kind: 'webhook_secret', value: HOOK }, 'mutation');
  await call('repositories.set', { service: 'hook-e2e', url: 'https://github.com/acme/hook-e2e.git', webhookSecret: 'hook-e2e-secret' }, 'mutation');
});
afterAll(() => server?.stop());

describe('webhooks on a running server', () => {
  it('records a signed GitHub delivery once and refuses an unsigned one', async () => {
    const tag = githubPush({ ref: 'refs/tags/v1', repo: 'acme/hook-e2e' });
    const first = await send(githubRequest('push', tag, HOOK, { delivery: 'e2e-tag' }));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, outcome: 'ignored', reason: 'refs/tags/v1 is not a branch', deliveryId: 'e2e-tag' });
    const replay = await send(githubRequest('push', tag, HOOK, { delivery: 'e2e-tag' }));
    expect(await replay.json()).toEqual({ duplicate: true, deliveryId: 'e2e-tag' });
    const unsigned = await send(githubRequest('push', githubPush({ repo: 'acme/hook-e2e' }), null, { delivery: 'e2e-unsigned' }));
    expect(unsigned.status).toBe(401);
  });

  it('refuses a generic delivery signed too long ago, and one for an unknown service', async () => {
    const body = JSON.stringify({ branch: 'main', commit: SHA_B });
    const t = Math.floor(Date.now() / 1000) - 600;
    const stale = await fetch(`${server.url}/api/webhooks/generic/hook-e2e`, { method: 'POST', headers: { 'x-slipway-signature': signGeneric(body, HOOK, t), 'x-slipway-delivery': 'e2e-stale' }, body });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toEqual({ error: 'the signature timestamp is more than 5 minutes away from now' });
    const unknown = await fetch(`${server.url}/api/webhooks/generic/nobody`, { method: 'POST', body });
    expect(unknown.status).toBe(404);
  });

  it('shows recorded deliveries on the repository setting', async () => {
    const repo = await call<{ recentDeliveries: { deliveryId: string; outcome: string }[] }>('repositories.get', { service: 'hook-e2e' }, 'query');
    expect(repo.recentDeliveries.map((d) => [d.deliveryId, d.outcome])).toEqual([['e2e-tag', 'ignored']]);
  });
});
