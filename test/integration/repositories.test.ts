// A service's repository setting: validated locations, secrets by name and of the right kind, kept or cleared on
// change, audited, and readable by every role but changed only with services:write.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';

const TOKEN = 'ghp_THIS_TOKEN_MUST_NEVER_COME_BACK_0123456789';
const HOOK = 'whsec_THIS_HOOK_SECRET_MUST_NEVER_COME_BACK';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
let tmp: string;
let localRepo: string;

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db));
  await api.services.create({ name: 'billing-bot' });
  await api.secrets.create({ name: 'git-token', kind: 'provider_api_key', value: TOKEN });
  await api.secrets.create({ name: 'hook', kind: 'webhook_secret', value: HOOK });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'slipway-repos-'));
  localRepo = path.join(tmp, 'repo');
  execFileSync('git', ['init', '-q', localRepo]);
});
afterAll(async () => {
  await database.close();
  await rm(tmp, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<TRPCError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCError);
  return err as TRPCError;
}

describe('repositories', () => {
  it('is empty until set, with the webhook addresses to configure', async () => {
    const got = await api.repositories.get({ service: 'support-bot' });
    expect(got.repository).toBeNull();
    expect(got.webhooks).toEqual({ github: '/api/webhooks/github?service=support-bot', gitlab: '/api/webhooks/gitlab?service=support-bot', generic: '/api/webhooks/generic/support-bot' });
    expect(got.recentDeliveries).toEqual([]);
  });

  it('sets an https repository with secrets by name and never shows their values', async () => {
    const set = await api.repositories.set({ service: 'support-bot', url: 'https://github.com/acme/support-bot.git/', tokenSecret: 'git-token', webhookSecret: 'hook' });
    expect(set).toEqual({ service: 'support-bot', url: 'https://github.com/acme/support-bot.git', tokenSecret: 'git-token', webhookSecret: 'hook', manifestPath: 'slipway.yaml', kind: 'https' });
    const got = await api.repositories.get({ service: 'support-bot' });
    expect(got.repository).toMatchObject({ url: 'https://github.com/acme/support-bot.git', kind: 'https', tokenSecret: 'git-token', webhookSecret: 'hook', manifestPath: 'slipway.yaml' });
    const audit = JSON.stringify(await api.audit.list({ limit: 50 }));
    expect(audit).toContain('Set the repository of support-bot to https://github.com/acme/support-bot.git');
    for (const text of [JSON.stringify(got), audit]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(HOOK);
    }
  });

  it('keeps secrets that are left out, clears those set to null, and audits what changed', async () => {
    await api.repositories.set({ service: 'support-bot', url: 'https://github.com/acme/support-bot.git', manifestPath: 'deploy/slipway.yaml' });
    expect((await api.repositories.get({ service: 'support-bot' })).repository).toMatchObject({ tokenSecret: 'git-token', webhookSecret: 'hook', manifestPath: 'deploy/slipway.yaml' });
    await api.repositories.set({ service: 'support-bot', url: 'https://github.com/acme/support-bot.git', tokenSecret: null });
    expect((await api.repositories.get({ service: 'support-bot' })).repository).toMatchObject({ tokenSecret: null, webhookSecret: 'hook', manifestPath: 'deploy/slipway.yaml' });
    const events = await api.audit.list({ limit: 50 });
    const summaries = JSON.stringify(events);
    expect(summaries).toContain('Changed the repository of support-bot: manifestPath');
    expect(summaries).toContain('Changed the repository of support-bot: tokenSecret');
  });

  it('takes an absolute path to a local git repository, without a token', async () => {
    const set = await api.repositories.set({ service: 'billing-bot', url: `${localRepo}/`, webhookSecret: 'hook' });
    expect(set).toMatchObject({ url: localRepo, kind: 'local', tokenSecret: null });
    const notRepo = await failure(api.repositories.set({ service: 'billing-bot', url: tmp }));
    expect(notRepo.code).toBe('BAD_REQUEST');
    expect(notRepo.message).toBe(`url: ${tmp} is not a git repository on this server`);
    const withToken = await failure(api.repositories.set({ service: 'billing-bot', url: localRepo, tokenSecret: 'git-token' }));
    expect(withToken.message).toMatch(/^tokenSecret: a local repository takes no access token/);
  });

  it('refuses bad locations, manifest paths and secrets, naming the field, and changes nothing', async () => {
    const before = await api.repositories.get({ service: 'support-bot' });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: 'http://github.com/acme/x.git' }, /^url: must be an https git URL/],
      [{ url: 'git@github.com:acme/x.git' }, /^url: must be an https git URL/],
      [{ url: 'relative/path' }, /^url: must be an https git URL/],
      [{ url: `https://user:${TOKEN}@github.com/acme/x.git` }, /^url: must not contain a user name or password/],
      [{ url: 'https://github.com/' }, /^url: must name a repository/],
      [{ url: 'https://github.com/acme/x.git', manifestPath: '../etc/passwd' }, /^manifestPath: must be a path inside the repository/],
      [{ url: 'https://github.com/acme/x.git', manifestPath: '/slipway.yaml' }, /^manifestPath: must be a path inside the repository/],
      [{ url: 'https://github.com/acme/x.git', tokenSecret: 'missing' }, /^tokenSecret: no secret named "missing"/],
      [{ url: 'https://github.com/acme/x.git', tokenSecret: 'hook' }, /^tokenSecret: secret "hook" is not for repository token/],
      [{ url: 'https://github.com/acme/x.git', webhookSecret: 'git-token' }, /^webhookSecret: secret "git-token" is not for webhook signing/],
    ];
    for (const [input, message] of cases) {
      const err = await failure(api.repositories.set({ service: 'support-bot', ...input } as never));
      expect({ input, code: err.code }).toEqual({ input, code: 'BAD_REQUEST' });
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain(TOKEN);
    }
    expect(await api.repositories.get({ service: 'support-bot' })).toEqual(before);
  });

  it('is read by viewers and set by engineers, not by viewers; unknown services are not found', async () => {
    const viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
    const engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
    expect((await viewer.repositories.get({ service: 'support-bot' })).repository?.url).toBe('https://github.com/acme/support-bot.git');
    expect((await failure(viewer.repositories.set({ service: 'support-bot', url: 'https://github.com/acme/other.git' }))).code).toBe('FORBIDDEN');
    await engineer.repositories.set({ service: 'support-bot', url: 'https://gitlab.example.test/acme/support-bot' });
    expect((await viewer.repositories.get({ service: 'support-bot' })).repository?.url).toBe('https://gitlab.example.test/acme/support-bot');
    expect((await failure(api.repositories.get({ service: 'nope' }))).code).toBe('NOT_FOUND');
    expect((await failure(api.repositories.set({ service: 'nope', url: 'https://github.com/acme/x.git' }))).code).toBe('NOT_FOUND');
  });
});
