// The Docker deploy target on a real engine: container releases start as health-checked replicas before any
// routing change, the gateway reaches the right containers (replicas in turn), a blue-green rollback inside the
// window goes back to the still-running old slot, and slots are removed after the window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileContainers } from '@/server/services/containers/reconcile';
import { dockerForTests } from '../helpers/docker';
import { E, S, startDeployFixture, type DeployFixture } from '../helpers/docker-deploy';

const hasDocker = await dockerForTests();
let f: DeployFixture;

describe.skipIf(!hasDocker)('Docker deploy target', () => {
  beforeAll(async () => {
    f = await startDeployFixture(0.05);
  }, 120_000);
  afterAll(() => f?.close());

  it('rejects a bad runtime naming the field, and changes nothing', async () => {
    await expect(f.api.environments.update({ service: S, environment: E, runtime: { kind: 'docker', replicas: 9, healthTimeoutSeconds: 20 } })).rejects.toThrow(/replicas.*must be 1 to 8/s);
    expect((await f.api.environments.get({ service: S, environment: E })).runtime).toMatchObject({ kind: 'docker', replicas: 2 });
  });

  it('blue-green: replicas healthy before traffic, gateway to the right slot, rollback inside the window, cleanup after it', async () => {
    const first = await f.api.rollouts.promote({ service: S, environment: E, release: 1 });
    expect((await f.settled(first.number)).status).toBe('succeeded');
    const blue = await f.live(f.releaseIds[1]!);
    expect(blue.map((r) => [r.slot, r.state, r.health])).toEqual([
      ['blue', 'running', 'healthy'],
      ['blue', 'running', 'healthy'],
    ]);
    await f.h.until(async () => (await f.ask()).model === 'ref-small', 5_000, 'the gateway to reach #1');

    const second = await f.api.rollouts.promote({ service: S, environment: E, release: 2 });
    await f.h.until(async () => JSON.stringify(await f.routes()) === JSON.stringify([[2, 100]]), 30_000, 'the switch to #2');
    const green = await f.live(f.releaseIds[2]!);
    expect(green.map((r) => [r.slot, r.health])).toEqual([
      ['green', 'healthy'],
      ['green', 'healthy'],
    ]);
    await f.h.until(async () => (await f.ask()).model === 'ref-small-v2', 5_000, 'the gateway to reach #2');
    // Both replicas take requests in turn.
    const answers = await Promise.all([f.ask(), f.ask(), f.ask(), f.ask()]);
    expect(answers.every((a) => a.model === 'ref-small-v2')).toBe(true);

    // Inside the window: back to the old slot at once, the same containers still running.
    await f.api.rollouts.rollback({ service: S, environment: E, reason: 'test' });
    expect((await f.settled(second.number)).status).toBe('rolled-back');
    await f.h.until(async () => (await f.ask()).model === 'ref-small', 3_000, 'the gateway back on #1');
    expect((await f.live(f.releaseIds[1]!)).map((r) => r.containerId).sort()).toEqual(blue.map((r) => r.containerId).sort());

    // #2 lost its traffic at the rollback: kept for the window (3 s), then removed.
    await reconcileContainers(f.h.database.db);
    expect((await f.live(f.releaseIds[2]!)).every((r) => r.expiresAt)).toBe(true);
    expect(await f.engineContainers(f.releaseIds[2])).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 3_500));
    await reconcileContainers(f.h.database.db);
    expect(await f.live(f.releaseIds[2]!)).toEqual([]);
    expect(await f.engineContainers(f.releaseIds[2])).toEqual([]);

    // Once more, through to the end: the old slot goes after the window.
    const third = await f.api.rollouts.promote({ service: S, environment: E, release: 2 });
    await f.h.until(async () => JSON.stringify(await f.routes()) === JSON.stringify([[2, 100]]), 30_000, 'the switch to #2 again');
    await f.api.rollouts.promoteNow({ service: S, environment: E, number: third.number });
    expect((await f.settled(third.number)).status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 3_500));
    await reconcileContainers(f.h.database.db);
    expect(await f.live(f.releaseIds[1]!)).toEqual([]);
    expect(await f.engineContainers(f.releaseIds[1])).toEqual([]);
    expect((await f.ask()).model).toBe('ref-small-v2');
    const listed = await f.api.containers.list({ service: S, environment: E });
    expect(listed.releases).toMatchObject([{ releaseNumber: 2, slot: 'green', replicas: [{ state: 'running', health: 'healthy' }, { state: 'running', health: 'healthy' }] }]);
    const stats = await f.api.containers.stats({ service: S, environment: E });
    expect(Object.values(stats.stats)[0]).toMatchObject({ memoryBytes: expect.any(Number) });
    const logs = await f.api.containers.logs({ service: S, environment: E, instance: listed.releases[0]!.replicas[0]!.id });
    expect(logs.text.length).toBeGreaterThan(0);
  }, 90_000);
});
