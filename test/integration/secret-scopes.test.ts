// Secret scopes: a secret is bound to a URL only at its stored origin, or by someone holding secrets:write, and only
// for its purposes and services; each use checks again, so narrowing a scope stops what was bound before.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services } from '@/db/schema';
import { sourceSettings } from '@/server/pipelines/source';
import { Gateway } from '@/server/gateway/handler';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';
import { startTestUpstream, type TestUpstream } from '../helpers/upstream';
import { runPipelineHere } from '../helpers/inline-rollout';

const KEY = 'sk-provider-KEY-OF-THE-PLATFORM-TEAM-0123456789';
const HOOK_SECRET = 'whsec-signing-secret-of-the-platform-0123';

let database: TestDatabase;
let provider: TestUpstream;
let attacker: TestUpstream;
let admin: ReturnType<typeof callerFor>;
let approver: ReturnType<typeof callerFor>;
let engineer: ReturnType<typeof callerFor>;
let gateway: Gateway;
let server: http.Server;
let base: string;
let receiver: http.Server;
let receiverUrl: string;
const received: string[] = [];

const failure = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof TRPCError ? { code: e.code, message: e.message } : Promise.reject(e)));
const originOf = (url: string) => new URL(url).origin;

beforeAll(async () => {
  database = await freshDatabase();
  provider = await startTestUpstream();
  attacker = await startTestUpstream();
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['x-slipway-signature']));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  ({ api: admin } = await seedRegistry(database.db, 'chat-svc'));
  approver = callerFor(database.db, await makeUser(database.db, { role: 'approver' }));
  engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
  await admin.services.create({ name: 'other-svc' });
  await admin.secrets.create({ name: 'platform-key', purposes: ['provider_key'], origin: originOf(provider.url), value: KEY });
  await admin.secrets.create({ name: 'platform-hook', purposes: ['webhook_signing'], origin: receiverUrl, value: HOOK_SECRET });
  await admin.secrets.create({ name: 'git-token', purposes: ['repository_token'], origin: 'https://git.example.test', value: 'ghp_token_of_the_platform_team_0123456789' });
  gateway = new Gateway({ db: database.db, databaseUrl: database.url, pollIntervalMs: database.url ? 5000 : 100, telemetry: { flushIntervalMs: 50 } });
  await gateway.start();
  server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.close();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  await provider?.close();
  await attacker?.close();
  await database?.close();
});

describe('binding a provider key to a model version', () => {
  it('is refused to an engineer pointing it at a URL of their own, and changes nothing', async () => {
    const err = await failure(engineer.models.register({ model: 'exfil', providerKind: 'openai-compatible', baseUrl: `${attacker.url}/v1`, upstreamModel: 'm', apiKeySecret: 'platform-key' }));
    expect(err?.code).toBe('FORBIDDEN');
    expect(err?.message).toMatch(/^apiKeySecret: secret "platform-key" may be bound to a URL at http:\/\/127\.0\.0\.1:\d+ only; binding it to .* needs secrets:write/);
    expect(err?.message).not.toContain(KEY);
    expect((await admin.models.list({})).map((m) => m.name)).not.toContain('exfil');
    expect((await admin.secrets.list()).find((s) => s.name === 'platform-key')?.grants).toEqual([]);
  });

  it('is allowed at the key’s stored origin, and to approvers and admins anywhere (recorded as a grant)', async () => {
    const own = await engineer.models.register({ model: 'hosted', providerKind: 'openai-compatible', baseUrl: `${provider.url}/v1`, upstreamModel: 'alpha', apiKeySecret: 'platform-key' });
    expect(own.ref).toBe('hosted@1');
    await approver.models.register({ model: 'elsewhere', providerKind: 'openai-compatible', baseUrl: `${attacker.url}/v1`, upstreamModel: 'beta', apiKeySecret: 'platform-key' });
    const grants = (await admin.secrets.list()).find((s) => s.name === 'platform-key')?.grants;
    expect(grants?.map((g) => [g.origin, g.boundTo])).toEqual([[originOf(attacker.url), 'apiKeySecret of a version of elsewhere']]);
    expect((await admin.audit.list({ action: 'secret.grant' })).items.map((e) => e.summary)).toEqual([`Allowed secret platform-key to be sent to ${originOf(attacker.url)} (apiKeySecret of a version of elsewhere)`]);

    // An admin may take the grant back; the version bound there then gets no key (checked at each use).
    await admin.secrets.update({ name: 'platform-key', revokeOrigins: [originOf(attacker.url)] });
    expect((await admin.secrets.list()).find((s) => s.name === 'platform-key')?.grants).toEqual([]);
    const [revoked] = (await admin.audit.list({ action: 'secret.update' })).items;
    expect(revoked?.changes).toEqual({ grants: { from: [originOf(attacker.url)], to: [] } });
    expect((await failure(engineer.models.register({ model: 'elsewhere', providerKind: 'openai-compatible', baseUrl: `${attacker.url}/v1`, upstreamModel: 'beta', apiKeySecret: 'platform-key' })))?.code).toBe('FORBIDDEN');
  });

  it('is refused for another purpose, and a release is refused for a service outside the key’s scope', async () => {
    const wrongPurpose = await failure(admin.models.register({ model: 'hooked', providerKind: 'openai-compatible', baseUrl: `${receiverUrl}/v1`, upstreamModel: 'm', apiKeySecret: 'platform-hook' }));
    expect(wrongPurpose).toEqual({ code: 'BAD_REQUEST', message: expect.stringMatching(/^apiKeySecret: secret "platform-hook" is not for provider API key \(its purposes: webhook signing\)/) });
    await admin.secrets.create({ name: 'other-key', purposes: ['provider_key'], services: ['other-svc'], origin: originOf(provider.url), value: 'sk-other-team-0123456789' });
    await engineer.models.register({ model: 'other-model', providerKind: 'openai-compatible', baseUrl: `${provider.url}/v1`, upstreamModel: 'alpha', apiKeySecret: 'other-key' });
    const wrongService = await failure(engineer.releases.create({ service: 'chat-svc', model: 'other-model@1' }));
    expect(wrongService).toEqual({ code: 'FORBIDDEN', message: 'model: other-model@1 uses secret "other-key" may not be used by service chat-svc (it is scoped to other-svc)' });
    expect((await engineer.releases.create({ service: 'other-svc', model: 'other-model@1' })).ref).toBe('other-svc#1');
  });
});

describe('the gateway', () => {
  it('stops sending a key once its scope no longer allows the use, saying why without the value', async () => {
    const release = await engineer.releases.create({ service: 'chat-svc', model: 'hosted@1' });
    await engineer.environments.deploy({ service: 'chat-svc', environment: 'dev', routes: [{ release: release.number, weight: 100 }] });
    const { key } = await engineer.gatewayKeys.create({ service: 'chat-svc', name: 'app' });
    const client = new OpenAI({ apiKey: key, baseURL: `${base}/gw/chat-svc/dev/v1`, maxRetries: 0 });
    await gateway.refresh(true);
    await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] });
    expect(provider.calls.at(-1)?.authorization).toBe(`Bearer ${KEY}`);

    await admin.secrets.update({ name: 'platform-key', services: ['other-svc'] });
    await gateway.refresh(true);
    const calls = provider.calls.length;
    const err = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }).then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(err?.status).toBe(502);
    expect(err?.message).toContain('hosted@1: its API key is not sent: secret "platform-key" may not be used by service chat-svc (it is scoped to other-svc)');
    expect(err?.message).not.toContain(KEY);
    expect(provider.calls.length).toBe(calls);
    const [audit] = (await admin.audit.list({ action: 'secret.update' })).items;
    expect(audit).toMatchObject({ action: 'secret.update', targetLabel: 'platform-key', changes: { services: { from: null, to: ['other-svc'] } } });
  });
});

describe('repository tokens', () => {
  it('are bound to a repository URL at their origin only, unless an approver binds them; narrowing the scope stops git from getting them', async () => {
    const refused = await failure(engineer.repositories.set({ service: 'chat-svc', url: 'https://evil.example.test/acme/x.git', tokenSecret: 'git-token' }));
    expect(refused?.code).toBe('FORBIDDEN');
    expect(refused?.message).toMatch(/^tokenSecret: secret "git-token" may be bound to a URL at https:\/\/git\.example\.test only; binding it to https:\/\/evil\.example\.test needs secrets:write/);
    expect((await engineer.repositories.get({ service: 'chat-svc' })).repository).toBeNull();

    await engineer.repositories.set({ service: 'chat-svc', url: 'https://git.example.test/acme/chat.git', tokenSecret: 'git-token' });
    const [svc] = await database.db.select().from(services).where(eq(services.name, 'chat-svc'));
    expect((await sourceSettings(database.db, svc!.id)).token).toBe('ghp_token_of_the_platform_team_0123456789');

    await admin.secrets.update({ name: 'git-token', purposes: ['provider_key'] });
    const err = await sourceSettings(database.db, svc!.id).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(err).toBe(
      'the repository\'s access token is not sent: secret "git-token" is not for repository token (its purposes: provider API key); change the secret\'s scope under Settings → Secrets or the repository settings',
    );
  });
});

describe('the pipeline webhook step', () => {
  const definition = (url: string) => `stages:\n  - name: notify\n    steps:\n      - name: ping\n        type: webhook\n        inputs: { url: "${url}", secret: platform-hook }\n`;

  it('signs for its secret’s origin only, and stops signing once the scope is narrowed', async () => {
    const refused = await failure(engineer.pipelines.saveDefinition({ service: 'chat-svc', yaml: definition(`${attacker.url}/collect`) }));
    expect(refused?.code).toBe('FORBIDDEN');
    expect(refused?.message).toMatch(/^stages\.notify\.ping\.inputs\.secret: secret "platform-hook" may be bound to a URL at http:\/\/127\.0\.0\.1:\d+ only/);
    expect((await engineer.pipelines.definition({ service: 'chat-svc' })).saved).toBe(false);

    await engineer.pipelines.saveDefinition({ service: 'chat-svc', yaml: definition(`${receiverUrl}/hook`) });
    const first = await engineer.pipelines.start({ service: 'chat-svc' });
    expect(await runPipelineHere(database.db, first.id)).toEqual({ status: 'passed' });
    expect(received).toHaveLength(1);

    await admin.secrets.update({ name: 'platform-hook', services: ['other-svc'] });
    const second = await engineer.pipelines.start({ service: 'chat-svc' });
    expect(await runPipelineHere(database.db, second.id)).toEqual({ status: 'failed' });
    const step = (await engineer.pipelines.run({ service: 'chat-svc', number: second.number })).steps.find((s) => s.name === 'ping');
    expect(step?.error).toBe('not signed or sent: secret "platform-hook" may not be used by service chat-svc (it is scoped to other-svc)');
    expect(received).toHaveLength(1);
  });
});
