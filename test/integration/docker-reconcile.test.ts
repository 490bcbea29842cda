// The Docker deploy target when things go wrong, on a real engine: a replica that never gets healthy fails the
// rollout step and leaves nothing behind; after a crash, reconcile at start removes containers no row owns,
// finishes an interrupted removal, and replaces dead and vanished replicas of a routed release.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerInstances } from '@/db/schema';
import { docker } from '@/server/docker/docker';
import { launchReplica } from '@/server/services/containers/engine';
import { reconcileContainers } from '@/server/services/containers/reconcile';
import { dockerForTests } from '../helpers/docker';
import { containerSpec, E, S, startDeployFixture, type DeployFixture } from '../helpers/docker-deploy';

const hasDocker = await dockerForTests();
let f: DeployFixture;

describe.skipIf(!hasDocker)('Docker deploy target: failures and crashes', () => {
  beforeAll(async () => {
    f = await startDeployFixture();
    // #2 serves dev (a first deploy: one switch).
    const first = await f.api.rollouts.promote({ service: S, environment: E, release: 2 });
    expect((await f.settled(first.number)).status).toBe('succeeded');
  }, 120_000);
  afterAll(() => f?.close());

  it('a replica that never gets healthy fails the step and leaves nothing', async () => {
    await f.api.environments.update({ service: S, environment: E, runtime: { kind: 'docker', replicas: 2, healthTimeoutSeconds: 12 } });
    const r = await f.api.rollouts.promote({ service: S, environment: E, release: 3 });
    const ended = await f.settled(r.number).finally(() => f.api.environments.update({ service: S, environment: E, runtime: { kind: 'docker', replicas: 2, healthTimeoutSeconds: 20 } }));
    expect(ended.status).toBe('failed');
    expect(ended.reason).toMatch(/replicas of #3 in dev did not become healthy: replica 1 \(port \d+\): GET \/never-healthy on port \d+ (answered 404|got no answer) within 12 s/);
    expect(await f.live(f.releaseIds[3]!)).toEqual([]);
    expect(await f.engineContainers(f.releaseIds[3])).toEqual([]);
    expect(await f.routes()).toEqual([[2, 100]]);
  }, 30_000);

  it('reconcile after a crash: unknown containers removed, dead and vanished replicas replaced', async () => {
    const before = await f.live(f.releaseIds[2]!);
    // What a crash leaves: a labelled container no row knows (killed between create and record) …
    const [one, two] = before;
    await launchReplica(docker(), { instanceId: randomUUID(), environmentId: f.envId, releaseId: f.releaseIds[2]!, name: `slipway-orphan-${randomUUID()}`, image: one!.image, hostPort: 20999, spec: containerSpec() });
    // … a removal cut short (the row says removing, its container still runs) …
    const [stuck] = await f.h.database.db
      .insert(containerInstances)
      .values({ environmentId: f.envId, releaseId: f.releaseIds[1]!, modelVersionId: one!.modelVersionId, slot: 'green', replica: 0, image: one!.image, containerName: `slipway-stuck-${randomUUID()}`, hostPort: 20998, state: 'removing' })
      .returning();
    const stuckId = await launchReplica(docker(), { instanceId: stuck!.id, environmentId: f.envId, releaseId: f.releaseIds[1]!, name: stuck!.containerName, image: one!.image, hostPort: 20998, spec: containerSpec() });
    await f.h.database.db.update(containerInstances).set({ containerId: stuckId }).where(eq(containerInstances.id, stuck!.id));
    // … a replica that died, and one whose container is gone altogether.
    await docker().getContainer(one!.containerId!).kill();
    await docker().getContainer(two!.containerId!).remove({ force: true });
    const report = await reconcileContainers(f.h.database.db, { startup: true });
    expect(report).toMatchObject({ removedContainers: 1, expired: 1, replaced: 2, started: 2, problems: [] });
    expect(await f.live(f.releaseIds[1]!)).toEqual([]);
    const after = await f.live(f.releaseIds[2]!);
    expect(after.map((r) => [r.state, r.health, r.restarts])).toEqual([
      ['running', 'healthy', 1],
      ['running', 'healthy', 1],
    ]);
    expect(after.map((r) => r.hostPort)).toEqual(before.map((r) => r.hostPort));
    expect((await f.engineContainers()).map((c) => c.Id).sort()).toEqual(after.map((r) => r.containerId).sort());
    await f.h.until(async () => (await f.ask()).model === 'ref-small-v2', 5_000, 'the gateway on the replaced replicas');
  }, 60_000);
});
