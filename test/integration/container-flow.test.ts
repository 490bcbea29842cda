// The container path a new user takes, end to end on the real Docker engine and the local registry: a container
// model version registered with a build context in the service's repository (the reference model server and a
// pinned artifact), one pipeline run that builds and pushes its image, load-tests it in staging against the release
// serving there (the candidate started beside it, without traffic), deploys it to staging and promotes it to
// production; the gateway answers from the candidate's container, which runs the image the registry holds.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerInstances, environments, loadTests } from '@/db/schema';
import { docker } from '@/server/docker/docker';
import { nodeBaseImageRef } from '@/server/docker/base-image';
import { referenceModelDockerfile } from '@/server/docker/reference-image';
import { Gateway } from '@/server/gateway/handler';
import { setLocalGatewayOrigin } from '@/server/gateway/local';
import { reconcileContainers } from '@/server/services/containers/reconcile';
import { DEFAULT_ANALYSIS } from '@/server/services/environments/settings';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { dockerForTests, referenceModelFiles, referenceModelImage, TEST_REGISTRY } from '../helpers/docker';
import { withoutGates } from '../helpers/gates';
import { initRepository } from '../helpers/git';
import { inlineRollout, runPipelineHere } from '../helpers/inline-rollout';

const available = await dockerForTests();
const RUN = randomBytes(4).toString('hex');
const S = `flow-${RUN}`;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const TOKENIZER = Buffer.from(JSON.stringify({ vocab: ['hello', 'world', RUN] }));

let database: TestDatabase;
let api: ReturnType<typeof callerFor>;
let tmp: string;
let files: http.Server;
let gateway: Gateway;
let gatewayServer: http.Server;
let gatewayUrl: string;
let key: string;
const pushed: string[] = [];

const serving = { command: ['--port', '{port}'], port: 8000, healthPath: '/health', env: {}, resources: { cpus: null, memoryMb: 256 } };
// Analysis judges the candidate on the traffic the test keeps sending while it rolls out (a few requests suffice).
const rollout = { strategy: 'blue-green' as const, bakeMinutes: 0, rollbackWindowMinutes: 0.05, autoRollback: true, analysis: { ...DEFAULT_ANALYSIS, minSamples: 3, intervalSeconds: 1 } };

/** One chat request through an environment's gateway: its status and the model that answered. */
async function ask(environment: string): Promise<{ status: number; model?: string; error?: string }> {
  const res = await fetch(`${gatewayUrl}/gw/${S}/${environment}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'any', messages: [{ role: 'user', content: 'How do I reset my password?' }] }),
  });
  const body = (await res.json()) as { model?: string; error?: { message?: string } };
  return res.status === 200 ? { status: 200, model: body.model } : { status: res.status, error: body.error?.message };
}

describe.skipIf(!available)('a container model version from the repository to production', () => {
  beforeAll(async () => {
    database = await freshDatabase();
    api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
    files = http.createServer((req, res) => void (req.url === '/tokenizer.json' ? res.writeHead(200).end(TOKENIZER) : res.writeHead(404).end()));
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    const filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

    // The service's repository holds the serving code: the reference model server as a build context.
    tmp = await mkdtemp(path.join(os.tmpdir(), 'slipway-flow-test-'));
    const repo = await initRepository(path.join(tmp, 'flow.git'));
    const bundle = await referenceModelFiles();
    const commit = await repo.commit(
      {
        'serving/Dockerfile': referenceModelDockerfile(nodeBaseImageRef()).replace('COPY reference-model.mjs models.yaml /app/', 'COPY reference-model.mjs models.yaml tokenizer.json /app/'),
        'serving/reference-model.mjs': bundle.bundle.toString('utf8'),
        'serving/models.yaml': bundle.modelsYaml.toString('utf8'),
      },
      'serve the model',
    );
    await api.services.create({ name: S });
    await api.repositories.set({ service: S, url: repo.dir });
    await withoutGates(api, S);
    for (const environment of ['staging', 'production']) {
      await api.environments.update({ service: S, environment, rollout, runtime: { kind: 'docker', replicas: 1, healthTimeoutSeconds: 30 } });
    }
    await database.db.update(environments).set({ protection: { requiredApprovals: 0, preventSelfApproval: false, allowedBranches: [], waitTimerMinutes: 0, requiredGates: [] } }).where(eq(environments.name, 'production'));

    // The release staging serves now: the same server from an image already on the engine, pinned by its id.
    const stableImage = await referenceModelImage();
    await api.models.register({ model: 'flow-llm', providerKind: 'container', upstreamModel: 'ref-small', imageRef: stableImage, container: { build: null, ...serving } });
    // The candidate: built from the repository, its tokenizer fetched and checked against its sha256.
    await api.models.register({
      model: 'flow-llm',
      providerKind: 'container',
      upstreamModel: 'ref-small-v2',
      container: { build: { context: 'serving', dockerfile: 'Dockerfile' }, ...serving },
      tokenizer: { uri: `${filesUrl}/tokenizer.json`, sha256: sha(TOKENIZER), path: 'tokenizer.json' },
    });
    await api.releases.create({ service: S, model: 'flow-llm@1' });
    await api.releases.create({ service: S, model: 'flow-llm@2', gitSha: commit });
    const first = await api.rollouts.promote({ service: S, environment: 'staging', release: 1 });
    await inlineRollout(database.db)(first.id, 0);

    await api.pipelines.saveDefinition({
      service: S,
      yaml: [
        'stages:',
        '  - name: image',
        '    steps:',
        '      - { name: build, type: build-image }',
        `      - { name: push, type: push-image, inputs: { registry: "${TEST_REGISTRY}/slipway-test-${RUN}" } }`,
        '  - name: staging',
        '    steps:',
        '      - name: load',
        '        type: load-test',
        '        inputs: { environment: staging, ratePerSecond: 6, durationSeconds: 5, segmentSeconds: 0.5, minSamples: 10, maxLatencyRatio: 2, maxTtftRatio: 3, stream: mixed }',
        '      - { name: deploy-staging, type: deploy, inputs: { environment: staging } }',
        '  - name: production',
        '    steps:',
        '      - { name: promote, type: deploy, inputs: { environment: production } }',
        '',
      ].join('\n'),
    });

    key = (await api.gatewayKeys.create({ service: S, name: 'app' })).key;
    gateway = new Gateway({ db: database.db, databaseUrl: database.url, listen: database.listen, pollIntervalMs: 200, telemetry: { flushIntervalMs: 50 } });
    await gateway.start();
    gatewayServer = http.createServer(gateway.handle);
    await new Promise<void>((r) => gatewayServer.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}`;
    setLocalGatewayOrigin(gatewayUrl);
  }, 240_000);

  afterAll(async () => {
    setLocalGatewayOrigin(null);
    gatewayServer?.closeAllConnections();
    await new Promise((r) => gatewayServer?.close(r));
    await gateway?.close();
    if (database) {
      // Every container this service ran is removed with its environment's rows.
      const live = await database.db.select().from(containerInstances).where(isNull(containerInstances.removedAt));
      const client = docker();
      for (const row of live) if (row.containerId) await client.getContainer(row.containerId).remove({ force: true }).catch(() => undefined);
      for (const b of await api.images.list({ model: 'flow-llm', version: 2 }).catch(() => [])) if (b.imageId) await client.getImage(b.imageId).remove({ force: true }).catch(() => undefined);
    }
    for (const ref of pushed) {
      const [repository, digest] = ref.slice(TEST_REGISTRY.length + 1).split('@') as [string, string];
      await fetch(`http://${TEST_REGISTRY}/v2/${repository}/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined);
    }
    files?.closeAllConnections();
    await new Promise((r) => files?.close(r));
    await database?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 120_000);

  it('builds, pushes, load-tests against stable, deploys to staging and promotes to production', async () => {
    expect(await ask('staging')).toEqual({ status: 200, model: 'ref-small' });
    // An application keeps calling both environments while the pipeline runs.
    const seen: Record<string, { status: number; model?: string; error?: string }[]> = { staging: [], production: [] };
    let calling = true;
    const traffic = (async () => {
      while (calling) {
        for (const environment of ['staging', 'production']) seen[environment]!.push(await ask(environment).catch(() => ({ status: 0 })));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const run = await api.pipelines.start({ service: S, release: 2, environment: 'staging' });
    const outcome = await runPipelineHere(database.db, run.id).finally(() => (calling = false));
    await traffic;
    const why = async () => JSON.stringify((await api.pipelines.run({ service: S, number: run.number })).steps.map((s) => [s.name, s.status, s.error]));
    expect(outcome, outcome.status === 'passed' ? '' : await why()).toEqual({ status: 'passed' });
    // Staging answered throughout, from #1 and then #2 (the reference models fail 0.5–1% of requests on purpose).
    const staging = seen.staging!;
    expect(staging.filter((r) => r.status !== 200).length).toBeLessThanOrEqual(Math.max(1, Math.ceil(staging.length * 0.03)));
    expect(staging.at(0)!.model).toBe('ref-small');
    expect(staging.at(-1)).toEqual({ status: 200, model: 'ref-small-v2' });
    const view = await api.pipelines.run({ service: S, number: run.number });
    const steps = Object.fromEntries(view.steps.map((s) => [s.name, s]));
    expect(Object.fromEntries(view.steps.map((s) => [s.name, s.status]))).toMatchObject({ build: 'passed', push: 'passed', load: 'passed', 'deploy-staging': 'passed', promote: 'passed' });
    expect(steps.build!.logs.map((l) => l.line)).toContain(`verified tokenizer.json: sha256 ${sha(TOKENIZER)} (${TOKENIZER.length} bytes)`);

    // The build is recorded on the version, pushed under a digest the registry serves.
    const [build] = await api.images.list({ model: 'flow-llm', version: 2 });
    expect(build).toMatchObject({ status: 'succeeded', pipelineRunNumber: run.number });
    pushed.push(build!.pushedRef!);
    expect(build!.pushedRef).toMatch(new RegExp(`^${TEST_REGISTRY.replace(/[.:]/g, '\\$&')}/slipway-test-${RUN}/flow-llm@sha256:[0-9a-f]{64}$`));
    expect(build!.labels['org.slipway.model-version']).toBe('flow-llm@2');

    // The load test ran the candidate beside the serving release and compared the two.
    const [test] = await database.db.select().from(loadTests).where(eq(loadTests.pipelineRunId, run.id));
    expect(test).toMatchObject({ status: 'passed', environment: 'staging' });
    expect(test!.results!.candidate).toMatchObject({ releaseNumber: 2 });
    expect(test!.results!.baseline).toMatchObject({ releaseNumber: 1 });
    expect(test!.results!.candidate.completed).toBeGreaterThanOrEqual(10);

    // Both environments answer from the candidate's container, which runs the pushed image.
    expect(await ask('staging')).toEqual({ status: 200, model: 'ref-small-v2' });
    expect(await ask('production')).toEqual({ status: 200, model: 'ref-small-v2' });
    const [prodEnv] = await database.db.select().from(environments).where(eq(environments.name, 'production'));
    const [replica] = await database.db.select().from(containerInstances).where(and(eq(containerInstances.environmentId, prodEnv!.id), isNull(containerInstances.removedAt)));
    expect(replica!.image).toBe(build!.pushedRef);
    const inspected = await docker().getContainer(replica!.containerId!).inspect();
    expect(inspected.Image).toBe(build!.imageId);

    // Staging's old release is removed once its rollback window has passed.
    await new Promise((r) => setTimeout(r, 3_500));
    await reconcileContainers(database.db);
    const [stagingEnv] = await database.db.select().from(environments).where(eq(environments.name, 'staging'));
    const left = await database.db.select().from(containerInstances).where(and(eq(containerInstances.environmentId, stagingEnv!.id), isNull(containerInstances.removedAt)));
    expect(new Set(left.map((r) => r.releaseId)).size).toBe(1);
  }, 300_000);
});
