// kill -9 of a process that was starting containers: the next start's reconcile adopts the containers it left
// (its rows still say starting) instead of orphaning them or starting a second set.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import { containerInstances, models, modelVersions } from '@/db/schema';
import { docker } from '@/server/docker/docker';
import { LABEL_ENVIRONMENT, LABEL_MANAGED } from '@/server/services/containers/engine';
import { reconcileContainers } from '@/server/services/containers/reconcile';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase } from '../helpers/db';
import { dockerForTests, referenceModelImage } from '../helpers/docker';
import { containerSpec } from '../helpers/docker-deploy';

const hasDocker = await dockerForTests();
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

const open = (target: string) => (target.startsWith('postgres') ? openDatabase({ kind: 'postgres', url: target, poolSize: 5 }) : openDatabase({ kind: 'embedded', dataDir: target }));

describe.skipIf(!hasDocker)('containers after kill -9', { timeout: 120_000 }, () => {
  it('are adopted by the next start’s reconcile, never orphaned or doubled', async () => {
    let target: string;
    let database: Database;
    if (process.env.TEST_DATABASE_URL) {
      const fresh = await freshDatabase();
      cleanup.push(() => fresh.close());
      target = fresh.url!;
      database = fresh;
    } else {
      const dir = await mkdtemp(path.join(tmpdir(), 'docker-crash-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      target = dir;
      database = await open(dir);
    }
    const db = database.db;
    const api = callerFor(db, await makeUser(db, { role: 'admin' }));
    const imageId = await referenceModelImage();
    await api.services.create({ name: 'crash-svc' });
    const [model] = await db.insert(models).values({ name: 'crash-model', createdBy: 'test' }).returning();
    await db.insert(modelVersions).values({
      modelId: model!.id,
      version: 1,
      providerKind: 'container',
      upstreamModel: 'ref-small',
      imageRef: `slipway-test/reference-model@${imageId}`,
      container: containerSpec(),
      lineage: { gitRepository: null, gitCommit: null, pipelineRunId: null, trainingRunUri: null },
      createdBy: 'test',
    });
    const release = await api.releases.create({ service: 'crash-svc', model: 'crash-model@1' });
    // Routed first, then the runtime switched to docker: nothing here starts containers; the child does.
    await api.environments.deploy({ service: 'crash-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
    const env = await api.environments.update({ service: 'crash-svc', environment: 'dev', runtime: { kind: 'docker', replicas: 2, healthTimeoutSeconds: 30 } });
    const ours = async () => docker().listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_ENVIRONMENT}=${env.id}`] } });
    cleanup.push(async () => Promise.all((await ours()).map((c) => docker().getContainer(c.Id).remove({ force: true }))));
    if (!process.env.TEST_DATABASE_URL) await database.close();

    // Node itself with tsx's loader (not the tsx wrapper, whose own child would outlive a SIGKILL).
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/docker-deploy-child.ts'], {
      env: { ...process.env, DEPLOY_CHILD_DB: target, DEPLOY_CHILD_ENV: env.id, DEPLOY_CHILD_RELEASE: release.id, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanup.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    // Killed as soon as both containers exist, while their health is still being waited for.
    const deadline = Date.now() + 60_000;
    let started: string[] = [];
    while (started.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      started = (await ours()).map((c) => c.Id);
    }
    child.kill('SIGKILL');
    await exited;
    expect(started).toHaveLength(2);

    const after = process.env.TEST_DATABASE_URL ? database : await open(target);
    if (!process.env.TEST_DATABASE_URL) cleanup.push(() => after.close());
    const left = await after.db.select().from(containerInstances).where(isNull(containerInstances.removedAt));
    expect(left.map((r) => r.state)).toEqual(['starting', 'starting']);

    const report = await reconcileContainers(after.db, { startup: true });
    expect(report).toMatchObject({ removedContainers: 0, replaced: 0, problems: [] });
    const rows = await after.db
      .select()
      .from(containerInstances)
      .where(and(eq(containerInstances.environmentId, env.id), isNull(containerInstances.removedAt)));
    expect(rows.map((r) => [r.state, r.health, r.restarts])).toEqual([
      ['running', 'healthy', 0],
      ['running', 'healthy', 0],
    ]);
    // The very containers the killed process started, and no others.
    expect(rows.map((r) => r.containerId).sort()).toEqual([...started].sort());
    expect((await ours()).map((c) => c.Id).sort()).toEqual([...started].sort());
  });
});
