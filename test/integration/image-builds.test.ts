// Container builds against the real Docker engine and the local registry: a pipeline run builds a container model
// version from a repository commit with an artifact served over http and one from the repository, both verified
// by sha256 before they enter the image; the labels and the recorded digest; a wrong sha256 fails naming the file;
// the push to the registry is checked against its manifest, and the image pulls back by digest.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageBuilds, pipelineStepRuns } from '@/db/schema';
import { docker, followProgress } from '@/server/docker/docker';
import { nodeBaseImageRef } from '@/server/docker/base-image';
import { artifactLabelKey } from '@/server/pipelines/images/build';
import { settleManualBuilds } from '@/server/pipelines/images/manual';
import { latestBuiltImage } from '@/server/services/images';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { dockerForTests, TEST_REGISTRY } from '../helpers/docker';
import { initRepository } from '../helpers/git';
import { runPipelineHere } from '../helpers/inline-rollout';

const available = await dockerForTests();
const RUN = randomBytes(4).toString('hex');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const WEIGHTS = randomBytes(64 * 1024);
const PASSWORD = `PASSWORD-MUST-NOT-LEAK-${randomBytes(6).toString('hex')}`;
const TOKENIZER = Buffer.from(JSON.stringify({ vocab: ['a', 'b', RUN] }));
const CONFIG = `{"run":"${RUN}"}\n`;
const DOCKERFILE = `FROM ${nodeBaseImageRef()}\nCOPY server.mjs /app/\nCOPY models/ /app/models/\nUSER 1000:1000\nCMD ["/app/server.mjs"]\n`;

let database: TestDatabase;
let api: ReturnType<typeof callerFor>;
let tmp: string;
let commit: string;
let files: http.Server;
let filesUrl: string;
const made = new Set<string>();
/** Manifests pushed to the test registry, deleted afterwards (`repository@digest`). */
const pushed = new Set<string>();

const container = { build: { context: 'serving', dockerfile: 'Dockerfile' }, command: ['/app/server.mjs', '--port', '{port}'], port: 8000, healthPath: '/health', resources: { cpus: 1, memoryMb: 256 } };

describe.skipIf(!available)('container image builds', () => {
  beforeAll(async () => {
    database = await freshDatabase();
    api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
    files = http.createServer((req, res) => {
      if (req.url === '/weights.bin') return void res.writeHead(200, { 'content-length': WEIGHTS.length }).end(WEIGHTS);
      if (req.url === '/tokenizer.json') return void res.writeHead(200).end(TOKENIZER);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'slipway-images-test-'));
    const repo = await initRepository(path.join(tmp, 'imgbot.git'));
    commit = await repo.commit({ 'serving/Dockerfile': DOCKERFILE, 'serving/server.mjs': 'console.log("serving");\n', 'models/config.json': CONFIG }, 'serving image');
    await api.services.create({ name: 'imgbot' });
    await api.repositories.set({ service: 'imgbot', url: repo.dir });
    const artifacts = (weightsSha: string) => [
      { uri: `${filesUrl}/weights.bin`, sha256: weightsSha, sizeBytes: WEIGHTS.length, path: 'models/weights.bin' },
      { uri: 'repo:models/config.json', sha256: sha(CONFIG), sizeBytes: CONFIG.length, path: 'models/config.json' },
    ];
    const tokenizer = { uri: `${filesUrl}/tokenizer.json`, sha256: sha(TOKENIZER), path: 'models/tokenizer.json' };
    await api.models.register({ model: 'img-llm', providerKind: 'container', upstreamModel: 'ref-small', container, artifacts: artifacts(sha(WEIGHTS)), tokenizer });
    await api.models.register({ model: 'img-llm', providerKind: 'container', upstreamModel: 'ref-small', container, artifacts: artifacts('0'.repeat(64)), tokenizer });
    await api.releases.create({ service: 'imgbot', model: 'img-llm@1', gitSha: commit });
    await api.releases.create({ service: 'imgbot', model: 'img-llm@2', gitSha: commit });
    await api.secrets.create({ name: 'registry-login', purposes: ['registry_credentials'], value: `robot:${PASSWORD}` });
    await api.secrets.create({ name: 'hook-key', purposes: ['webhook_signing'], value: 'whsec_not_for_registries' });
    await api.pipelines.saveDefinition({
      service: 'imgbot',
      yaml: `branches:\n  - pattern: main\n    mode: evaluate\nstages:\n  - name: image\n    steps:\n      - name: build\n        type: build-image\n        inputs: { tag: "slipway-test/img-llm:${RUN}" }\n      - name: push\n        type: push-image\n        inputs: { registry: "${TEST_REGISTRY}/slipway-test-${RUN}", secret: registry-login }\n`,
    });
  });

  afterAll(async () => {
    const client = docker();
    for (const id of made) await client.getImage(id).remove({ force: true }).catch(() => undefined);
    for (const ref of pushed) {
      const [repository, digest] = ref.slice(TEST_REGISTRY.length + 1).split('@') as [string, string];
      await fetch(`http://${TEST_REGISTRY}/v2/${repository}/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined);
    }
    files?.closeAllConnections();
    await new Promise((r) => files?.close(r));
    await database?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('builds from the commit with every artifact verified, streams the log live, labels the image and pushes it', async () => {
    const run = await api.pipelines.start({ service: 'imgbot', release: 1, evaluateOnly: true });
    const done = runPipelineHere(database.db, run.id);
    // The build's lines reach the run page while the step is still running.
    let seenLive = false;
    for (let i = 0; i < 400 && !seenLive; i++) {
      const [step] = await database.db.select().from(pipelineStepRuns).where(and(eq(pipelineStepRuns.runId, run.id), eq(pipelineStepRuns.position, 1)));
      if (step?.status === 'running' && step.logs.some((l) => l.line.startsWith('verified models/weights.bin'))) seenLive = true;
      else if (step && step.status !== 'running' && step.status !== 'pending') break;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(await done).toEqual({ status: 'passed' });
    expect(seenLive).toBe(true);

    const view = await api.pipelines.run({ service: 'imgbot', number: run.number });
    const [build, push] = [view.steps[1]!, view.steps[2]!];
    expect(build.status).toBe('passed');
    const lines = build.logs.map((l) => l.line);
    expect(lines).toContain(`verified models/weights.bin: sha256 ${sha(WEIGHTS)} (${WEIGHTS.length} bytes)`);
    expect(lines).toContain(`verified models/config.json: sha256 ${sha(CONFIG)} (${CONFIG.length} bytes)`);
    expect(lines.some((l) => /^Step \d+\/\d+ : COPY models\//.test(l))).toBe(true);
    expect(lines.filter((l) => / : LABEL /.test(l))).toHaveLength(1);

    const builds = await api.images.list({ model: 'img-llm', version: 1 });
    expect(builds).toHaveLength(1);
    const b = builds[0]!;
    made.add(b.imageId!);
    expect(b).toMatchObject({ status: 'succeeded', sourceCommit: commit, stepName: 'build', pipelineRunNumber: run.number, tag: `slipway-test/img-llm:${RUN}`, log: null });
    expect(b.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.artifacts).toEqual([
      { uri: `${filesUrl}/weights.bin`, path: 'models/weights.bin', sha256: sha(WEIGHTS), sizeBytes: WEIGHTS.length },
      { uri: 'repo:models/config.json', path: 'models/config.json', sha256: sha(CONFIG), sizeBytes: CONFIG.length },
      { uri: `${filesUrl}/tokenizer.json`, path: 'models/tokenizer.json', sha256: sha(TOKENIZER), sizeBytes: TOKENIZER.length },
    ]);

    // What the engine holds: the recorded id and size, the labels naming the source and every digest.
    const info = await docker().getImage(`slipway-test/img-llm:${RUN}`).inspect();
    expect(info.Id).toBe(b.imageId);
    expect(info.Size).toBe(b.sizeBytes);
    const labels = info.Config.Labels!;
    expect(labels).toMatchObject({
      'org.opencontainers.image.revision': commit,
      'org.opencontainers.image.source': path.join(tmp, 'imgbot.git'),
      'org.slipway.model-version': 'img-llm@1',
      [artifactLabelKey('models/weights.bin')]: sha(WEIGHTS),
      'org.slipway.artifact.models-config.json.sha256': sha(CONFIG),
      'org.slipway.tokenizer.sha256': sha(TOKENIZER),
    });
    expect(labels['org.slipway.base-images']).toMatch(new RegExp(`^${nodeBaseImageRef().replace(/[.:/]/g, '\\$&')}@sha256:[0-9a-f]{64}$`));
    expect(b.labels).toEqual(labels);

    // Pushed, and the registry's manifest names the built image's config.
    expect(push.status).toBe('passed');
    const name = `${TEST_REGISTRY}/slipway-test-${RUN}/img-llm`;
    expect(push.outputs).toMatchObject({ image: b.imageId, pushedRef: expect.stringMatching(new RegExp(`^${name.replace(/[.:/]/g, '\\$&')}@sha256:[0-9a-f]{64}$`)) });
    const full = await api.images.get({ id: b.id });
    pushed.add(full.pushedRef!);
    expect(full.pushedRef).toBe(push.outputs.pushedRef);
    expect(full.pushedDigest).toBe(String(push.outputs.pushedRef).split('@')[1]);
    expect(full.log).toContain(`verified ${full.pushedRef}: its config is ${b.imageId}`);
    expect(await latestBuiltImage(database.db, b.modelVersionId)).toMatchObject({ buildId: b.id, imageId: b.imageId, pushedRef: full.pushedRef });
    // The credentials went to the engine only: never into the run, its logs and outputs, or the build's record.
    expect(push.logs.map((l) => l.line)).toContain(`pushing ${b.imageId} as ${name}:v1-${commit.slice(0, 12)} (as robot)`);
    expect(JSON.stringify(view)).not.toContain(PASSWORD);
    expect(JSON.stringify(full)).not.toContain(PASSWORD);

    // Pulled back by digest into a clean engine state: the same image.
    const client = docker();
    await client.getImage(b.imageId!).remove({ force: true });
    await expect(client.getImage(b.imageId!).inspect()).rejects.toThrow(/no such image/i);
    const pull = await client.pull(full.pushedRef!);
    const messages = await followProgress(pull, () => {});
    expect(messages.find((m) => m.error)).toBeUndefined();
    expect((await client.getImage(full.pushedRef!).inspect()).Id).toBe(b.imageId);
  });

  it('refuses registry credentials from a secret of another purpose when the pipeline is saved', async () => {
    const yaml = `stages:\n  - name: image\n    steps:\n      - name: push\n        type: push-image\n        inputs: { registry: "${TEST_REGISTRY}/x", secret: hook-key }\n`;
    await expect(api.pipelines.saveDefinition({ service: 'imgbot', yaml })).rejects.toThrow(
      'stages.image.push.inputs.secret: secret "hook-key" is not for image registry credentials (its purposes: webhook signing); add the purpose under Settings → Secrets or name another secret',
    );
  });

  it('fails a build whose artifact does not match its sha256, naming the file and both digests', async () => {
    const run = await api.pipelines.start({ service: 'imgbot', release: 2, evaluateOnly: true });
    expect(await runPipelineHere(database.db, run.id)).toEqual({ status: 'failed' });
    const view = await api.pipelines.run({ service: 'imgbot', number: run.number });
    const expected = `artifacts.0 (models/weights.bin): sha256 mismatch for ${filesUrl}/weights.bin: expected ${'0'.repeat(64)}, got ${sha(WEIGHTS)}; nothing was built`;
    expect(view.steps[1]).toMatchObject({ status: 'failed', error: expected });
    expect(view.steps[2]!.status).toBe('skipped');
    const [b] = await api.images.list({ model: 'img-llm', version: 2 });
    expect(b).toMatchObject({ status: 'failed', error: expected, imageId: null });
    expect(await latestBuiltImage(database.db, b!.modelVersionId)).toBeNull();
  });

  it('builds by hand from a commit with models:write, refusing what cannot be built', async () => {
    const viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
    await expect(viewer.images.build({ modelVersion: 'img-llm@1', service: 'imgbot', ref: commit })).rejects.toThrow(/needs models:write/);
    expect(await viewer.images.list({ model: 'img-llm', version: 1 })).toHaveLength(1);
    await expect(api.images.build({ modelVersion: 'img-llm@1', service: 'imgbot', ref: 'main' })).rejects.toThrow(/ref/);
    await api.models.register({ model: 'img-endpoint', providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:4010/v1', upstreamModel: 'x' });
    await expect(api.images.build({ modelVersion: 'img-endpoint@1', service: 'imgbot', ref: commit })).rejects.toThrow(/only container model versions are built/);

    const started = await api.images.build({ modelVersion: 'img-llm@1', service: 'imgbot', ref: commit, tag: `slipway-test/img-llm:${RUN}-manual` });
    expect(started).toMatchObject({ status: 'queued', stepName: 'manual', pipelineRunNumber: null });
    await settleManualBuilds();
    const done = await api.images.get({ id: started.id });
    made.add(done.imageId!);
    expect(done).toMatchObject({ status: 'succeeded', sourceCommit: commit });
    expect(done.labels['org.slipway.model-version']).toBe('img-llm@1');
    expect(await latestBuiltImage(database.db, done.modelVersionId)).toMatchObject({ buildId: done.id });
    expect(await database.db.select().from(imageBuilds).where(eq(imageBuilds.modelVersionId, done.modelVersionId))).toHaveLength(2);
  });
});
