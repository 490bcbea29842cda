// The source step against real git repositories: each commit's slipway.yaml becomes a release pinning the prompt
// and model versions it declares; unchanged content creates no version; labels and environments are left alone;
// broken manifests fail with file:line; tokens reach an https host only as a header; checkouts are removed.
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '@/server/auth/actor';
import type { ServiceContext } from '@/server/services/context';
import { ManifestError, resolveReleaseCandidate } from '@/server/pipelines/source';
import { GitSourceError } from '@/server/pipelines/git';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { gitIn, initRepository, startGitHttpsServer, type GitHttpsServer } from '../helpers/git';

const TOKEN = 'glpat-THIS-TOKEN-MUST-NOT-LEAK-0123456789';

const manifest = (service = 'source-bot') => `service:
  name: ${service}
  description: Built from git
prompts:
  - name: answer
    commitMessage: Answer with the house tone
    messages:
      - include: tone
      - role: user
        content: "Question: {{question}}"
    variables:
      - name: question
    labels: [staging]
  - name: tone
    file: prompts/tone.yaml
    labels: [staging]
models:
  - model: source-llm
    providerKind: openai-compatible
    baseUrl: http://127.0.0.1:4010/v1
    upstreamModel: ref-small
    labels: [staging]
environments:
  staging:
    slos: { p95LatencyMs: 1234 }
`;
const tone = (text: string) => `commitMessage: ${text}\nmessages:\n  - role: system\n    content: ${text}\n`;

const BROKEN = `service:
  name: source-bot
prompts:
  - name: answer
    messages:
      - role: user
        content: hi
      - role: robot
        content: beep
models:
  - model: source-llm
    providerKind: openai-compatible
    baseUrl: http://127.0.0.1:4010/v1
    upstreamModel: ref-small
`;

let database: TestDatabase;
let api: ReturnType<typeof callerFor>;
let tmp: string;
let repo: Awaited<ReturnType<typeof initRepository>>;
const commits: Record<string, string> = {};
let ctx: ServiceContext;

const system: Actor = { kind: 'system', job: 'pipeline' };
const checkoutsLeft = async () => (await readdir(os.tmpdir())).filter((n) => n.startsWith('slipway-source-')).length;

beforeAll(async () => {
  database = await freshDatabase();
  api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
  await api.services.create({ name: 'source-bot' });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'slipway-src-test-'));
  repo = await initRepository(path.join(tmp, 'repos', 'source-bot.git'));
  commits.first = await repo.commit({ 'slipway.yaml': manifest(), 'prompts/tone.yaml': tone('You are calm and brief.') }, 'first');
  commits.second = await repo.commit({ 'prompts/tone.yaml': tone('You are warm and brief.') }, 'warmer tone');
  commits.readme = await repo.commit({ 'README.md': '# source-bot\n' }, 'docs only');
  commits.broken = await repo.commit({ 'slipway.yaml': BROKEN }, 'broken manifest');
  commits.escape = await repo.commit({ 'slipway.yaml': manifest().replace('file: prompts/tone.yaml', 'file: ../../../../../../../etc/hostname') }, 'reads outside');
  // A prompt file that is a symbolic link out of the repository: git checks it out as a link.
  await rm(path.join(repo.dir, 'prompts/tone.yaml'));
  await symlink('/etc/hostname', path.join(repo.dir, 'prompts/tone.yaml'));
  commits.symlink = await repo.commit({ 'slipway.yaml': manifest() }, 'tone is a link');
  await rm(path.join(repo.dir, 'prompts/tone.yaml'));
  commits.otherService = await repo.commit({ 'slipway.yaml': manifest('billing-bot'), 'prompts/tone.yaml': tone('You are warm and brief.') }, 'wrong service');
  commits.undeclared = await repo.commit({ 'slipway.yaml': manifest().replace('"Question: {{question}}"', '"Question: {{question}} from {{customer}}"') }, 'undeclared variable');
  const secondModel = '  - model: other-llm\n    providerKind: openai-compatible\n    baseUrl: http://127.0.0.1:4010/v1\n    upstreamModel: x\nenvironments:\n';
  commits.twoModels = await repo.commit({ 'slipway.yaml': manifest().replace('environments:\n', secondModel) }, 'two models');
  await api.repositories.set({ service: 'source-bot', url: repo.dir });
  ctx = { actor: system, db: database.db, requestId: null };
});
afterAll(async () => {
  await database.close();
  await rm(tmp, { recursive: true, force: true });
});

async function versionCounts() {
  const list = await api.prompts.list({ service: 'source-bot' });
  return Object.fromEntries(list.map((p) => [p.name, p.versionCount]));
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('resolving a commit into a release candidate', () => {
  it('creates the release with the prompt and model versions the manifest declares, pinned to the commit', async () => {
    const before = await checkoutsLeft();
    const c = await resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.first!, branch: 'main' });
    expect(c).toMatchObject({
      number: 1,
      ref: 'source-bot#1',
      commit: commits.first,
      created: { prompts: [{ name: 'tone', version: 1 }, { name: 'answer', version: 1 }], modelVersions: [{ model: 'source-llm', version: 1 }] },
      manifest: { file: 'slipway.yaml', service: 'source-bot', model: 'source-llm@1', prompts: ['answer@1', 'tone@1'], notApplied: { labels: ['answer:staging', 'tone:staging', 'source-llm:staging'], environments: ['staging'] } },
    });
    const release = await api.releases.get({ service: 'source-bot', number: 1 });
    expect(release).toMatchObject({ id: c.releaseId, source: 'pipeline', gitSha: commits.first, model: { ref: 'source-llm@1' } });
    expect(release.notes).toBe(`Built from main at ${commits.first!.slice(0, 12)} (slipway.yaml)`);
    expect(release.prompts.map((p) => [p.ref, p.gitSha])).toEqual([
      ['answer@1', commits.first],
      ['tone@1', commits.first],
    ]);
    expect(release.prompts.find((p) => p.name === 'tone')!.messages).toEqual([{ role: 'system', content: 'You are calm and brief.' }]);
    expect(await checkoutsLeft()).toBe(before);
  });

  it('leaves labels, environments and the service as they are', async () => {
    expect((await api.prompts.get({ service: 'source-bot', prompt: 'tone' })).labels).toEqual([]);
    expect((await api.models.get({ name: 'source-llm' })).labels).toEqual([]);
    expect((await api.environments.get({ service: 'source-bot', environment: 'staging' })).slos.p95LatencyMs).not.toBe(1234);
    expect((await api.services.get({ name: 'source-bot' })).description).toBe('');
  });

  it('creates only the prompt version whose content changed, and pins it', async () => {
    const c = await resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.second! });
    expect(c.number).toBe(2);
    expect(c.created).toEqual({ prompts: [{ name: 'tone', version: 2 }], modelVersions: [] });
    expect(c.manifest.prompts).toEqual(['answer@1', 'tone@2']);
    const release = await api.releases.get({ service: 'source-bot', number: 2 });
    expect(release.gitSha).toBe(commits.second);
    expect(release.prompts.map((p) => p.ref)).toEqual(['answer@1', 'tone@2']);
    expect(release.prompts.find((p) => p.name === 'tone')).toMatchObject({ gitSha: commits.second, messages: [{ role: 'system', content: 'You are warm and brief.' }] });
    expect(c.items.map((i) => [i.kind, i.name, i.status])).toEqual([
      ['prompt', 'tone', 'created'],
      ['prompt', 'answer', 'unchanged'],
      ['model', 'source-llm', 'unchanged'],
    ]);
  });

  it('creates no version for an unchanged manifest, and finds earlier content again by commit', async () => {
    const counts = await versionCounts();
    expect(counts).toEqual({ answer: 1, tone: 2 });
    const same = await resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.readme! });
    expect(same.created).toEqual({ prompts: [], modelVersions: [] });
    expect(same.manifest.prompts).toEqual(['answer@1', 'tone@2']);
    const back = await resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.first! });
    expect(back.created).toEqual({ prompts: [], modelVersions: [] });
    expect(back.manifest.prompts).toEqual(['answer@1', 'tone@1']);
    expect(await versionCounts()).toEqual(counts);
    expect((await api.models.get({ name: 'source-llm' })).versions).toHaveLength(1);
    expect((await api.releases.list({ service: 'source-bot' })).map((r) => [r.number, r.gitSha])).toEqual([
      [4, commits.first],
      [3, commits.readme],
      [2, commits.second],
      [1, commits.first],
    ]);
  });
});

describe('failures', () => {
  const releaseCount = async () => (await api.releases.list({ service: 'source-bot' })).length;

  it('names the file and line of a broken manifest, and changes nothing', async () => {
    const before = { releases: await releaseCount(), versions: await versionCounts(), checkouts: await checkoutsLeft() };
    const err = await failure(resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.broken! }));
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.message).toBe(`slipway.yaml:8: prompts[0].messages[1].role: must be one of "system", "user", "assistant" (at ${commits.broken!.slice(0, 12)})`);
    expect({ releases: await releaseCount(), versions: await versionCounts(), checkouts: await checkoutsLeft() }).toEqual(before);
  });

  it('tells at its line a prompt the registry refuses, rolling back what was pushed before it', async () => {
    const before = { releases: await releaseCount(), versions: await versionCounts() };
    const err = await failure(resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.undeclared! }));
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.message).toMatch(/^slipway\.yaml:5: prompts\[0\]: .*customer/);
    expect({ releases: await releaseCount(), versions: await versionCounts() }).toEqual(before);
  });

  it('refuses prompt files outside the repository, a manifest for another service, and more than one model', async () => {
    const escape = await failure(resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.escape! }));
    expect(escape.message).toMatch(/^cannot read .*etc\/hostname: it lies outside the repository/);
    const linked = await failure(resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.symlink! }));
    expect(linked.message).toBe(`cannot read prompts/tone.yaml: it lies outside the repository (at ${commits.symlink!.slice(0, 12)})`);
    const other = await failure(resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.otherService! }));
    expect(other.message).toBe('slipway.yaml:2: service.name: is "billing-bot", but this repository is set up for service "source-bot"');
    const two = await failure(resolveReleaseCandidate(ctx, { service: 'source-bot', commit: commits.twoModels! }));
    expect(two.message).toBe('slipway.yaml:18: models: a release needs exactly one model version; this manifest declares 2');
  });

  it('says which commit the repository lacks, and removes the checkout', async () => {
    const before = await checkoutsLeft();
    const err = await failure(resolveReleaseCandidate(ctx, { service: 'source-bot', commit: 'f'.repeat(40) }));
    expect(err).toBeInstanceOf(GitSourceError);
    expect(err.message).toBe(`commit ffffffffffff is not in ${repo.dir}`);
    expect(await checkoutsLeft()).toBe(before);
  });

  it('needs a role that may create releases, and a repository setting', async () => {
    const viewer: ServiceContext = { actor: await makeUser(database.db, { role: 'viewer' }), db: database.db, requestId: null };
    expect((await failure(resolveReleaseCandidate(viewer, { service: 'source-bot', commit: commits.first! }))).message).toBe('Your role may not do this (needs releases:write)');
    await api.services.create({ name: 'no-repo' });
    expect((await failure(resolveReleaseCandidate(ctx, { service: 'no-repo', commit: commits.first! }))).message).toBe('the service has no repository; set one in its repository settings');
  });
});

describe('https repositories', () => {
  let server: GitHttpsServer;
  let previousCa: string | undefined;

  beforeAll(async () => {
    server = await startGitHttpsServer(path.join(tmp, 'repos'), tmp, TOKEN);
    previousCa = process.env.GIT_SSL_CAINFO;
    process.env.GIT_SSL_CAINFO = server.caFile;
    await api.services.create({ name: 'hosted-bot' });
    await repo.commit({ 'slipway.yaml': manifest('hosted-bot'), 'prompts/tone.yaml': tone('You are calm and brief.') }, 'hosted');
  });
  afterAll(async () => {
    if (previousCa === undefined) delete process.env.GIT_SSL_CAINFO;
    else process.env.GIT_SSL_CAINFO = previousCa;
    await server.close();
  });

  it('fetches with the token from the secret store as an Authorization header, never in the URL', async () => {
    await api.secrets.create({ name: 'git-token', kind: 'provider_api_key', value: TOKEN });
    await api.repositories.set({ service: 'hosted-bot', url: `${server.url}/source-bot.git`, tokenSecret: 'git-token' });
    const head = gitIn(repo.dir, ['rev-parse', 'HEAD']);
    const c = await resolveReleaseCandidate(ctx, { service: 'hosted-bot', commit: head });
    expect(c.manifest).toMatchObject({ service: 'hosted-bot', model: 'source-llm@1', prompts: ['answer@1', 'tone@1'] });
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(server.authorizations.every((a) => a === `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`)).toBe(true);
    expect(server.urls.join('\n')).not.toContain(TOKEN);
  });

  it('reports a refused token without showing it', async () => {
    await api.secrets.rotate({ name: 'git-token', value: `${TOKEN}-revoked` });
    const err = await failure(resolveReleaseCandidate(ctx, { service: 'hosted-bot', commit: commits.first! }));
    expect(err).toBeInstanceOf(GitSourceError);
    expect(err.message).toContain(`${server.url}/source-bot.git`);
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64').slice(0, 20));
  });
});
