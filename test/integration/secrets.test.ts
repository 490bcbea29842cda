// Secrets are stored encrypted and never come back: not from any query, not in the audit log, not in errors.
import { TRPCError } from '@trpc/server';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environments, executorRuns, imageBuilds, modelVersions, models, secrets, services, smokeRuns } from '@/db/schema';
import { appRouter } from '@/server/api/root';
import { readSecretValue } from '@/server/services/secrets/queries';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { withoutGates } from '../helpers/gates';
import { seedRegistry } from '../helpers/registry';

const KEY = 'sk-live-THIS-IS-THE-SECRET-VALUE-0123456789';
const ROTATED = 'sk-live-ROTATED-SECRET-VALUE-9876543210';
const HOOK = 'whsec_another_secret_value_for_webhooks';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db));
  // Not about gates: promotion here needs none (test/integration/gates*.test.ts covers them).
  await withoutGates(api, 'support-bot');
  await api.secrets.create({ name: 'openai-key', kind: 'provider_api_key', value: KEY, description: 'production key' });
  await api.secrets.create({ name: 'hook', kind: 'webhook_secret', value: HOOK });
  await api.models.register({ model: 'hosted', providerKind: 'openai-compatible', baseUrl: 'https://api.example.test/v1', upstreamModel: 'gpt-x', apiKeySecret: 'openai-key' });
  await api.releases.create({ service: 'support-bot', model: 'hosted@1', prompts: ['answer@1'] });
  await api.environments.deploy({ service: 'support-bot', environment: 'dev', routes: [{ release: 2, weight: 100 }] });
  const { DEFAULT_PIPELINE_YAML } = await import('@/server/services/pipelines/parse');
  await api.pipelines.saveDefinition({ service: 'support-bot', yaml: DEFAULT_PIPELINE_YAML });
  await api.pipelines.start({ service: 'support-bot' });
  await api.repositories.set({ service: 'support-bot', url: 'https://git.example.test/acme/support-bot.git', tokenSecret: 'openai-key', webhookSecret: 'hook' });
  // A rollout waiting for approval in production (it stays there: no jobs engine runs in this test).
  const { DEFAULT_ENVIRONMENTS } = await import('@/server/services/environments/settings');
  await api.environments.update({ service: 'support-bot', environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, requiredGates: [], allowedBranches: [] } });
  await api.rollouts.promote({ service: 'support-bot', environment: 'production', release: 2 });
  const [approval] = await api.approvals.list({});
  approvalId = approval!.id;
  // Datasets, a suite and runs on the release whose model holds the key (no jobs engine: the runs stay queued).
  const cases = (fact: string) => [{ id: 'c1', variables: { question: 'How long is the trial?' }, expected: fact }];
  await api.datasets.push({ service: 'support-bot', name: 'faq', cases: cases('14 days') });
  await api.datasets.push({ service: 'support-bot', name: 'faq', cases: cases('two weeks') });
  await api.evals.saveSuite({ service: 'support-bot', name: 'accuracy', yaml: 'dataset: faq\nassertions:\n  - type: icontains\n    value: "{{expected}}"\n' });
  await api.evals.startRun({ service: 'support-bot', suite: 'accuracy', release: 2, baseline: 'none' });
  await api.variations.start({ service: 'support-bot', suite: 'accuracy', prompts: ['answer@1'], models: ['hosted@1'], params: [{}] });
  const event = { id: 'evt-1', name: 'slipway/ping', data: {}, ts: Date.now() };
  await database.db.insert(executorRuns).values({ id: 'run-1', functionId: 'slipway-ping', event, events: [event] });
  const [report] = await api.drift.run({ service: 'support-bot', environment: 'dev' });
  driftReportId = report!.id;
  // A smoke run of dev (the release whose model holds the key), as the smoke tests record one.
  const [dev] = await database.db.select({ id: environments.id, serviceId: environments.serviceId }).from(environments).innerJoin(services, eq(services.id, environments.serviceId)).where(and(eq(services.name, 'support-bot'), eq(environments.name, 'dev')));
  const result = { caseIndex: 0, releaseNumber: 2, status: 502, latencyMs: 5, pass: false, score: 0, output: null, reason: '#2 answered 502: the model endpoint did not answer', requestId: '' };
  const [smoke] = await database.db.insert(smokeRuns).values({ serviceId: dev!.serviceId, environmentId: dev!.id, environment: 'dev', trigger: 'manual', key: 'manual:secrets-test', status: 'failed', cases: 1, passed: 0, results: [result], finishedAt: new Date() }).returning();
  smokeRunId = smoke!.id;
  // An image build record of the version whose model holds the key (the build itself is covered by image-builds.test.ts).
  const [hosted] = await database.db.select({ id: modelVersions.id }).from(modelVersions).innerJoin(models, eq(models.id, modelVersions.modelId)).where(eq(models.name, 'hosted'));
  const [build] = await database.db.insert(imageBuilds).values({ modelVersionId: hosted!.id, serviceId: dev!.serviceId, stepName: 'manual', sourceRepository: '/srv/repo', sourceCommit: 'a'.repeat(40), status: 'failed', error: 'not a container', createdBy: 'test' }).returning();
  imageBuildId = build!.id;
});
let imageBuildId = '';
let approvalId = '';
let driftReportId = '';
let smokeRunId = '';
afterAll(() => database.close());

// Inputs for every query of the API. A new query must be added here, so this walk always covers all of them.
const QUERY_INPUTS: Record<string, unknown> = {
  'users.list': {},
  'users.me': undefined,
  'tokens.list': { all: true },
  'audit.list': { limit: 200 },
  'services.list': {},
  'services.get': { name: 'support-bot' },
  'environments.get': { service: 'support-bot', environment: 'dev' },
  'environments.history': { service: 'support-bot', environment: 'dev' },
  'environments.stateAt': { service: 'support-bot', environment: 'dev', at: new Date() },
  'models.list': {},
  'models.get': { name: 'hosted' },
  'models.version': { model: 'hosted', version: 1 },
  'images.list': { model: 'hosted', version: 1 },
  'containers.list': { service: 'support-bot', environment: 'dev' },
  'containers.stats': { service: 'support-bot', environment: 'dev' },
  'containers.logs': { service: 'support-bot', environment: 'dev', instance: '00000000-0000-4000-8000-000000000000' },
  'loadTests.list': { service: 'support-bot' },
  'loadTests.get': { id: '00000000-0000-4000-8000-000000000000' },
  get 'images.get'() {
    return { id: imageBuildId };
  },
  'prompts.list': { service: 'support-bot' },
  'prompts.get': { service: 'support-bot', prompt: 'answer' },
  'prompts.version': { service: 'support-bot', prompt: 'answer', version: 1 },
  'prompts.render': { service: 'support-bot', prompt: 'answer', variables: { question: 'hi' } },
  'prompts.diff': { service: 'support-bot', prompt: 'answer', from: 1, to: 1 },
  'labels.history': { target: { kind: 'model', model: 'hosted' } },
  'releases.list': { service: 'support-bot' },
  'releases.get': { service: 'support-bot', number: 2 },
  'releases.diff': { service: 'support-bot', from: 1, to: 2 },
  'secrets.list': undefined,
  'gatewayKeys.list': { service: 'support-bot' },
  'gates.status': { service: 'support-bot', release: 2, environment: 'production' },
  'gates.forRelease': { service: 'support-bot', release: 2 },
  'gates.report': { service: 'support-bot', release: 2, environment: 'production', gates: ['eval'], runs: [] },
  'telemetry.summary': { service: 'support-bot', environment: 'dev' },
  'pipelines.definition': { service: 'support-bot' },
  'pipelines.validate': { yaml: 'stages: []' },
  'pipelines.runs': { service: 'support-bot' },
  'pipelines.run': { service: 'support-bot', number: 1 },
  'repositories.get': { service: 'support-bot' },
  'executor.functions': undefined,
  'executor.runs': {},
  'executor.run': { runId: 'run-1' },
  'executor.failures': {},
  'rollouts.list': { service: 'support-bot', environment: 'production' },
  'rollouts.get': { service: 'support-bot', environment: 'production', number: 1 },
  'rollouts.current': { service: 'support-bot', environment: 'production' },
  'rollouts.preview': { service: 'support-bot', environment: 'production', release: 2 },
  'approvals.list': { status: 'all' },
  'datasets.list': { service: 'support-bot' },
  'datasets.get': { service: 'support-bot', name: 'faq' },
  'datasets.cases': { service: 'support-bot', name: 'faq' },
  'datasets.diff': { service: 'support-bot', name: 'faq', from: 1, to: 2 },
  'datasets.samples': { service: 'support-bot' },
  'evals.validateSuite': { yaml: 'dataset: faq\nassertions:\n  - type: contains\n    value: x\n' },
  'evals.listSuites': { service: 'support-bot' },
  'evals.getSuite': { service: 'support-bot', name: 'accuracy' },
  'evals.estimate': { service: 'support-bot', suite: 'accuracy', release: 2, baseline: 'none' },
  'evals.listRuns': { service: 'support-bot' },
  'evals.getRun': { service: 'support-bot', number: 1 },
  'evals.runCases': { service: 'support-bot', number: 1 },
  'variations.get': { service: 'support-bot', number: 2 },
  'evals.dataQualityRows': { service: 'support-bot', number: 1 },
  // Run 1 is an eval run: the refusal is what is checked.
  'evals.injectionAttacks': { service: 'support-bot', number: 1 },
  'monitoring.environment': { service: 'support-bot', environment: 'dev', range: '24h' },
  'monitoring.release': { service: 'support-bot', number: 2, range: '24h' },
  'monitoring.overview': { range: '24h' },
  'monitoring.cost': { range: '30d' },
  'onlineEvals.series': { service: 'support-bot', environment: 'dev', range: '24h' },
  'onlineEvals.recent': { service: 'support-bot', environment: 'dev' },
  'alerts.list': {},
  'alerts.rules': { service: 'support-bot', environment: 'production' },
  'checks.get': { service: 'support-bot', environment: 'production' },
  'smoke.runs': { service: 'support-bot', environment: 'dev' },
  get 'smoke.get'() {
    return { id: smokeRunId };
  },
  'overview.rollingOut': undefined,
  'overview.myApprovals': undefined,
  'overview.failures': {},
  'overview.slos': undefined,
  'overview.spend': undefined,
  'triggers.events': {},
  'triggers.rules': { service: 'support-bot', environment: 'production' },
  get 'approvals.get'() {
    return { id: approvalId };
  },
  'drift.reports': { service: 'support-bot', environment: 'dev' },
  get 'drift.report'() {
    return { id: driftReportId };
  },
  'drift.latest': {},
  'drift.timeline': { service: 'support-bot', environment: 'dev', range: '24h' },
  get 'drift.samples'() {
    return { id: driftReportId, window: 'current' };
  },
};

/** Queries whose input here is refused (a run of another kind); their error message is checked instead. */
// Their inputs name nothing that exists here: the error must not leak either.
const REFUSED = new Set(['evals.injectionAttacks', 'containers.logs', 'loadTests.get']);

describe('secrets', () => {
  it('are encrypted at rest', async () => {
    const rows = await database.db.execute(sql`select row_to_json(s)::text as j from secrets s`);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(HOOK);
    expect(text).not.toContain(KEY.slice(0, 20));
  });

  it('never appear in the output of any query', async () => {
    const queries = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
      .filter(([, p]) => p._def.type === 'query')
      .map(([path]) => path)
      .sort();
    expect(queries).toEqual(Object.keys(QUERY_INPUTS).sort());
    await api.secrets.rotate({ name: 'openai-key', value: ROTATED });
    const caller = api as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
    for (const path of queries) {
      const [ns, name] = path.split('.') as [string, string];
      const call = caller[ns]![name]!(QUERY_INPUTS[path]);
      let out: string;
      if (REFUSED.has(path)) {
        const err = await call.then(() => null, (e: Error) => e);
        expect(err, `${path} should refuse this input`).toBeInstanceOf(Error);
        out = err!.message;
      } else out = JSON.stringify(await call);
      for (const value of [KEY, ROTATED, HOOK]) expect({ path, leaks: out.includes(value) }).toEqual({ path, leaks: false });
    }
    const listed = await api.secrets.list();
    expect(listed.map((s) => [s.name, s.mask])).toEqual([
      ['hook', '…ooks'],
      ['openai-key', '…3210'],
    ]);
    expect((await api.models.version({ model: 'hosted', version: 1 })).apiKeySecret).toBe('openai-key');
  });

  it('decrypt for server-side use only, recording the use', async () => {
    const [row] = await database.db.select().from(secrets).where(sql`${secrets.name} = 'hook'`);
    expect(row!.lastUsedAt).toBeNull();
    expect(await readSecretValue(database.db, row!.id)).toBe(HOOK);
    expect((await api.secrets.list()).find((s) => s.name === 'hook')!.lastUsedAt).toBeInstanceOf(Date);
  });

  it('are managed by approvers; engineers see masks only; bad input echoes no value', async () => {
    const engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
    const viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
    expect((await engineer.secrets.list()).length).toBe(2);
    await expect(engineer.secrets.create({ name: 'mine', kind: 'provider_api_key', value: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(viewer.secrets.list()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const err = (await api.secrets.create({ name: 'Bad Name', kind: 'provider_api_key', value: KEY }).catch((e: unknown) => e)) as TRPCError;
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).not.toContain(KEY);
    const dup = (await api.secrets.create({ name: 'hook', kind: 'webhook_secret', value: KEY }).catch((e: unknown) => e)) as TRPCError;
    expect(dup.code).toBe('CONFLICT');
    expect(dup.message).not.toContain(KEY);
    const audit = JSON.stringify(await api.audit.list({ limit: 200 }));
    expect(audit).toContain('Rotated secret openai-key');
    expect(audit).not.toContain(KEY);
  });
});
