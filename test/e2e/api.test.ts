// The HTTP surface of a running server: health, tRPC authentication by token, the gateway's error format,
// and start-up refusing bad configuration.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitForExit, type RunningServer } from './server';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

const trpcGet = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}/api/trpc/${path}`, { headers });
const trpcPost = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ json }) });

describe('a running server', () => {
  it('reports its health with the database kind', async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', version: '0.1.0', database: { kind: server.databaseKind, ok: true }, jobs: { kind: 'embedded' } });
  });

  it('answers 401 to an unauthenticated tRPC call and 200 with a valid token', async () => {
    const anon = await trpcGet('users.me');
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as { error: { json: { data: { code: string } } } }).error.json.data.code).toBe('UNAUTHORIZED');
    const ok = await trpcGet('users.me', { authorization: `Bearer ${server.bootstrapToken}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { data: { json: { actor: { kind: string; role: string } } } } }).result.data.json.actor).toMatchObject({ kind: 'token', role: 'admin' });
  });

  it('refuses unknown tokens and malformed headers, and tokens without a user cannot own tokens', async () => {
    const auth = { authorization: `Bearer ${server.bootstrapToken}` };
    const created = await trpcPost('tokens.create', { name: 'short-lived', role: 'viewer' }, auth);
    // The bootstrap token has no user behind it, so it cannot own tokens.
    expect(created.status).toBe(403);
    const users = (await (await trpcGet('users.list', auth)).json()) as { result: { data: { json: { email: string }[] } } };
    expect(users.result.data.json.map((u) => u.email)).toContain(server.adminEmail);

    expect((await trpcGet('users.me', { authorization: 'Bearer slw_' + 'x'.repeat(43) })).status).toBe(401);
    const malformed = await trpcGet('users.me', { authorization: 'Token abc' });
    expect(malformed.status).toBe(401);
    expect(((await malformed.json()) as { error: { json: { message: string } } }).error.json.message).toBe('Authorization must be "Bearer slw_…"');
  });

  it('rejects bad input with the field named and changes nothing', async () => {
    const auth = { authorization: `Bearer ${server.bootstrapToken}` };
    const res = await trpcPost('users.create', { email: 'nope', role: 'superuser' }, auth);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { json: { message: string; data: { fieldErrors: Record<string, string> } } } };
    expect(Object.keys(body.error.json.data.fieldErrors).sort()).toEqual(['email', 'role']);
    expect(body.error.json.message).toMatch(/^email: must be an email address; role: /);
  });

  it('answers a query sent as POST, so inputs too long for a URL (a large pipeline definition) still get an answer', async () => {
    const auth = { authorization: `Bearer ${server.bootstrapToken}` };
    const steps = Array.from({ length: 400 }, (_, i) => `      - name: step-${i}\n        type: validate-config\n`).join('');
    const yaml = `stages:\n  - name: check\n    steps:\n${steps}      - name: gate\n        type: smoke-test\n`;
    const asGet = await trpcGet(`pipelines.validate?input=${encodeURIComponent(JSON.stringify({ json: { yaml } }))}`, auth);
    expect(asGet.status).toBe(431);
    const res = await trpcPost('pipelines.validate', { yaml }, auth);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { data: { json: unknown } } }).result.data.json).toEqual({
      ok: false,
      problems: [{ line: 805, path: 'stages[0].steps[400].type', message: 'step type smoke-test is not available yet (it comes with smoke tests)' }],
      definition: null,
    });
    // Still a query: it needs the same authentication as one sent with GET.
    expect((await trpcPost('pipelines.validate', { yaml: 'stages: []' })).status).toBe(401);
  });

  it('serves the gateway beside Next.js with OpenAI-format errors', async () => {
    const res = await fetch(`${server.url}/gw/support-bot/production/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { message: 'Send a gateway key as Authorization: Bearer sgw_…', type: 'authentication_error', param: null, code: 'missing_api_key' } });
  });

  it('serves the sign-in page and sends signed-out visitors there', async () => {
    const page = await fetch(`${server.url}/sign-in`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Sign in to Slipway');
    const console = await fetch(`${server.url}/settings/users`, { redirect: 'manual' });
    expect(console.status).toBe(307);
    expect(console.headers.get('location')).toMatch(/\/sign-in$/);
  });
});

describe('start-up', () => {
  it('stops with a message naming the variable and the rule', async () => {
    const child = spawn(process.execPath, ['dist/server.mjs'], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: 'http', SLIPWAY_ADMIN_PASSWORD: 'short' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await waitForExit(child, 20_000)).toBe(1);
    expect(err).toContain('PORT: must be an integer (got "http")');
    expect(err).toContain('SLIPWAY_ADMIN_PASSWORD: must be at least 12 characters');
    expect(err).not.toContain('short');
  });
});
