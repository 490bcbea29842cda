// From a signed push to a tested and deployed candidate, in the built app: a generic webhook for a commit of a
// real git repository starts a pipeline run; the run builds a release candidate from the commit's slipway.yaml and
// runs its steps on the embedded executor; killed mid-step, the app finishes the run after a restart without
// repeating the steps that had completed, and its deploy step rolls the candidate out to dev.
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { startServer, type RunningServer } from './server';

const SERVICE = 'hooked-bot';
const WEBHOOK_SECRET = `whsec_${randomBytes(12).toString('hex')}`;
let repo: string;
let commit: string;
let hook: http.Server;
let hookUrl: string;
let hookCalls = 0;
let releaseHook: () => void = () => undefined;
const hookReleased = new Promise<void>((r) => (releaseHook = r));
const servers: RunningServer[] = [];

const api = (s: RunningServer) =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${s.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${s.bootstrapToken}` } })] });

async function until<T>(probe: () => Promise<T | null | false | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 'Ana', GIT_AUTHOR_EMAIL: 'ana@example.test', GIT_COMMITTER_NAME: 'Ana', GIT_COMMITTER_EMAIL: 'ana@example.test' } }).toString().trim();

beforeAll(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'slipway-repo-'));
  git('init', '-q', '-b', 'main');
  await writeFile(
    path.join(repo, 'slipway.yaml'),
    `service:
  name: ${SERVICE}
prompts:
  - name: answer
    messages:
      - { role: system, content: "You answer questions about {{product}}." }
      - { role: user, content: "{{question}}" }
    variables:
      - { name: product, default: Acme Cloud, required: false }
      - { name: question }
models:
  - model: hooked-llm
    providerKind: openai-compatible
    baseUrl: http://127.0.0.1:4010/v1
    upstreamModel: ref-small
`,
  );
  git('add', '.');
  git('commit', '-q', '-m', 'first prompt');
  commit = git('rev-parse', 'HEAD');

  hook = http.createServer((req, res) => {
    req.resume();
    hookCalls += 1;
    void hookReleased.then(() => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notify`;
});

afterAll(async () => {
  releaseHook();
  hook?.closeAllConnections();
  await new Promise((r) => hook?.close(r));
  for (const s of servers.reverse()) await s.stop().catch(() => undefined);
  await rm(repo, { recursive: true, force: true });
});

function signedDelivery(url: string, body: object, delivery: string) {
  const text = JSON.stringify(body);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${text}`).digest('hex');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slipway-signature': `t=${t},v1=${v1}`, 'x-slipway-delivery': delivery }, body: text });
}

describe('a signed push', () => {
  it('builds a candidate from the commit, runs the pipeline on the embedded executor, and survives a restart mid-run', async () => {
    const first = await startServer();
    servers.push(first);
    const a = api(first);
    await a.services.create.mutate({ name: SERVICE });
    await a.secrets.create.mutate({ name: 'repo-hook', kind: 'webhook_secret', value: WEBHOOK_SECRET });
    await a.repositories.set.mutate({ service: SERVICE, url: repo, webhookSecret: 'repo-hook' });
    await a.pipelines.saveDefinition.mutate({
      service: SERVICE,
      yaml: `branches:
  - pattern: main
    mode: deploy
    environment: dev
stages:
  - name: check
    steps:
      - name: config
        type: validate-config
  - name: deliver
    steps:
      - name: notify
        type: webhook
        inputs: { url: "${hookUrl}", secret: repo-hook }
      - name: deploy
        type: deploy
`,
    });

    const url = `${first.url}/api/webhooks/generic/${SERVICE}`;
    const bad = await fetch(url, { method: 'POST', headers: { 'x-slipway-signature': 't=1,v1=00', 'x-slipway-delivery': 'x' }, body: '{}' });
    expect(bad.status).toBe(401);
    const delivered = await signedDelivery(url, { branch: 'main', commit, author: 'ana', message: 'first prompt' }, 'push-1');
    expect(delivered.status).toBe(202);
    const replay = await signedDelivery(url, { branch: 'main', commit, author: 'ana', message: 'first prompt' }, 'push-1');
    expect(await replay.json()).toMatchObject({ duplicate: true });

    // The run builds its candidate, passes the config check, then waits on the held webhook.
    const held = await until(async () => {
      const run = await a.pipelines.run.query({ service: SERVICE, number: 1 });
      return run.steps.find((s) => s.name === 'notify')?.status === 'running' ? run : null;
    }, 60_000, 'the webhook step to start');
    expect(held).toMatchObject({ status: 'running', mode: 'deploy', targetEnvironment: 'dev', trigger: { kind: 'webhook', provider: 'generic', branch: 'main', commit } });
    expect(held.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['candidate:passed', 'config:passed', 'notify:running', 'deploy:pending']);
    const release = await a.releases.get.query({ service: SERVICE, number: held.releaseNumber! });
    expect(release).toMatchObject({ source: 'pipeline', gitSha: commit, model: { ref: 'hooked-llm@1' } });
    expect(release.prompts.map((p) => p.ref)).toEqual(['answer@1']);

    await first.kill();
    expect(hookCalls).toBe(1);
    const second = await startServer({}, { dataDir: first.dataDir, databaseUrl: first.databaseUrl ?? undefined });
    servers.push(second);
    const b = api(second);
    // The interrupted webhook step runs again once the run resumes (after the dead process's lease on PostgreSQL).
    await until(async () => hookCalls >= 2, 60_000, 'the interrupted step to run again');
    releaseHook();
    const done = await until(async () => {
      const run = await b.pipelines.run.query({ service: SERVICE, number: 1 });
      return run.status === 'passed' || run.status === 'failed' ? run : null;
    }, 30_000, 'the run to end');
    expect(done.status).toBe('passed');
    expect(done.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['candidate', 'passed', 1],
      ['config', 'passed', 1],
      ['notify', 'passed', 2],
      ['deploy', 'passed', 1],
    ]);
    const env = await b.environments.get.query({ service: SERVICE, environment: 'dev' });
    expect(env.current?.routes.map((r) => r.releaseNumber)).toEqual([done.releaseNumber]);
    // The deploy step went through the release flow: a rollout of the candidate built from the push's branch, whose
    // one switch (the first deploy into dev) wrote the history entry.
    expect(env.current).toMatchObject({ kind: 'deploy', actorLabel: `system:rollout:${SERVICE}/dev#1`, reason: `rollout 1 step 1 of 1: switch all traffic to #${done.releaseNumber}` });
    expect(done.steps.find((s) => s.name === 'deploy')!.outputs).toMatchObject({ environment: 'dev', release: done.releaseNumber, rollout: 1 });
    const rollout = await b.rollouts.get.query({ service: SERVICE, environment: 'dev', number: 1 });
    expect(rollout).toMatchObject({ status: 'succeeded', branch: 'main', pipelineRun: 1, requestedBy: `system:pipeline:${SERVICE}#1`, release: { number: done.releaseNumber } });
    expect(rollout.events.find((e) => e.kind === 'requested')?.data).toMatchObject({ reason: `pipeline run 1 at ${commit.slice(0, 7)}` });
  }, 180_000);
});
