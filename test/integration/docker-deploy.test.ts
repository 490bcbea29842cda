// The Docker deploy target on a real engine: container releases start as health-checked replicas before any
// routing change, the gateway reaches the right containers, a blue-green rollback inside the window goes back to
// the still-running old slot, slots are removed after the window, a replica that never gets healthy fails the
// step and leaves nothing, and reconcile after a crash removes or replaces what the rows and the engine disagree on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerInstances, models, modelVersions, type ContainerSpec } from '@/db/schema';
import { createRolloutRun } from '@/inngest/functions/rollout-run';
import { docker } from '@/server/docker/docker';
import { Gateway } from '@/server/gateway/handler';
import { rolloutDispatcherFor } from '@/server/rollouts/connect';
import { LABEL_ENVIRONMENT, LABEL_MANAGED, LABEL_RELEASE, launchReplica } from '@/server/services/containers/engine';
import { reconcileContainers } from '@/server/services/containers/reconcile';
import { DEFAULT_ANALYSIS } from '@/server/services/environments/settings';
import { setRolloutDispatcher } from '@/server/services/rollouts/dispatch';
import { callerFor, makeUser } from '../helpers/actors';
import { dockerForTests, referenceModelImage } from '../helpers/docker';
import { startHarness, type Harness } from '../helpers/executor';

const hasDocker = await dockerForTests();
const S = 'ctr-svc';
const E = 'dev';

let h: Harness;
let api: ReturnType<typeof callerFor>;
let gateway: Gateway;
let server: http.Server;
let base: string;
let key: string;
let envId: string;
const releaseIds: Record<number, string> = {};

const spec = (healthPath = '/health'): ContainerSpec => ({ build: null, command: ['--port', '{port}'], port: 8000, healthPath, env: {}, resources: { cpus: null, memoryMb: 256 } });

/** Our containers on the engine (this environment's label only). */
async function engineContainers(releaseId?: string) {
  const list = await docker().listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_ENVIRONMENT}=${envId}`] } });
  return list.filter((c) => !releaseId || c.Labels[LABEL_RELEASE] === releaseId);
}

const live = (releaseId: string) =>
  h.database.db
    .select()
    .from(containerInstances)
    .where(and(eq(containerInstances.releaseId, releaseId), isNull(containerInstances.removedAt)));

async function ask(): Promise<{ status: number; model?: string; message?: string }> {
  const res = await fetch(`${base}/gw/${S}/${E}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], max_tokens: 8 }) });
  const body = (await res.json()) as { model?: string; error?: { message: string } };
  return { status: res.status, model: body.model, message: body.error?.message };
}

async function settled(number: number, timeoutMs = 30_000) {
  return h.until(
    async () => {
      const r = await api.rollouts.get({ service: S, environment: E, number });
      return ['succeeded', 'rolled-back', 'aborted', 'failed'].includes(r.status) ? r : undefined;
    },
    timeoutMs,
    `rollout ${number} to end`,
  );
}

const routes = async () => (await api.environments.get({ service: S, environment: E })).current?.routes.filter((r) => r.weight > 0).map((r) => [r.releaseNumber, r.weight]);

describe.skipIf(!hasDocker)('Docker deploy target', () => {
  beforeAll(async () => {
    h = await startHarness((inngest) => [createRolloutRun(inngest, async () => h.database.db)]);
    setRolloutDispatcher(rolloutDispatcherFor(h.inngest, h.database.db));
    const db = h.database.db;
    api = callerFor(db, await makeUser(db, { role: 'admin' }));
    const imageId = await referenceModelImage();
    await api.services.create({ name: S });
    const [model] = await db.insert(models).values({ name: 'ref-container', createdBy: 'test' }).returning();
    const versions: [string, string][] = [
      ['ref-small', '/health'],
      ['ref-small-v2', '/health'],
      ['ref-small', '/never-healthy'],
    ];
    for (const [i, [upstream, health]] of versions.entries()) {
      await db.insert(modelVersions).values({
        modelId: model!.id,
        version: i + 1,
        providerKind: 'container',
        upstreamModel: upstream,
        imageRef: `slipway-test/reference-model@${imageId}`,
        container: spec(health),
        lineage: { gitRepository: null, gitCommit: null, pipelineRunId: null, trainingRunUri: null },
        createdBy: 'test',
      });
      const r = await api.releases.create({ service: S, model: `ref-container@${i + 1}` });
      releaseIds[r.number] = r.id;
    }
    const env = await api.environments.update({
      service: S,
      environment: E,
      rollout: { strategy: 'blue-green', bakeMinutes: 0, rollbackWindowMinutes: 0.05, autoRollback: false, analysis: DEFAULT_ANALYSIS },
      runtime: { kind: 'docker', replicas: 2, healthTimeoutSeconds: 20 },
    });
    envId = env.id;
    key = (await api.gatewayKeys.create({ service: S, name: 'app' })).key;
    gateway = new Gateway({ db, databaseUrl: h.database.url, listen: h.database.listen, pollIntervalMs: 200 });
    await gateway.start();
    server = http.createServer(gateway.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await gateway?.close();
    setRolloutDispatcher(undefined);
    // Everything this file started, whatever state a failure left it in.
    if (envId) for (const c of await engineContainers()) await docker().getContainer(c.Id).remove({ force: true });
    await h?.close();
  });

  it('rejects a bad runtime naming the field, and changes nothing', async () => {
    await expect(api.environments.update({ service: S, environment: E, runtime: { kind: 'docker', replicas: 9, healthTimeoutSeconds: 20 } })).rejects.toThrow(/replicas.*must be 1 to 8/s);
    expect((await api.environments.get({ service: S, environment: E })).runtime).toMatchObject({ kind: 'docker', replicas: 2 });
  });

  it('blue-green: replicas healthy before traffic, gateway to the right slot, rollback inside the window, cleanup after it', async () => {
    const first = await api.rollouts.promote({ service: S, environment: E, release: 1 });
    expect((await settled(first.number)).status).toBe('succeeded');
    const blue = await live(releaseIds[1]!);
    expect(blue.map((r) => [r.slot, r.state, r.health])).toEqual([
      ['blue', 'running', 'healthy'],
      ['blue', 'running', 'healthy'],
    ]);
    await h.until(async () => (await ask()).model === 'ref-small', 5_000, 'the gateway to reach #1');

    const second = await api.rollouts.promote({ service: S, environment: E, release: 2 });
    await h.until(async () => JSON.stringify(await routes()) === JSON.stringify([[2, 100]]), 30_000, 'the switch to #2');
    const green = await live(releaseIds[2]!);
    expect(green.map((r) => [r.slot, r.health])).toEqual([
      ['green', 'healthy'],
      ['green', 'healthy'],
    ]);
    await h.until(async () => (await ask()).model === 'ref-small-v2', 5_000, 'the gateway to reach #2');
    // Both replicas take requests in turn.
    const answers = await Promise.all([ask(), ask(), ask(), ask()]);
    expect(answers.every((a) => a.model === 'ref-small-v2')).toBe(true);

    // Inside the window: back to the old slot at once, the same containers still running.
    await api.rollouts.rollback({ service: S, environment: E, reason: 'test' });
    expect((await settled(second.number)).status).toBe('rolled-back');
    await h.until(async () => (await ask()).model === 'ref-small', 3_000, 'the gateway back on #1');
    expect((await live(releaseIds[1]!)).map((r) => r.containerId).sort()).toEqual(blue.map((r) => r.containerId).sort());

    // #2 lost its traffic at the rollback: kept for the window (3 s), then removed.
    await reconcileContainers(h.database.db);
    expect((await live(releaseIds[2]!)).every((r) => r.expiresAt)).toBe(true);
    expect(await engineContainers(releaseIds[2])).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 3_500));
    await reconcileContainers(h.database.db);
    expect(await live(releaseIds[2]!)).toEqual([]);
    expect(await engineContainers(releaseIds[2])).toEqual([]);

    // Once more, through to the end: the old slot goes after the window.
    const third = await api.rollouts.promote({ service: S, environment: E, release: 2 });
    await h.until(async () => JSON.stringify(await routes()) === JSON.stringify([[2, 100]]), 30_000, 'the switch to #2 again');
    await api.rollouts.promoteNow({ service: S, environment: E, number: third.number });
    expect((await settled(third.number)).status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 3_500));
    await reconcileContainers(h.database.db);
    expect(await live(releaseIds[1]!)).toEqual([]);
    expect(await engineContainers(releaseIds[1])).toEqual([]);
    expect((await ask()).model).toBe('ref-small-v2');
    const listed = await api.containers.list({ service: S, environment: E });
    expect(listed.releases).toMatchObject([{ releaseNumber: 2, slot: 'green', replicas: [{ state: 'running', health: 'healthy' }, { state: 'running', health: 'healthy' }] }]);
    const stats = await api.containers.stats({ service: S, environment: E });
    expect(Object.values(stats.stats)[0]).toMatchObject({ memoryBytes: expect.any(Number) });
    const logs = await api.containers.logs({ service: S, environment: E, instance: listed.releases[0]!.replicas[0]!.id });
    expect(logs.text.length).toBeGreaterThan(0);
  }, 90_000);

  it('a replica that never gets healthy fails the step and leaves nothing', async () => {
    await api.environments.update({ service: S, environment: E, runtime: { kind: 'docker', replicas: 2, healthTimeoutSeconds: 12 } });
    const r = await api.rollouts.promote({ service: S, environment: E, release: 3 });
    const ended = await settled(r.number).finally(() => api.environments.update({ service: S, environment: E, runtime: { kind: 'docker', replicas: 2, healthTimeoutSeconds: 20 } }));
    expect(ended.status).toBe('failed');
    expect(ended.reason).toMatch(/replicas of #3 in dev did not become healthy: replica 1 \(port \d+\): GET \/never-healthy on port \d+ (answered 404|got no answer) within 12 s/);
    expect(await live(releaseIds[3]!)).toEqual([]);
    expect(await engineContainers(releaseIds[3])).toEqual([]);
    expect(await routes()).toEqual([[2, 100]]);
  }, 30_000);

  it('reconcile after a crash: unknown containers removed, dead and vanished replicas replaced', async () => {
    const before = await live(releaseIds[2]!);
    // What a crash leaves: a labelled container no row knows (killed between create and record) …
    const [one, two] = before;
    await launchReplica(docker(), { instanceId: randomUUID(), environmentId: envId, releaseId: releaseIds[2]!, name: `slipway-orphan-${randomUUID()}`, image: one!.image, hostPort: 20999, spec: spec() });
    // … a removal cut short (the row says removing, its container still runs) …
    const [stuck] = await h.database.db
      .insert(containerInstances)
      .values({ environmentId: envId, releaseId: releaseIds[1]!, modelVersionId: one!.modelVersionId, slot: 'green', replica: 0, image: one!.image, containerName: `slipway-stuck-${randomUUID()}`, hostPort: 20998, state: 'removing' })
      .returning();
    const stuckId = await launchReplica(docker(), { instanceId: stuck!.id, environmentId: envId, releaseId: releaseIds[1]!, name: stuck!.containerName, image: one!.image, hostPort: 20998, spec: spec() });
    await h.database.db.update(containerInstances).set({ containerId: stuckId }).where(eq(containerInstances.id, stuck!.id));
    // … a replica that died, and one whose container is gone altogether.
    await docker().getContainer(one!.containerId!).kill();
    await docker().getContainer(two!.containerId!).remove({ force: true });
    const report = await reconcileContainers(h.database.db, { startup: true });
    expect(report).toMatchObject({ removedContainers: 1, expired: 1, replaced: 2, started: 2, problems: [] });
    expect(await live(releaseIds[1]!)).toEqual([]);
    const after = await live(releaseIds[2]!);
    expect(after.map((r) => [r.state, r.health, r.restarts])).toEqual([
      ['running', 'healthy', 1],
      ['running', 'healthy', 1],
    ]);
    expect(after.map((r) => r.hostPort)).toEqual(before.map((r) => r.hostPort));
    expect((await engineContainers()).map((c) => c.Id).sort()).toEqual(after.map((r) => r.containerId).sort());
    await h.until(async () => (await ask()).model === 'ref-small-v2', 5_000, 'the gateway on the replaced replicas');
  }, 60_000);
});
