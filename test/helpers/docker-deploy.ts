// A service whose environment `dev` runs container releases on the Docker engine, for the deploy target's tests:
// the real rollout function on the test executor, the reference model server's image as three container model
// versions (ref-small, ref-small-v2, and one whose health path never answers 2xx), a gateway, and what it
// takes to look at containers and ask through the gateway.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, isNull } from 'drizzle-orm';
import { containerInstances, models, modelVersions, type ContainerSpec } from '@/db/schema';
import { createRolloutRun } from '@/inngest/functions/rollout-run';
import { docker } from '@/server/docker/docker';
import { Gateway } from '@/server/gateway/handler';
import { rolloutDispatcherFor } from '@/server/rollouts/connect';
import { LABEL_ENVIRONMENT, LABEL_MANAGED, LABEL_RELEASE } from '@/server/services/containers/engine';
import { DEFAULT_ANALYSIS } from '@/server/services/environments/settings';
import { setRolloutDispatcher } from '@/server/services/rollouts/dispatch';
import { callerFor, makeUser } from './actors';
import { referenceModelImage } from './docker';
import { startHarness, type Harness } from './executor';

export const S = 'ctr-svc';
export const E = 'dev';

export const containerSpec = (healthPath = '/health'): ContainerSpec => ({ build: null, command: ['--port', '{port}'], port: 8000, healthPath, env: {}, resources: { cpus: null, memoryMb: 256 } });

export interface DeployFixture {
  h: Harness;
  api: ReturnType<typeof callerFor>;
  envId: string;
  releaseIds: Record<number, string>;
  /** This environment's containers on the engine (of one release, if given). */
  engineContainers(releaseId?: string): Promise<Awaited<ReturnType<ReturnType<typeof docker>['listContainers']>>>;
  live(releaseId: string): Promise<(typeof containerInstances.$inferSelect)[]>;
  /** One chat request through the gateway: its status and the model that answered. */
  ask(): Promise<{ status: number; model?: string; message?: string }>;
  settled(number: number, timeoutMs?: number): Promise<Awaited<ReturnType<ReturnType<typeof callerFor>['rollouts']['get']>>>;
  routes(): Promise<number[][] | undefined>;
  close(): Promise<void>;
}

export async function startDeployFixture(rollbackWindowMinutes = 0.05): Promise<DeployFixture> {
  const h: Harness = await startHarness((inngest) => [createRolloutRun(inngest, async () => h.database.db)]);
  setRolloutDispatcher(rolloutDispatcherFor(h.inngest, h.database.db));
  const db = h.database.db;
  const api = callerFor(db, await makeUser(db, { role: 'admin' }));
  const imageId = await referenceModelImage();
  await api.services.create({ name: S });
  const [model] = await db.insert(models).values({ name: 'ref-container', createdBy: 'test' }).returning();
  const releaseIds: Record<number, string> = {};
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
      container: containerSpec(health),
      lineage: { gitRepository: null, gitCommit: null, pipelineRunId: null, trainingRunUri: null },
      createdBy: 'test',
    });
    const r = await api.releases.create({ service: S, model: `ref-container@${i + 1}` });
    releaseIds[r.number] = r.id;
  }
  const env = await api.environments.update({
    service: S,
    environment: E,
    rollout: { strategy: 'blue-green', bakeMinutes: 0, rollbackWindowMinutes, autoRollback: false, analysis: DEFAULT_ANALYSIS },
    runtime: { kind: 'docker', replicas: 2, healthTimeoutSeconds: 20 },
  });
  const envId = env.id;
  const key = (await api.gatewayKeys.create({ service: S, name: 'app' })).key;
  const gateway = new Gateway({ db, databaseUrl: h.database.url, listen: h.database.listen, pollIntervalMs: 200 });
  await gateway.start();
  const server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const engineContainers = async (releaseId?: string) => {
    const list = await docker().listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_ENVIRONMENT}=${envId}`] } });
    return list.filter((c) => !releaseId || c.Labels[LABEL_RELEASE] === releaseId);
  };
  return {
    h,
    api,
    envId,
    releaseIds,
    engineContainers,
    live: (releaseId) =>
      db
        .select()
        .from(containerInstances)
        .where(and(eq(containerInstances.releaseId, releaseId), isNull(containerInstances.removedAt)))
        .orderBy(containerInstances.replica),
    async ask() {
      const res = await fetch(`${base}/gw/${S}/${E}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], max_tokens: 8 }) });
      const body = (await res.json()) as { model?: string; error?: { message: string } };
      return { status: res.status, model: body.model, message: body.error?.message };
    },
    settled: (number, timeoutMs = 30_000) =>
      h.until(
        async () => {
          const r = await api.rollouts.get({ service: S, environment: E, number });
          return ['succeeded', 'rolled-back', 'aborted', 'failed'].includes(r.status) ? r : undefined;
        },
        timeoutMs,
        `rollout ${number} to end`,
      ),
    routes: async () => (await api.environments.get({ service: S, environment: E })).current?.routes.filter((r) => r.weight > 0).map((r) => [r.releaseNumber, r.weight]),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await gateway.close();
      setRolloutDispatcher(undefined);
      // Everything the test started, whatever state a failure left it in.
      for (const c of await engineContainers()) await docker().getContainer(c.Id).remove({ force: true });
      await h.close();
    },
  };
}
