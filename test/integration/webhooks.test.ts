// The webhook endpoints' logic on a real database: good deliveries are recorded once and start a pipeline through
// the trigger sink; bad signatures, unknown services and bad bodies are refused, counted and write nothing;
// replays answer { duplicate: true } and start nothing; a failed hand-off can be redelivered.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { desc, eq } from 'drizzle-orm';
import { secrets, webhookDeliveries } from '@/db/schema';
import { setTriggerSink, type PipelineTriggerRequest } from '@/server/pipelines/trigger';
import { handleGenericWebhook, handleGithubWebhook, handleGitlabWebhook, MAX_WEBHOOK_BODY_BYTES } from '@/server/webhooks/handlers';
import { rejectionCount } from '@/server/webhooks/metrics';
import { signGeneric } from '@/server/webhooks/signature';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';
import { genericRequest, githubPullRequest, githubPush, githubRequest, gitlabMergeRequest, gitlabPush, gitlabRequest, SHA_B, ZERO } from '../helpers/webhooks';

const HOOK = 'whsec_support_bot_0123456789abcdef';
const OTHER_HOOK = 'whsec_billing_bot_fedcba9876543210';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
const ids: Record<string, string> = {};
let calls: PipelineTriggerRequest[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db));
  for (const name of ['billing-bot', 'gitlab-bot', 'no-secret', 'twin-a', 'twin-b']) await api.services.create({ name });
  await api.secrets.create({ name: 'hook', kind: 'webhook_secret', value: HOOK });
  await api.secrets.create({ name: 'other-hook', kind: 'webhook_secret', value: OTHER_HOOK });
  await api.repositories.set({ service: 'support-bot', url: 'https://github.com/acme/support-bot.git', webhookSecret: 'hook' });
  await api.repositories.set({ service: 'billing-bot', url: 'https://github.com/acme/billing-bot', webhookSecret: 'other-hook' });
  await api.repositories.set({ service: 'gitlab-bot', url: 'https://gitlab.example.com/acme/support-bot.git', webhookSecret: 'hook' });
  await api.repositories.set({ service: 'no-secret', url: 'https://github.com/acme/no-secret.git' });
  await api.repositories.set({ service: 'twin-a', url: 'https://github.com/acme/mono.git', webhookSecret: 'hook' });
  await api.repositories.set({ service: 'twin-b', url: 'https://github.com/ACME/mono', webhookSecret: 'hook' });
  for (const s of await api.services.list({})) ids[s.name] = s.id;
});
afterAll(() => database.close());

beforeEach(() => {
  calls = [];
  setTriggerSink(async (req) => {
    calls.push(req);
  });
});
afterEach(() => setTriggerSink(null));

const deps = () => ({ db: database.db });
const rows = () => database.db.select().from(webhookDeliveries).orderBy(desc(webhookDeliveries.id));
const rowOf = async (deliveryId: string) => (await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, deliveryId)))[0];
async function body(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe('GitHub', () => {
  it('records a signed push and starts a pipeline with its trigger', async () => {
    const res = await handleGithubWebhook(githubRequest('push', githubPush(), HOOK, { delivery: 'gh-1' }), deps());
    expect(res.status).toBe(202);
    expect(await body(res)).toEqual({ ok: true, outcome: 'triggered', service: 'support-bot', branch: 'main', commit: SHA_B, deliveryId: 'gh-1' });
    expect(calls).toEqual([{ serviceId: ids['support-bot'], trigger: { kind: 'push', provider: 'github', branch: 'main', commit: SHA_B, author: 'ana', message: 'Shorter answers', deliveryId: 'gh-1' } }]);
    expect(await rowOf('gh-1')).toMatchObject({ provider: 'github', serviceId: ids['support-bot'], event: 'push', branch: 'main', commit: SHA_B, outcome: 'triggered', summary: { repository: 'acme/support-bot', ref: 'refs/heads/main', commits: 1 } });
  });

  it('answers a replayed delivery with duplicate and starts nothing', async () => {
    const before = (await rows()).length;
    const res = await handleGithubWebhook(githubRequest('push', githubPush(), HOOK, { delivery: 'gh-1' }), deps());
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ duplicate: true, deliveryId: 'gh-1' });
    expect(calls).toEqual([]);
    expect((await rows()).length).toBe(before);
    // The same signed body under a new delivery id (an old push replayed to roll back) is a replay too.
    const renamed = await handleGithubWebhook(githubRequest('push', githubPush(), HOOK, { delivery: 'gh-1-again' }), deps());
    expect(await body(renamed)).toEqual({ duplicate: true, deliveryId: 'gh-1-again' });
    expect(calls).toEqual([]);
    expect((await rows()).length).toBe(before);
  });

  it('refuses a bad, missing or foreign signature with 401, counting it and writing nothing', async () => {
    const before = await rows();
    const [secretBefore] = await database.db.select().from(secrets).where(eq(secrets.name, 'hook'));
    const bad = rejectionCount('github', 'bad_signature');
    const missing = rejectionCount('github', 'missing_signature');
    const wrong = await handleGithubWebhook(githubRequest('push', githubPush(), 'not-the-secret', { delivery: 'gh-bad' }), deps());
    expect(wrong.status).toBe(401);
    expect(await body(wrong)).toEqual({ error: 'the signature does not match' });
    const none = await handleGithubWebhook(githubRequest('push', githubPush(), null, { delivery: 'gh-none' }), deps());
    expect(none.status).toBe(401);
    // Signed with billing-bot's secret but sent for support-bot's repository: another service's secret proves nothing.
    const foreign = await handleGithubWebhook(githubRequest('push', githubPush(), OTHER_HOOK, { delivery: 'gh-foreign' }), deps());
    expect(foreign.status).toBe(401);
    expect(rejectionCount('github', 'bad_signature')).toBe(bad + 2);
    expect(rejectionCount('github', 'missing_signature')).toBe(missing + 1);
    expect(calls).toEqual([]);
    expect(await rows()).toEqual(before);
    const [secretAfter] = await database.db.select().from(secrets).where(eq(secrets.name, 'hook'));
    expect(secretAfter!.lastUsedAt).toEqual(secretBefore!.lastUsedAt);
  });

  it('refuses a signed delivery without a delivery id with 400 before recording anything, the secret\'s last use included', async () => {
    const before = await rows();
    const [secretBefore] = await database.db.select().from(secrets).where(eq(secrets.name, 'hook'));
    const res = await handleGithubWebhook(githubRequest('push', githubPush(), HOOK, { delivery: '' }), deps());
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ error: 'the x-github-delivery header is required (at most 200 visible characters)' });
    expect(calls).toEqual([]);
    expect(await rows()).toEqual(before);
    const [secretAfter] = await database.db.select().from(secrets).where(eq(secrets.name, 'hook'));
    expect(secretAfter!.lastUsedAt).toEqual(secretBefore!.lastUsedAt);
  });

  it('records deleted branches and tags as ignored, starting nothing', async () => {
    const del = await handleGithubWebhook(githubRequest('push', githubPush({ deleted: true, after: ZERO }), HOOK, { delivery: 'gh-del' }), deps());
    expect(del.status).toBe(200);
    expect(await body(del)).toEqual({ ok: true, outcome: 'ignored', reason: 'branch main was deleted', deliveryId: 'gh-del' });
    const tag = await handleGithubWebhook(githubRequest('push', githubPush({ ref: 'refs/tags/v1.0.0' }), HOOK, { delivery: 'gh-tag' }), deps());
    expect((await body(tag)).reason).toBe('refs/tags/v1.0.0 is not a branch');
    expect(calls).toEqual([]);
    expect(await rowOf('gh-del')).toMatchObject({ outcome: 'ignored', branch: 'main', commit: null, summary: { reason: 'branch main was deleted' } });
    expect(await rowOf('gh-tag')).toMatchObject({ outcome: 'ignored', branch: null });
  });

  it('starts pull requests that open or get new commits; ignores other actions; answers ping', async () => {
    const opened = await handleGithubWebhook(githubRequest('pull_request', githubPullRequest({ action: 'synchronize' }), HOOK, { delivery: 'gh-pr-1' }), deps());
    expect(opened.status).toBe(202);
    expect(calls.map((c) => c.trigger)).toEqual([{ kind: 'pull_request', provider: 'github', branch: 'tone', commit: SHA_B, author: 'bo', message: 'Friendlier tone', deliveryId: 'gh-pr-1' }]);
    const closed = await handleGithubWebhook(githubRequest('pull_request', githubPullRequest({ action: 'closed' }), HOOK, { delivery: 'gh-pr-2' }), deps());
    expect(await body(closed)).toMatchObject({ outcome: 'ignored', reason: 'pull request action "closed" starts nothing' });
    const ping = await handleGithubWebhook(githubRequest('ping', { zen: 'Design for failure.', hook_id: 7, repository: githubPush().repository }, HOOK, { delivery: 'gh-ping' }), deps());
    expect(ping.status).toBe(200);
    expect(await body(ping)).toMatchObject({ ok: true, outcome: 'ignored', reason: 'ping' });
    expect(calls).toHaveLength(1);
    expect(await rowOf('gh-ping')).toMatchObject({ event: 'ping', outcome: 'ignored' });
  });

  it('finds the service by ?service= when the payload names another repository, and only with its secret', async () => {
    const payload = githubPush({ repo: 'someone/fork' });
    const unknown = await handleGithubWebhook(githubRequest('push', payload, HOOK, { delivery: 'gh-q0' }), deps());
    expect(unknown.status).toBe(404);
    const byQuery = await handleGithubWebhook(githubRequest('push', payload, OTHER_HOOK, { delivery: 'gh-q1', query: '?service=billing-bot' }), deps());
    expect(byQuery.status).toBe(202);
    expect(calls.map((c) => c.serviceId)).toEqual([ids['billing-bot']]);
    const wrongSecret = await handleGithubWebhook(githubRequest('push', payload, HOOK, { delivery: 'gh-q2', query: '?service=billing-bot' }), deps());
    expect(wrongSecret.status).toBe(401);
    const noSuch = await handleGithubWebhook(githubRequest('push', payload, HOOK, { delivery: 'gh-q3', query: '?service=nope' }), deps());
    expect(noSuch.status).toBe(404);
    expect(await rowOf('gh-q0')).toBeUndefined();
    expect(await rowOf('gh-q2')).toBeUndefined();
  });

  it('refuses a service without a webhook secret, and a repository that two services share without ?service=', async () => {
    const noSecret = await handleGithubWebhook(githubRequest('push', githubPush({ repo: 'acme/no-secret' }), HOOK, { delivery: 'gh-ns' }), deps());
    expect(noSecret.status).toBe(401);
    expect(await body(noSecret)).toEqual({ error: 'service no-secret has no webhook secret; set one in its repository settings' });
    const twins = await handleGithubWebhook(githubRequest('push', githubPush({ repo: 'acme/mono' }), HOOK, { delivery: 'gh-tw' }), deps());
    expect(twins.status).toBe(409);
    const chosen = await handleGithubWebhook(githubRequest('push', githubPush({ repo: 'acme/mono' }), HOOK, { delivery: 'gh-tw', query: '?service=twin-b' }), deps());
    expect(chosen.status).toBe(202);
    expect(calls.map((c) => c.serviceId)).toEqual([ids['twin-b']]);
  });

  it('refuses bodies that are not JSON, too large, or lack the delivery id, writing nothing', async () => {
    const before = (await rows()).length;
    const notJson = new Request('http://slipway.test/api/webhooks/github', { method: 'POST', headers: { 'x-github-event': 'push', 'x-github-delivery': 'gh-nj' }, body: 'hello' });
    expect((await handleGithubWebhook(notJson, deps())).status).toBe(400);
    const big = new Request('http://slipway.test/api/webhooks/github', { method: 'POST', body: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1) });
    expect((await handleGithubWebhook(big, deps())).status).toBe(413);
    const req = githubRequest('push', githubPush(), HOOK);
    req.headers.delete('x-github-delivery');
    const noId = await handleGithubWebhook(req, deps());
    expect(noId.status).toBe(400);
    expect(await body(noId)).toEqual({ error: 'the x-github-delivery header is required (at most 200 visible characters)' });
    expect((await rows()).length).toBe(before);
    expect(calls).toEqual([]);
  });

  it('accepts the form-encoded payload GitHub can send', async () => {
    const form = `payload=${encodeURIComponent(JSON.stringify(githubPush({ ref: 'refs/heads/form' })))}`;
    const { hmacHex } = await import('@/server/webhooks/signature');
    const req = new Request('http://slipway.test/api/webhooks/github', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push', 'x-github-delivery': 'gh-form', 'x-hub-signature-256': `sha256=${hmacHex(HOOK, form)}` },
      body: form,
    });
    expect((await handleGithubWebhook(req, deps())).status).toBe(202);
    expect(calls[0]!.trigger.branch).toBe('form');
  });
});

describe('trigger hand-off', () => {
  it('answers 503 when the sink fails, records trigger_failed, and takes a redelivery of the same id', async () => {
    setTriggerSink(async () => {
      throw new Error('event API unreachable');
    });
    const failed = await handleGithubWebhook(githubRequest('push', githubPush({ ref: 'refs/heads/retry' }), HOOK, { delivery: 'gh-retry' }), deps());
    expect(failed.status).toBe(503);
    expect(await body(failed)).toEqual({ error: 'the pipeline could not be started; redeliver later', deliveryId: 'gh-retry' });
    expect(await rowOf('gh-retry')).toMatchObject({ outcome: 'trigger_failed' });
    setTriggerSink(async (req) => {
      calls.push(req);
    });
    const again = await handleGithubWebhook(githubRequest('push', githubPush({ ref: 'refs/heads/retry' }), HOOK, { delivery: 'gh-retry' }), deps());
    expect(again.status).toBe(202);
    expect(calls.map((c) => c.trigger.deliveryId)).toEqual(['gh-retry']);
    expect(await rowOf('gh-retry')).toMatchObject({ outcome: 'triggered' });
    const third = await handleGithubWebhook(githubRequest('push', githubPush({ ref: 'refs/heads/retry' }), HOOK, { delivery: 'gh-retry' }), deps());
    expect(await body(third)).toEqual({ duplicate: true, deliveryId: 'gh-retry' });
    expect(calls).toHaveLength(1);
  });

  it('answers 503 when no sink is set', async () => {
    setTriggerSink(null);
    const res = await handleGithubWebhook(githubRequest('push', githubPush({ ref: 'refs/heads/nosink' }), HOOK, { delivery: 'gh-nosink' }), deps());
    expect(res.status).toBe(503);
    expect(await rowOf('gh-nosink')).toMatchObject({ outcome: 'trigger_failed' });
  });
});

describe('GitLab', () => {
  it('records a push with the right token and starts a pipeline; a replay is a duplicate', async () => {
    const res = await handleGitlabWebhook(gitlabRequest('Push Hook', gitlabPush(), HOOK, { delivery: 'gl-1' }), deps());
    expect(res.status).toBe(202);
    expect(calls).toEqual([{ serviceId: ids['gitlab-bot'], trigger: { kind: 'push', provider: 'gitlab', branch: 'main', commit: SHA_B, author: 'ana', message: 'Shorter answers\n', deliveryId: 'gl-1' } }]);
    expect(await rowOf('gl-1')).toMatchObject({ provider: 'gitlab', event: 'Push Hook', outcome: 'triggered', serviceId: ids['gitlab-bot'] });
    const replay = await handleGitlabWebhook(gitlabRequest('Push Hook', gitlabPush(), HOOK, { delivery: 'gl-1' }), deps());
    expect(await body(replay)).toEqual({ duplicate: true, deliveryId: 'gl-1' });
    expect(calls).toHaveLength(1);
  });

  it('starts merge requests and ignores tag pushes and deleted branches', async () => {
    expect((await handleGitlabWebhook(gitlabRequest('Merge Request Hook', gitlabMergeRequest({ action: 'update', oldrev: 'c'.repeat(40) }), HOOK, { delivery: 'gl-mr' }), deps())).status).toBe(202);
    expect(calls.map((c) => c.trigger)).toEqual([{ kind: 'merge_request', provider: 'gitlab', branch: 'tone', commit: SHA_B, author: 'bo', message: 'Friendlier tone', deliveryId: 'gl-mr' }]);
    const tag = await handleGitlabWebhook(gitlabRequest('Tag Push Hook', gitlabPush({ ref: 'refs/tags/v2' }), HOOK, { delivery: 'gl-tag' }), deps());
    expect(await body(tag)).toMatchObject({ outcome: 'ignored', reason: 'refs/tags/v2 is not a branch' });
    const del = await handleGitlabWebhook(gitlabRequest('Push Hook', gitlabPush({ after: ZERO }), HOOK, { delivery: 'gl-del' }), deps());
    expect(await body(del)).toMatchObject({ outcome: 'ignored', reason: 'branch main was deleted' });
    expect(calls).toHaveLength(1);
  });

  it('refuses a wrong or missing token with 401 and writes nothing', async () => {
    const before = (await rows()).length;
    const count = rejectionCount('gitlab');
    expect((await handleGitlabWebhook(gitlabRequest('Push Hook', gitlabPush(), `${HOOK}x`, { delivery: 'gl-bad' }), deps())).status).toBe(401);
    expect((await handleGitlabWebhook(gitlabRequest('Push Hook', gitlabPush(), null, { delivery: 'gl-none' }), deps())).status).toBe(401);
    expect(rejectionCount('gitlab')).toBe(count + 2);
    expect((await rows()).length).toBe(before);
    expect(calls).toEqual([]);
  });
});

describe('generic', () => {
  const trigger = { branch: 'main', commit: SHA_B, author: 'ci-bot', message: 'nightly build' };

  it('records a signed trigger and starts a pipeline', async () => {
    const res = await handleGenericWebhook(genericRequest('support-bot', trigger, HOOK, { delivery: 'gen-1' }), 'support-bot', deps());
    expect(res.status).toBe(202);
    expect(calls).toEqual([{ serviceId: ids['support-bot'], trigger: { kind: 'webhook', provider: 'generic', branch: 'main', commit: SHA_B, author: 'ci-bot', message: 'nightly build', deliveryId: 'gen-1' } }]);
    expect(await rowOf('gen-1')).toMatchObject({ provider: 'generic', event: 'trigger', outcome: 'triggered', branch: 'main', commit: SHA_B });
  });

  it('treats the same delivery id, or the same signature under a new id, as a replay', async () => {
    const t = Math.floor(Date.now() / 1000);
    const payload = { ...trigger, message: 'replay test' };
    const first = await handleGenericWebhook(genericRequest('support-bot', payload, HOOK, { delivery: 'gen-2', timestamp: t }), 'support-bot', deps());
    expect(first.status).toBe(202);
    const sameId = await handleGenericWebhook(genericRequest('support-bot', payload, HOOK, { delivery: 'gen-2', timestamp: t }), 'support-bot', deps());
    expect(await body(sameId)).toEqual({ duplicate: true, deliveryId: 'gen-2' });
    const newId = await handleGenericWebhook(genericRequest('support-bot', payload, HOOK, { delivery: 'gen-2b', timestamp: t }), 'support-bot', deps());
    expect(await body(newId)).toEqual({ duplicate: true, deliveryId: 'gen-2b' });
    expect(calls).toHaveLength(1);
    expect(await rowOf('gen-2b')).toBeUndefined();
  });

  it('refuses a delivery signed more than 5 minutes from now, or with another secret', async () => {
    const stale = rejectionCount('generic', 'stale_timestamp');
    const old = await handleGenericWebhook(genericRequest('support-bot', trigger, HOOK, { delivery: 'gen-old', timestamp: Math.floor(Date.now() / 1000) - 301 }), 'support-bot', deps());
    expect(old.status).toBe(401);
    expect(await body(old)).toEqual({ error: 'the signature timestamp is more than 5 minutes away from now' });
    expect(rejectionCount('generic', 'stale_timestamp')).toBe(stale + 1);
    // The clock is the handler's: the same delivery is fine at the time it was signed.
    const t = Math.floor(Date.now() / 1000) - 3600;
    const then = await handleGenericWebhook(genericRequest('support-bot', trigger, HOOK, { delivery: 'gen-then', timestamp: t }), 'support-bot', { db: database.db, now: () => new Date(t * 1000 + 60_000) });
    expect(then.status).toBe(202);
    const foreign = await handleGenericWebhook(genericRequest('billing-bot', trigger, HOOK, { delivery: 'gen-foreign' }), 'billing-bot', deps());
    expect(foreign.status).toBe(401);
    const unsigned = await handleGenericWebhook(genericRequest('support-bot', trigger, null, { delivery: 'gen-unsigned' }), 'support-bot', deps());
    expect(unsigned.status).toBe(401);
    expect(calls.map((c) => c.trigger.deliveryId)).toEqual(['gen-then']);
    expect(await rowOf('gen-old')).toBeUndefined();
  });

  it('refuses a signed body without a valid branch and commit, naming the field', async () => {
    const res = await handleGenericWebhook(genericRequest('support-bot', { branch: 'main', commit: 'abc' }, HOOK, { delivery: 'gen-bad' }), 'support-bot', deps());
    expect(res.status).toBe(400);
    expect(await body(res)).toEqual({ error: 'body: commit: must be a full hex commit id' });
    expect(await rowOf('gen-bad')).toBeUndefined();
    const unknown = await handleGenericWebhook(genericRequest('no-such-service', trigger, HOOK), 'no-such-service', deps());
    expect(unknown.status).toBe(404);
  });

  it('takes a signature for the exact body bytes only', async () => {
    const t = Math.floor(Date.now() / 1000);
    const req = new Request('http://slipway.test/api/webhooks/generic/support-bot', {
      method: 'POST',
      headers: { 'x-slipway-delivery': 'gen-ws', 'x-slipway-signature': signGeneric(JSON.stringify(trigger), HOOK, t) },
      body: JSON.stringify(trigger, null, 2),
    });
    expect((await handleGenericWebhook(req, 'support-bot', deps())).status).toBe(401);
  });
});

describe('the delivery log', () => {
  it('shows recent deliveries on the repository setting, and holds no secret anywhere', async () => {
    const got = await api.repositories.get({ service: 'support-bot' });
    const recorded = got.recentDeliveries.map((d) => d.deliveryId);
    expect(recorded).toEqual(expect.arrayContaining(['gh-1', 'gh-del', 'gh-tag', 'gh-pr-1', 'gh-ping', 'gen-1']));
    expect(recorded).not.toContain('gh-q1');
    const all = JSON.stringify(await rows());
    for (const secret of [HOOK, OTHER_HOOK]) {
      expect(all).not.toContain(secret);
      expect(JSON.stringify(got)).not.toContain(secret);
    }
  });
});
