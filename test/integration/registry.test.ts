// The registries: services and environments, prompt versions (content addressing, rendering, composition),
// model versions and their lifecycle, labels with history and protection, immutable releases.
import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, modelVersions, prompts, promptVersions, releases } from '@/db/schema';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { DEFAULT_ANALYSIS } from '@/server/services/environments/settings';
import { seedRegistry } from '../helpers/registry';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db));
});
afterAll(() => database.close());

const failure = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => {
      if (!(e instanceof TRPCError)) throw e;
      return { code: e.code, message: e.message };
    },
  );
const count = async (table: typeof promptVersions | typeof modelVersions | typeof auditEvents | typeof releases) => (await database.db.select({ n: sql<number>`count(*)::int` }).from(table))[0]!.n;

describe('services', () => {
  it('come with dev, staging and production environments', async () => {
    const s = await api.services.get({ name: 'support-bot' });
    expect(s.environments.map((e) => e.name)).toEqual(['dev', 'staging', 'production']);
    expect(s.environments.find((e) => e.name === 'production')!.protection.requiredApprovals).toBe(1);
    expect(s.environments.every((e) => e.current === null)).toBe(true);
  });

  it('need a slug name, unique, and owners who are users', async () => {
    expect(await failure(api.services.create({ name: 'Support Bot' }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^name: must be lowercase/) });
    expect(await failure(api.services.create({ name: 'support-bot' }))).toEqual({ code: 'CONFLICT', message: 'name: a service named "support-bot" already exists' });
    expect(await failure(api.services.create({ name: 'other', owners: ['ghost@example.test'] }))).toEqual({ code: 'BAD_REQUEST', message: 'owners: no user with the email ghost@example.test' });
    expect((await api.services.list()).map((s) => s.name)).toEqual(['support-bot']);
  });

  it('can be edited and archived, and archived services leave the list', async () => {
    const owner = await makeUser(database.db, { role: 'engineer', email: 'owner@example.test' });
    await api.services.create({ name: 'scratch' });
    const updated = await api.services.update({ name: 'scratch', description: 'Try things', owners: [owner.email] });
    expect(updated).toMatchObject({ description: 'Try things', owners: ['owner@example.test'] });
    await api.services.update({ name: 'scratch', archived: true });
    expect((await api.services.list()).map((s) => s.name)).not.toContain('scratch');
    expect((await api.services.list({ includeArchived: true })).map((s) => s.name)).toContain('scratch');
    expect(await failure(api.prompts.push({ service: 'scratch', prompt: 'hello', messages: [{ role: 'user', content: 'hi' }] }))).toEqual({ code: 'PRECONDITION_FAILED', message: 'Service "scratch" is archived' });
  });
});

describe('environment settings', () => {
  it('are validated on save, naming the field', async () => {
    const bad = await failure(
      api.environments.update({
        service: 'support-bot',
        environment: 'staging',
        rollout: { strategy: 'canary', steps: [{ weight: 50, bakeMinutes: 5 }, { weight: 20, bakeMinutes: 5 }], autoRollback: true },
        slos: { p95LatencyMs: 800, maxErrorRate: 3, maxCostPerRequestUsd: null, minEvalScore: null },
      }),
    );
    expect(bad?.code).toBe('BAD_REQUEST');
    expect(bad?.message).toContain('slos.maxErrorRate: must be a fraction between 0 and 1');
    expect(bad?.message).toContain('rollout.steps.1.weight: canary weights must increase from step to step');
    const ok = await api.environments.update({ service: 'support-bot', environment: 'staging', rollout: { strategy: 'linear', stepPercent: 20, intervalMinutes: 5, autoRollback: true } });
    // Analysis settings left out get the defaults.
    expect(ok.rollout).toEqual({ strategy: 'linear', stepPercent: 20, intervalMinutes: 5, autoRollback: true, analysis: DEFAULT_ANALYSIS });
    const fractional = await api.environments.update({ service: 'support-bot', environment: 'staging', rollout: { strategy: 'canary', steps: [{ weight: 10, bakeMinutes: 0.5 }], autoRollback: true, analysis: { ...DEFAULT_ANALYSIS, minSamples: 200 } } });
    expect(fractional.rollout).toMatchObject({ steps: [{ weight: 10, bakeMinutes: 0.5 }], analysis: { minSamples: 200 } });
    const tooFine = await failure(api.environments.update({ service: 'support-bot', environment: 'staging', rollout: { strategy: 'canary', steps: [{ weight: 10, bakeMinutes: 0.0001 }], autoRollback: true } }));
    expect(tooFine?.message).toContain('rollout.steps.0.bakeMinutes: must be a whole number of seconds');
  });

  it('keep settings a client leaves out, and name a notification secret that exists', async () => {
    const protection = { requiredApprovals: 1, preventSelfApproval: true, allowedBranches: [], waitTimerMinutes: 0, requiredGates: [] };
    expect((await failure(api.environments.update({ service: 'support-bot', environment: 'production', protection: { ...protection, notifySecret: 'nope' } })))?.message).toContain('protection.notifySecret: no secret named "nope"');
    await api.secrets.create({ name: 'release-hook', kind: 'notification_url', value: 'https://hooks.example.test/T000/B000/xyz' });
    await api.environments.update({ service: 'support-bot', environment: 'production', protection: { ...protection, notifySecret: 'release-hook', approvalTimeoutMinutes: 90 } });
    // An older client sends protection without the newer fields: they keep their values.
    const after = await api.environments.update({ service: 'support-bot', environment: 'production', protection: { ...protection, requiredApprovals: 2 } });
    expect(after.protection).toMatchObject({ requiredApprovals: 2, notifySecret: 'release-hook', approvalTimeoutMinutes: 90 });
    expect(JSON.stringify(after)).not.toContain('hooks.example.test');
  });

  it('may be changed by approvers only', async () => {
    const engineer = await makeUser(database.db, { role: 'engineer' });
    expect((await failure(callerFor(database.db, engineer).environments.update({ service: 'support-bot', environment: 'dev', protection: { requiredApprovals: 0, preventSelfApproval: false, allowedBranches: [], waitTimerMinutes: 0, requiredGates: [] } })))?.code).toBe('FORBIDDEN');
  });
});

describe('prompt versions', () => {
  it('are content-addressed: pushing identical content creates nothing', async () => {
    const before = { versions: await count(promptVersions), audit: await count(auditEvents) };
    const again = await api.prompts.push({
      service: 'support-bot',
      prompt: 'answer',
      messages: [
        { role: 'system', content: 'You are a helpful support agent.' },
        { role: 'user', content: '{{question}}' },
      ],
      variables: [{ name: 'question', type: 'string', required: true }],
      commitMessage: 'a different message does not make different content',
    });
    expect(again.created).toBe(false);
    expect(again.version.version).toBe(1);
    expect({ versions: await count(promptVersions), audit: await count(auditEvents) }).toEqual(before);
  });

  it('need every placeholder declared', async () => {
    expect(await failure(api.prompts.push({ service: 'support-bot', prompt: 'answer', messages: [{ role: 'user', content: 'Hi {{name}}, {{question}}' }], variables: [{ name: 'question' }] }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'variables: placeholders without a declared variable: name',
    });
  });

  it('render with clear errors for missing, extra and mistyped variables', async () => {
    await api.prompts.push({
      service: 'support-bot',
      prompt: 'typed',
      messages: [{ role: 'user', content: '{{n}} items for {{who}}, urgent={{urgent}}, meta={{meta}}' }],
      variables: [
        { name: 'n', type: 'number' },
        { name: 'who', type: 'string', required: false, default: 'you' },
        { name: 'urgent', type: 'boolean', required: false },
        { name: 'meta', type: 'json', required: false, default: { a: 1 } },
      ],
    });
    const render = (variables: Record<string, unknown>) => api.prompts.render({ service: 'support-bot', prompt: 'typed', variables: variables as never });
    expect((await render({ n: 3, urgent: true })).messages).toEqual([{ role: 'user', content: '3 items for you, urgent=true, meta={"a":1}' }]);
    expect(await failure(render({}))).toEqual({ code: 'BAD_REQUEST', message: 'variables.n: is required' });
    expect(await failure(render({ n: 'three' }))).toEqual({ code: 'BAD_REQUEST', message: 'variables.n: must be a number (got string)' });
    expect(await failure(render({ n: 1, colour: 'red' }))).toEqual({ code: 'BAD_REQUEST', message: 'variables: unknown variable colour (declared: n, who, urgent, meta)' });
  });

  it('compose other prompts by version or label, and refuse cycles at push and at render', async () => {
    const push = (prompt: string, messages: unknown[]) => api.prompts.push({ service: 'support-bot', prompt, messages: messages as never, variables: [] });
    await push('preamble', [{ role: 'system', content: 'Be brief.' }]);
    expect((await failure(push('greet', [{ include: 'preamble:production' }])))?.message).toBe('Label "production" on prompt preamble not found');
    await api.labels.move({ target: { kind: 'prompt', service: 'support-bot', prompt: 'preamble' }, label: 'production', version: 1 });
    await push('greet', [{ include: 'preamble:production' }, { role: 'user', content: 'Hello' }]);
    const rendered = await api.prompts.render({ service: 'support-bot', prompt: 'greet' });
    expect(rendered.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
    ]);
    expect(rendered.resolved).toEqual([
      { prompt: 'greet', version: 1 },
      { prompt: 'preamble', version: 1 },
    ]);
    // Pinned to greet@1 a new preamble is fine: greet@1 includes preamble:production, still version 1 …
    const v2 = await push('preamble', [{ include: 'greet@1' }, { role: 'system', content: 'Be kind.' }]);
    expect(v2.version.version).toBe(2);
    // … but moving that label to version 2 would close a loop, so the move is refused and nothing changes.
    expect(await failure(api.labels.move({ target: { kind: 'prompt', service: 'support-bot', prompt: 'preamble' }, label: 'production', version: 2 }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'composition cycle: preamble@2 → greet@1 → preamble@2',
    });
    expect((await api.prompts.render({ service: 'support-bot', prompt: 'greet' })).resolved).toEqual([
      { prompt: 'greet', version: 1 },
      { prompt: 'preamble', version: 1 },
    ]);
    // A push whose bare-name include comes back to it through the newest versions is refused too.
    await push('loop-a', [{ role: 'user', content: 'a' }]);
    await push('loop-b', [{ include: 'loop-a' }]);
    expect(await failure(push('loop-a', [{ include: 'loop-b' }]))).toEqual({ code: 'BAD_REQUEST', message: 'composition cycle: loop-a (new) → loop-b@1 → loop-a (new)' });
  });

  it('diff messages as lines and params as paths', async () => {
    await api.prompts.push({ service: 'support-bot', prompt: 'answer', messages: [{ role: 'system', content: 'You are a helpful support agent.\nCite the docs.' }, { role: 'user', content: '{{question}}' }], variables: [{ name: 'question' }], params: { temperature: 0.2 } });
    const d = await api.prompts.diff({ service: 'support-bot', prompt: 'answer', from: 1, to: 2 });
    expect(d.messages.filter((l) => l.op !== 'same')).toEqual([{ op: 'add', text: 'Cite the docs.' }]);
    expect(d.params).toEqual([{ path: 'temperature', before: null, after: 0.2 }]);
    expect(d.variables).toEqual([]);
  });
});

describe('immutability', () => {
  it('is enforced by the database for versions, releases and history', async () => {
    const refused = (p: PromiseLike<unknown>) =>
      Promise.resolve(p).then(
        () => 'allowed',
        (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
      );
    const [pv] = await database.db.select().from(promptVersions).limit(1);
    expect(await refused(database.db.update(promptVersions).set({ commitMessage: 'rewrite history' }).where(eq(promptVersions.id, pv!.id)))).toBe('prompt_versions rows are immutable');
    expect(await refused(database.db.delete(promptVersions).where(eq(promptVersions.id, pv!.id)))).toBe('prompt_versions rows are immutable');
    const [r] = await database.db.select().from(releases).limit(1);
    expect(await refused(database.db.update(releases).set({ notes: 'changed' }).where(eq(releases.id, r!.id)))).toBe('releases rows are immutable');
    const [mv] = await database.db.select().from(modelVersions).limit(1);
    expect(await refused(database.db.update(modelVersions).set({ upstreamModel: 'other' }).where(eq(modelVersions.id, mv!.id)))).toBe('model_versions rows are immutable except for their status');
    expect(await refused(database.db.update(auditEvents).set({ summary: 'nothing happened' }).where(eq(auditEvents.id, 1)))).toBe('audit_events rows are immutable');
  });

  it('leaves no API procedure that edits a version or a release', async () => {
    const { appRouter } = await import('@/server/api/root');
    const mutations = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
      .filter(([, p]) => p._def.type === 'mutation')
      .map(([path]) => path)
      .filter((p) => /^(prompts|releases|models)\./.test(p));
    // Creating new versions and releases, and a model version's status, are the only writes.
    expect(mutations.sort()).toEqual(['models.register', 'models.setStatus', 'prompts.push', 'releases.create']);
  });
});

describe('model versions', () => {
  it('validate provider kind, digests and hashes with the field named', async () => {
    expect(await failure(api.models.register({ model: 'llm', providerKind: 'openai-compatible', upstreamModel: 'x' }))).toEqual({ code: 'BAD_REQUEST', message: 'baseUrl: is required for an OpenAI-compatible endpoint' });
    expect((await failure(api.models.register({ model: 'llm', providerKind: 'container', upstreamModel: 'x', imageRef: 'registry.local/llm:latest', container: { port: 8000 } })))?.message).toBe('imageRef: must be pinned by digest: name@sha256:<64 hex>, or a local image id sha256:<64 hex>');
    expect((await failure(api.models.register({ model: 'llm', providerKind: 'container', upstreamModel: 'x', imageRef: `registry.local/llm@sha256:${'a'.repeat(64)}`, container: { port: 8000 }, artifacts: [{ uri: 's3://b/w.bin', sha256: 'abc', sizeBytes: 1 }] })))?.message).toBe(
      'artifacts.0.sha256: must be 64 lowercase hex characters (sha256)',
    );
    expect((await failure(api.models.register({ model: 'llm', providerKind: 'container', upstreamModel: 'x', imageRef: `registry.local/llm@sha256:${'a'.repeat(64)}`, container: { port: 8000 }, lineage: { gitCommit: 'abc123' } })))?.message).toBe('lineage.gitCommit: must be a 40-character hex git commit');
    const v = await api.models.register({
      model: 'llm',
      providerKind: 'container',
      upstreamModel: 'x',
      imageRef: `registry.local/llm@sha256:${'a'.repeat(64)}`,
      container: { port: 8000 },
      artifacts: [{ uri: 's3://b/w.bin', sha256: 'b'.repeat(64), sizeBytes: 1024 }],
      tokenizer: { uri: 's3://b/tok.json', sha256: 'c'.repeat(64) },
      lineage: { gitRepository: 'git@example.test:ml/llm.git', gitCommit: 'd'.repeat(40), trainingRunUri: 'mlflow://runs/42' },
      tags: { team: 'nlp' },
    });
    expect(v).toMatchObject({ ref: 'llm@1', status: 'registered', priceInputPer1M: 0 });
  });

  it('move along allowed status transitions only', async () => {
    expect(await api.models.setStatus({ model: 'llm', version: 1, status: 'validated' })).toEqual({ ref: 'llm@1', status: 'validated' });
    expect(await failure(api.models.setStatus({ model: 'llm', version: 1, status: 'registered' }))).toEqual({ code: 'PRECONDITION_FAILED', message: 'llm@1 is validated; it can move to deprecated or archived, not registered' });
    await api.models.setStatus({ model: 'llm', version: 1, status: 'archived' });
    expect((await failure(api.models.setStatus({ model: 'llm', version: 1, status: 'validated' })))?.message).toContain('nothing (archived is final)');
    expect(await failure(api.releases.create({ service: 'support-bot', model: 'llm@1' }))).toEqual({ code: 'BAD_REQUEST', message: 'model: llm@1 is archived and cannot be released' });
  });

  it('can be searched and filtered', async () => {
    expect((await api.models.list({ providerKind: 'container' })).map((m) => m.name)).toEqual(['llm']);
    expect((await api.models.list({ tag: 'team' })).map((m) => m.name)).toEqual(['llm']);
    expect((await api.models.list({ search: 'small-1' })).map((m) => m.name)).toEqual(['support-bot-model']);
    expect((await api.models.list({ status: 'validated' })).map((m) => m.name)).toEqual([]);
  });
});

describe('labels', () => {
  it('record every move with who, from, to and why', async () => {
    const target = { kind: 'prompt' as const, service: 'support-bot', prompt: 'answer' };
    await api.labels.move({ target, label: 'staging', version: 1, reason: 'first cut' });
    await api.labels.move({ target, label: 'staging', version: 2, reason: 'cites docs' });
    const again = await api.labels.move({ target, label: 'staging', version: 2 });
    expect(again.moved).toBe(false);
    const history = await api.labels.history({ target, label: 'staging' });
    expect(history.map((h) => [h.fromVersion, h.toVersion, h.reason])).toEqual([
      [1, 2, 'cites docs'],
      [null, 1, 'first cut'],
    ]);
    expect(history[0]!.actor).toMatch(/^admin-/);
    expect((await failure(api.labels.move({ target, label: 'staging', version: 9 })))?.message).toBe('version: support-bot/answer has no version 9');
    expect((await failure(api.labels.move({ target, label: 'latest', version: 1 })))?.message).toBe('label: latest is reserved: it always means the newest version');
  });

  it('that are protected move only for approvers', async () => {
    const engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
    const approver = callerFor(database.db, await makeUser(database.db, { role: 'approver' }));
    const target = { kind: 'model' as const, model: 'support-bot-model' };
    expect(await failure(engineer.labels.move({ target, label: 'production', version: 1 }))).toEqual({ code: 'FORBIDDEN', message: '"production" on support-bot-model is protected: only approvers may move it' });
    await approver.labels.move({ target, label: 'production', version: 1, reason: 'go live' });
    await engineer.labels.move({ target, label: 'canary', version: 1 });
    expect((await failure(engineer.labels.setProtected({ target, label: 'canary', protected: true })))?.code).toBe('FORBIDDEN');
    await approver.labels.setProtected({ target, label: 'canary', protected: true });
    expect((await failure(engineer.labels.move({ target, label: 'canary', version: 1 })))?.code).toBe('FORBIDDEN');
    expect((await api.models.get({ name: 'support-bot-model' })).labels.map((l) => [l.name, l.protected])).toEqual([
      ['canary', true],
      ['production', true],
    ]);
  });
});

describe('releases', () => {
  it('are numbered per service and pin labels when created', async () => {
    await api.labels.move({ target: { kind: 'prompt', service: 'support-bot', prompt: 'answer' }, label: 'production', version: 1 });
    const r2 = await api.releases.create({ service: 'support-bot', model: 'support-bot-model:production', prompts: ['answer:production', 'typed@1'], config: { temperature: 0.3 }, notes: 'pinned' });
    expect(r2.ref).toBe('support-bot#2');
    expect(r2.prompts.map((p) => p.ref)).toEqual(['answer@1', 'typed@1']);
    await api.labels.move({ target: { kind: 'prompt', service: 'support-bot', prompt: 'answer' }, label: 'production', version: 2 });
    expect((await api.releases.get({ service: 'support-bot', number: 2 })).prompts.map((p) => p.ref)).toEqual(['answer@1', 'typed@1']);
    await api.services.create({ name: 'other-bot' });
    expect((await api.releases.create({ service: 'other-bot', model: 'support-bot-model@1' })).ref).toBe('other-bot#1');
    expect((await failure(api.releases.create({ service: 'support-bot', model: 'support-bot-model@1', prompts: ['answer@1', 'answer@2'] })))?.message).toBe('prompts: each prompt may appear once');
    expect((await failure(api.releases.create({ service: 'support-bot', model: 'nope@1' })))?.code).toBe('NOT_FOUND');
  });

  it('diff model fields, prompts and config', async () => {
    await api.models.register({ model: 'support-bot-model', providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'small-2', priceInputPer1M: 0.5, priceOutputPer1M: 2 });
    const r3 = await api.releases.create({ service: 'support-bot', model: 'support-bot-model@2', prompts: ['answer@2', 'greet@1'], config: { temperature: 0.5 } });
    const d = await api.releases.diff({ service: 'support-bot', from: 2, to: r3.number });
    expect(d.model.map((c) => c.path)).toEqual(['priceOutputPer1M', 'ref', 'upstreamModel']);
    expect(d.prompts.map((p) => [p.name, p.change])).toEqual([
      ['answer', 'changed'],
      ['greet', 'added'],
      ['typed', 'removed'],
    ]);
    expect(d.prompts[0]!.diff!.messages.filter((l) => l.op === 'add').map((l) => l.text)).toEqual(['Cite the docs.']);
    expect(d.config).toEqual([{ path: 'temperature', before: 0.3, after: 0.5 }]);
  });
});

describe('environment history', () => {
  it('answers what ran at any time, and restoring adds an entry', async () => {
    const approver = callerFor(database.db, await makeUser(database.db, { role: 'approver' }));
    const engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
    const env = { service: 'support-bot', environment: 'production' };
    const t0 = new Date();
    expect((await failure(engineer.environments.deploy({ ...env, routes: [{ release: 1, weight: 100 }] })))?.message).toBe('production requires approval: only approvers may change what it runs directly');
    expect((await failure(approver.environments.deploy({ ...env, routes: [{ release: 1, weight: 100 }] })))?.message).toMatch(/^support-bot\/production is protected/);
    const bypass = { reason: 'history test: set states directly' };
    expect((await failure(api.environments.deploy({ ...env, routes: [{ release: 1, weight: 60 }, { release: 2, weight: 30 }], bypass })))?.message).toBe('routes: weights must sum to 100 (they sum to 90)');
    expect((await failure(api.environments.deploy({ ...env, routes: [{ release: 99, weight: 100 }], bypass })))?.message).toBe('routes: support-bot has no release #99');
    const first = await api.environments.deploy({ ...env, routes: [{ release: 1, weight: 100 }], reason: 'launch', bypass });
    await new Promise((r) => setTimeout(r, 20));
    const t1 = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const canary = await api.environments.deploy({ ...env, routes: [{ release: 1, weight: 90 }, { release: 2, weight: 10 }], reason: 'canary', bypass });
    expect(canary.kind).toBe('deploy');
    await new Promise((r) => setTimeout(r, 20));
    const t2 = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const restored = await approver.environments.restore({ ...env, historyId: first.id, reason: 'roll back' });
    expect(restored).toMatchObject({ kind: 'restore', restoredFromId: first.id, routes: first.routes });

    const at = async (t: Date) => (await api.environments.stateAt({ ...env, at: t })).entry?.routes.map((r) => `#${r.releaseNumber}:${r.weight}`) ?? null;
    expect(await at(t0)).toBeNull();
    expect(await at(t1)).toEqual(['#1:100']);
    expect(await at(t2)).toEqual(['#1:90', '#2:10']);
    expect(await at(new Date())).toEqual(['#1:100']);
    const state = await api.environments.stateAt({ ...env, at: t2 });
    expect(state.entry).toMatchObject({ reason: 'canary', kind: 'deploy' });
    expect(state.entry!.actorLabel).toMatch(/^admin-/);

    const history = await api.environments.history(env);
    expect(history.items.map((h) => h.kind)).toEqual(['restore', 'deploy', 'deploy']);
    expect((await api.services.get({ name: 'support-bot' })).environments.find((e) => e.name === 'production')!.current!.routes).toEqual([{ releaseId: first.routes[0]!.releaseId, releaseNumber: 1, weight: 100, model: 'support-bot-model@1' }]);
    const engineerDev = await engineer.environments.deploy({ service: 'support-bot', environment: 'dev', routes: [{ release: 2, weight: 100 }] });
    expect(engineerDev.actorLabel).toMatch(/^engineer-/);
  });
});

describe('prompts list', () => {
  it('shows each prompt with its latest version and labels', async () => {
    const list = await api.prompts.list({ service: 'support-bot' });
    expect(list.map((p) => [p.name, p.versionCount, p.latest?.version])).toEqual([
      ['answer', 2, 2],
      ['greet', 1, 1],
      ['loop-a', 1, 1],
      ['loop-b', 1, 1],
      ['preamble', 2, 2],
      ['typed', 1, 1],
    ]);
    expect(list.find((p) => p.name === 'answer')!.labels.map((l) => l.name).sort()).toEqual(['production', 'staging']);
    const [row] = await database.db.select().from(prompts).where(eq(prompts.name, 'answer'));
    expect(row!.createdBy).toMatch(/^admin-/);
  });
});
