// Pipelines without the workflow engine: definitions and their line-numbered errors, the branch policy,
// runs and their records, and each step type, driven through the same orchestration the engine runs.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pipelineRuns } from '@/db/schema';
import { branchMatches, branchPolicy, checkDefinition, DEFAULT_PIPELINE_YAML } from '@/server/services/pipelines/parse';
import { setRunDispatcher } from '@/server/services/pipelines/dispatch';
import { orchestrateRun, type Durable } from '@/server/pipelines/execute';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { withoutGates } from '../helpers/gates';
import { seedRegistry } from '../helpers/registry';
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { runPipelineHere } from '../helpers/inline-rollout';


/** A run driven here, with rollouts run inline (no workflow engine). */
const orchestrate = (runId: string, durable: Parameters<typeof orchestrateRun>[2]) => runPipelineHere(database.db, runId, durable);
let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
let hook: http.Server;
let hookUrl: string;
const received: { body: string; signature: string }[] = [];
let hookStatus = 200;
let onHookCancel: () => Promise<unknown> = async () => undefined;

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db));
  // Not about gates: promotion here needs none (test/integration/gates*.test.ts covers them).
  await withoutGates(api, 'support-bot');
  await api.secrets.create({ name: 'hook-secret', kind: 'webhook_secret', value: 'whsec_for_pipeline_tests' });
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/hang') return; // never answers
      // A redirect to the cloud metadata address, which the outbound policy refuses.
      if (req.url === '/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      if (req.url === '/chatty') return void res.writeHead(200).end(`{"ok":true,"access_token":"tok-${'x'.repeat(40)}","note":"Bearer abcdef0123456789","padding":"${'p'.repeat(2000)}"}`);
      if (req.url === '/cancel-then-answer') {
        // The run is cancelled while this step is in flight; the step's answer must not undo that.
        void onHookCancel().then(() => res.writeHead(200).end('too late'));
        return;
      }
      received.push({ body, signature: String(req.headers['x-slipway-signature']) });
      res.writeHead(hookStatus).end('thanks');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
});
afterAll(async () => {
  hook.closeAllConnections();
  await new Promise((r) => hook.close(r));
  await database.close();
});
afterEach(() => setRunDispatcher(undefined));

const direct: Durable = (_id, fn) => fn();

async function waitFor<T>(check: () => Promise<T[]>, timeoutMs = 10_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v.length) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
const failure = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof TRPCError ? { code: e.code, message: e.message } : Promise.reject(e)));
const runOf = async (number: number) => api.pipelines.run({ service: 'support-bot', number });

describe('pipeline definitions', () => {
  it('report every problem at its line', () => {
    const yaml = `branches:
  - pattern: main
    mode: deploy
stages:
  - name: check
    steps:
      - name: evals
        type: smoke-test
      - name: hook
        type: webhook
        inputs:
          url: not-a-url
          secret: hook-secret
      - name: hook
        type: teleport
        colour: blue
`;
    const check = checkDefinition(yaml);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toEqual([
      { line: 2, path: 'branches[0].environment', message: 'a deploy branch names the environment it goes to' },
      { line: 8, path: 'stages[0].steps[0].type', message: 'step type smoke-test is not available yet (it comes with smoke tests)' },
      { line: 12, path: 'stages[0].steps[1].inputs.url', message: 'must be an http(s) URL' },
      { line: 14, path: 'stages[0].steps[2].name', message: '"hook" is used twice; step names are unique in a pipeline' },
      { line: 15, path: 'stages[0].steps[2].type', message: 'unknown step type teleport; available: validate-config, deploy, eval, safety, injection, data-quality, prompt-variations, load-test, webhook, build-image, push-image' },
      { line: 16, path: 'stages[0].steps[2]', message: 'unknown field colour' },
    ]);
    const broken = checkDefinition('stages:\n  - name: a\n   steps: [');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problems[0]!.line).toBe(3);
  });

  it('are saved as versions, and refused with their line numbers', async () => {
    expect(await api.pipelines.definition({ service: 'support-bot' })).toMatchObject({ saved: false, version: 0 });
    expect(await api.pipelines.saveDefinition({ service: 'support-bot', yaml: DEFAULT_PIPELINE_YAML })).toEqual({ version: 1, created: true });
    expect(await api.pipelines.saveDefinition({ service: 'support-bot', yaml: DEFAULT_PIPELINE_YAML })).toEqual({ version: 1, created: false });
    const bad = await failure(api.pipelines.saveDefinition({ service: 'support-bot', yaml: 'stages:\n  - name: ab\n    steps:\n      - name: xy\n        type: approval\n' }));
    expect(bad).toEqual({ code: 'BAD_REQUEST', message: "line 5: stages[0].steps[0].type: there is no approval step: a deploy step asks for the environment's approvals and rolls out per its policy" });
    expect((await api.pipelines.definition({ service: 'support-bot' })).version).toBe(1);
    expect((await api.pipelines.validate({ yaml: 'stages: []' })).problems).toEqual([{ line: 1, path: 'stages', message: 'a pipeline needs at least one stage' }]);
  });

  it('map branches to what a run does, first match first', () => {
    expect(branchMatches('feature/*', 'feature/a')).toBe(true);
    expect(branchMatches('feature/*', 'feature/a/b')).toBe(false);
    expect(branchMatches('feature/**', 'feature/a/b')).toBe(true);
    expect(branchMatches('release-?', 'release-1')).toBe(true);
    expect(branchMatches('main', 'mainline')).toBe(false);
    const check = checkDefinition(DEFAULT_PIPELINE_YAML);
    if (!check.ok) throw new Error('default is invalid');
    expect(branchPolicy(check.definition, 'feature/x/y')).toEqual({ mode: 'evaluate', environment: null, rule: 'feature/**' });
    expect(branchPolicy(check.definition, 'develop')).toEqual({ mode: 'deploy', environment: 'staging', rule: 'develop' });
    expect(branchPolicy(check.definition, 'hotfix')).toEqual({ mode: 'evaluate', environment: null, rule: null });
  });
});

describe('pipeline runs', () => {
  it('are recorded with their steps and handed to the engine only once committed', async () => {
    const seen: string[] = [];
    setRunDispatcher({
      start: async (runId) => {
        // Another connection must already see the run: the event goes out after the commit.
        const [row] = await database.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId));
        seen.push(row ? `${row.number}:${row.status}` : 'missing');
      },
      cancel: async () => undefined,
    });
    const run = await api.pipelines.start({ service: 'support-bot', branch: 'feature/faster' });
    expect(run).toMatchObject({ number: 1, status: 'queued', mode: 'evaluate', targetEnvironment: null });
    expect(seen).toEqual(['1:queued']);
    const view = await runOf(1);
    expect(view.steps.map((s) => [s.position, s.stage, s.name, s.type, s.status])).toEqual([
      [0, 'source', 'candidate', 'candidate', 'pending'],
      [1, 'check', 'config', 'validate-config', 'pending'],
      [2, 'deliver', 'deploy', 'deploy', 'pending'],
    ]);
    expect(await orchestrate(run.id, direct)).toEqual({ status: 'passed' });
    const done = await runOf(1);
    expect(done.status).toBe('passed');
    expect(done.releaseNumber).toBe(1);
    expect(done.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'skipped']);
    expect(done.steps[1]!.logs.map((l) => l.line)).toContain('ok   prompt answer@1: renders 2 messages');
    expect(done.steps[2]!.logs.map((l) => l.line)).toEqual(['evaluate-only run: nothing deployed']);
  });

  it('deploy to an environment the branch policy names through a rollout, and wait for approval where one is needed', async () => {
    const staging = await api.pipelines.start({ service: 'support-bot', branch: 'develop' });
    expect(staging).toMatchObject({ mode: 'deploy', targetEnvironment: 'staging' });
    expect(await orchestrate(staging.id, direct)).toEqual({ status: 'passed' });
    const env = await api.environments.get({ service: 'support-bot', environment: 'staging' });
    expect(env.current).toMatchObject({ kind: 'deploy', actorLabel: 'system:rollout:support-bot/staging#1' });
    expect(env.current?.reason).toMatch(/^rollout 1 step 1 of 1: switch all traffic to #1/);
    const rollout = await api.rollouts.get({ service: 'support-bot', environment: 'staging', number: 1 });
    expect(rollout).toMatchObject({ status: 'succeeded', pipelineRun: staging.number, branch: null, requestedBy: `system:pipeline:support-bot#${staging.number}` });
    expect((await runOf(staging.number)).steps[2]!.outputs).toMatchObject({ environment: 'staging', rollout: 1 });

    // Running the same release again (a retry) moves nothing: the step passes without a rollout.
    const again = await api.pipelines.start({ service: 'support-bot', branch: 'develop' });
    expect(await orchestrate(again.id, direct)).toEqual({ status: 'passed' });
    const againDeploy = (await runOf(again.number)).steps[2]!;
    expect(againDeploy).toMatchObject({ status: 'passed', outputs: { environment: 'staging', release: 1, rollout: null } });
    expect(againDeploy.logs.map((l) => l.line)).toEqual(['support-bot/staging already runs support-bot#1 on all traffic: nothing to roll out']);
    expect((await api.rollouts.list({ service: 'support-bot', environment: 'staging' })).map((r) => r.number)).toEqual([1]);
    expect((await api.environments.get({ service: 'support-bot', environment: 'staging' })).current).toEqual(env.current);

    // A pull request into develop is evaluated only, whatever the branch rules say.
    const { startRun } = await import('@/server/services/pipelines/start');
    const pr = await startRun(
      { actor: { kind: 'system', job: 'webhook:github' }, db: database.db, requestId: null },
      { service: 'support-bot', trigger: { kind: 'pull_request', provider: 'github', branch: 'develop', commit: null, author: 'outsider', message: null, deliveryId: 'd-1' } },
    );
    expect(pr).toMatchObject({ mode: 'evaluate', targetEnvironment: null });

    // Production needs an approval: the run waits for it; the requester may not decide, an approver's rejection ends it.
    await api.environments.update({ service: 'support-bot', environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, requiredGates: [], allowedBranches: [] } });
    const prod = await api.pipelines.start({ service: 'support-bot', branch: 'main', environment: 'production' });
    const running = orchestrate(prod.id, direct);
    const [request] = await waitFor(async () => (await api.approvals.list({})).filter((a) => a.environment === 'production'));
    expect(request).toMatchObject({ required: 1, release: { number: 1 } });
    expect((await runOf(prod.number)).steps[2]!.status).toBe('running');
    await expect(api.approvals.decide({ id: request!.id, decision: 'approve' })).rejects.toThrow(/someone else must approve/);
    const approver = callerFor(database.db, await makeUser(database.db, { role: 'approver' }));
    await approver.approvals.decide({ id: request!.id, decision: 'reject', comment: 'freeze' });
    expect(await running).toEqual({ status: 'failed' });
    const view = await runOf(prod.number);
    expect(view.error).toMatch(/^deploy: rollout rejected: rejected by .*: freeze$/);
    expect(view.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'failed']);

    // A release not built from a branch the environment takes fails the step before anything starts (a manual run
    // cannot claim a branch for a release it did not build).
    await api.environments.update({ service: 'support-bot', environment: 'staging', protection: { ...DEFAULT_ENVIRONMENTS.staging.protection, requiredGates: [], allowedBranches: ['main'] } });
    const refused = await api.pipelines.start({ service: 'support-bot', branch: 'develop' });
    expect(await orchestrate(refused.id, direct)).toEqual({ status: 'failed' });
    expect((await runOf(refused.number)).error).toMatch(/^config: environment staging: branch \(none\) may not deploy here \(allowed: main\)/);
    await api.environments.update({ service: 'support-bot', environment: 'staging', protection: { ...DEFAULT_ENVIRONMENTS.staging.protection, requiredGates: [] } });
  });

  it('run webhook steps signed with the secret, and carry on past failures that may fail', async () => {
    await api.pipelines.saveDefinition({
      service: 'support-bot',
      yaml: `stages:
  - name: notify
    steps:
      - name: first
        type: webhook
        continue-on-failure: true
        inputs: { url: "${hookUrl}/a", secret: hook-secret }
      - name: slow
        type: webhook
        timeout: 1
        continue-on-failure: true
        inputs: { url: "${hookUrl}/hang", secret: hook-secret }
      - name: last
        type: webhook
        inputs: { url: "${hookUrl}/b", secret: hook-secret }
`,
    });
    hookStatus = 500;
    const run = await api.pipelines.start({ service: 'support-bot' });
    received.length = 0;
    const first = orchestrate(run.id, async (id, fn) => {
      const out = await fn();
      if (id.startsWith('step-1')) hookStatus = 200;
      return out;
    });
    expect(await first).toEqual({ status: 'passed' });
    const view = await runOf(run.number);
    expect(view.steps.map((s) => [s.name, s.status, s.error])).toEqual([
      ['candidate', 'passed', null],
      ['first', 'failed', `${hookUrl}/a answered 500`],
      ['slow', 'failed', 'timed out after 1 s'],
      ['last', 'passed', null],
    ]);
    expect(received).toHaveLength(2);
    const { body, signature } = received[1]!;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
    expect(createHmac('sha256', 'whsec_for_pipeline_tests').update(`${t}.${body}`).digest('hex')).toBe(v1);
    expect(JSON.parse(body)).toMatchObject({ service: 'support-bot', run: { number: run.number }, release: { number: 1 }, step: 'last' });
    expect(JSON.stringify(view)).not.toContain('whsec_for_pipeline_tests');
  });

  it('resume without repeating completed steps, and stop when cancelled', async () => {
    const memo = new Map<string, unknown>();
    const calls: string[] = [];
    let crashAfter: string | null = 'step-1-first';
    const durable: Durable = async (id, fn) => {
      if (memo.has(id)) return memo.get(id) as never;
      calls.push(id);
      const out = await fn();
      memo.set(id, out);
      if (id === crashAfter) throw new Error('process died');
      return out;
    };
    hookStatus = 200;
    const run = await api.pipelines.start({ service: 'support-bot' });
    await expect(orchestrate(run.id, durable)).rejects.toThrow('process died');
    crashAfter = null;
    expect(await orchestrate(run.id, durable)).toEqual({ status: 'passed' });
    expect(calls).toEqual(['begin', 'candidate', 'step-1-first', 'step-2-slow', 'step-3-last', 'finish']);
    expect((await runOf(run.number)).steps.map((s) => s.attempts)).toEqual([1, 1, 1, 1]);

    const cancelled: string[] = [];
    setRunDispatcher({ start: async () => undefined, cancel: async (id) => void cancelled.push(id) });
    const doomed = await api.pipelines.start({ service: 'support-bot' });
    await api.pipelines.cancel({ service: 'support-bot', number: doomed.number, reason: 'wrong branch' });
    expect(cancelled).toEqual([doomed.id]);
    expect(await orchestrate(doomed.id, direct)).toEqual({ status: 'cancelled' });
    const view = await runOf(doomed.number);
    expect(view.status).toBe('cancelled');
    expect(view.steps.every((s) => s.status === 'cancelled')).toBe(true);
    expect((await failure(api.pipelines.cancel({ service: 'support-bot', number: doomed.number })))?.code).toBe('PRECONDITION_FAILED');
    const again = await api.pipelines.retry({ service: 'support-bot', number: doomed.number });
    expect(again).toMatchObject({ number: doomed.number + 1, status: 'queued', mode: doomed.mode });
    expect(again.trigger.message).toBe(`retry of run ${doomed.number}`);
  });

  it('keep a cancel that lands while a step is running, and never start a step of a cancelled run', async () => {
    await api.pipelines.saveDefinition({
      service: 'support-bot',
      yaml: `stages:\n  - name: notify\n    steps:\n      - name: racy\n        type: webhook\n        inputs: { url: "${hookUrl}/cancel-then-answer", secret: hook-secret }\n      - name: after\n        type: webhook\n        inputs: { url: "${hookUrl}/b", secret: hook-secret }\n`,
    });
    const run = await api.pipelines.start({ service: 'support-bot' });
    onHookCancel = () => api.pipelines.cancel({ service: 'support-bot', number: run.number, reason: 'mid-step' });
    expect(await orchestrate(run.id, direct)).toEqual({ status: 'cancelled' });
    const view = await runOf(run.number);
    expect(view.status).toBe('cancelled');
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ['candidate', 'passed'],
      ['racy', 'cancelled'],
      ['after', 'cancelled'],
    ]);
    const { runStep } = await import('@/server/pipelines/execute');
    expect(await runStep(database.db, run.id, 2, { id: view.steps[0]!.id, number: 1 })).toEqual({ status: 'cancelled' });
    expect((await runOf(run.number)).steps[2]!.attempts).toBe(0);
  });

  it('refuse a webhook redirect to a denied address, and keep only the status and a short redacted excerpt of an answer', async () => {
    await api.pipelines.saveDefinition({
      service: 'support-bot',
      yaml: `stages:
  - name: notify
    steps:
      - name: bounced
        type: webhook
        continue-on-failure: true
        inputs: { url: "${hookUrl}/to-metadata", secret: hook-secret }
      - name: chatty
        type: webhook
        inputs: { url: "${hookUrl}/chatty", secret: hook-secret }
`,
    });
    hookStatus = 200;
    const run = await api.pipelines.start({ service: 'support-bot' });
    expect(await orchestrate(run.id, direct)).toEqual({ status: 'passed' });
    const [, bounced, chatty] = (await runOf(run.number)).steps;
    const refusal = 'outbound request to 169.254.169.254 refused: link-local address (set SLIPWAY_OUTBOUND_ALLOW to allow)';
    expect([bounced!.status, bounced!.error, bounced!.outputs]).toEqual(['failed', refusal, {}]);
    expect(JSON.stringify(bounced!.logs)).toContain(refusal);
    expect(chatty!.status).toBe('passed');
    const outputs = chatty!.outputs as { status: number; excerpt: string };
    expect(Object.keys(outputs).sort()).toEqual(['excerpt', 'status']);
    expect(outputs.status).toBe(200);
    expect(Array.from(outputs.excerpt).length).toBeLessThanOrEqual(200);
    expect(outputs.excerpt).toMatch(/^\{"ok":true,"access_token":\[redacted\],"note":"Bearer \[redacted\]/);
    expect(outputs.excerpt).not.toContain('tok-');
    // A literal denied address is refused where it is bound: the step's URL, a repository.
    const check = await api.pipelines.validate({ yaml: `stages:\n  - name: notify\n    steps:\n      - name: meta\n        type: webhook\n        inputs: { url: "http://169.254.169.254/hook", secret: hook-secret }\n` });
    expect(check.problems).toEqual([{ line: 6, path: 'stages[0].steps[0].inputs.url', message: 'outbound request to 169.254.169.254 refused: link-local address (set SLIPWAY_OUTBOUND_ALLOW to allow)' }]);
    expect(await failure(api.repositories.set({ service: 'support-bot', url: 'https://10.0.0.5/acme/support-bot.git' }))).toEqual({ code: 'BAD_REQUEST', message: 'url: outbound request to 10.0.0.5 refused: private address (set SLIPWAY_OUTBOUND_ALLOW to allow)' });
  });

  it('need a definition, and a viewer may watch but not start', async () => {
    await api.services.create({ name: 'no-pipeline' });
    expect((await failure(api.pipelines.start({ service: 'no-pipeline' })))?.message).toBe('no-pipeline has no pipeline yet; save one on the Pipelines page or with slipway pipelines define');
    const viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
    expect((await failure(viewer.pipelines.start({ service: 'support-bot' })))?.code).toBe('FORBIDDEN');
    expect((await viewer.pipelines.runs({ service: 'support-bot' })).items.length).toBeGreaterThan(3);
  });
});
