// Protection that cannot be bypassed: archiving a service takes its protected environments offline, so it needs
// the role that deploys there; a protected environment takes no direct deploy except an admin's audited bypass
// with a reason, marked in its history; a deploy made against a routing table that changed since is refused;
// and a one-click rollback is recorded in the environment's rollouts.
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '@/server/gateway/snapshot';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { withoutGates } from '../helpers/gates';
import { seedRegistry } from '../helpers/registry';

let database: TestDatabase;
let admin: ReturnType<typeof callerFor>;
let approver: ReturnType<typeof callerFor>;
let engineer: ReturnType<typeof callerFor>;
const S = 'support-bot';
const production = { service: S, environment: 'production' };

beforeAll(async () => {
  database = await freshDatabase();
  ({ api: admin } = await seedRegistry(database.db, S));
  // Not about gates: promotion here needs none (test/integration/gates*.test.ts covers them).
  await withoutGates(admin, S);
  await admin.releases.create({ service: S, model: 'support-bot-model@1', prompts: ['answer@1'], notes: 'second' });
  approver = callerFor(database.db, await makeUser(database.db, { role: 'approver' }));
  engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
});
afterAll(() => database.close());

const failure = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => {
      if (!(e instanceof TRPCError)) throw e;
      return { code: e.code, message: e.message };
    },
  );

const serving = async (environment: string) => (await admin.environments.get({ service: S, environment })).current?.routes.map((r) => `#${r.releaseNumber} ${r.weight}%`);
const audited = async (action: string) => (await admin.audit.list({ action, limit: 50 })).items;

describe('direct deploys to a protected environment', () => {
  it('are refused without a bypass, for approvers and admins alike, and change nothing', async () => {
    const before = await admin.environments.history(production);
    for (const who of [engineer, approver, admin]) {
      const refused = await failure(who.environments.deploy({ ...production, routes: [{ release: 1, weight: 100 }] }));
      expect(refused?.code).toBe('FORBIDDEN');
    }
    expect((await failure(admin.environments.deploy({ ...production, routes: [{ release: 1, weight: 100 }] })))?.message).toBe(
      'support-bot/production is protected (1 approval(s) required): promote a release to change it through approvals and its rollout; only an admin may deploy to it directly, as a bypass with a reason (bypass.reason)',
    );
    // An approver may not bypass; a bypass needs a real reason.
    expect(await failure(approver.environments.deploy({ ...production, routes: [{ release: 1, weight: 100 }], bypass: { reason: 'approvers are on holiday' } }))).toEqual({
      code: 'FORBIDDEN',
      message: 'Only admins may bypass the release flow of support-bot/production (needs environments:bypass-protection); promote a release instead',
    });
    expect(await failure(admin.environments.deploy({ ...production, routes: [{ release: 1, weight: 100 }], bypass: { reason: '  ' } }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('bypass.reason: must say why, in at least 10 characters'),
    });
    expect(await admin.environments.history(production)).toEqual(before);
    expect(await audited('environment.bypass')).toEqual([]);
    expect(await serving('production')).toBeUndefined();
  });

  it('an admin bypass with a reason is audited as a bypass and marked in the history', async () => {
    const entry = await admin.environments.deploy({ ...production, routes: [{ release: 1, weight: 100 }], reason: 'launch', bypass: { reason: 'incident 42: approvers unreachable' } });
    expect(entry).toMatchObject({ kind: 'deploy', reason: 'launch', bypassReason: 'incident 42: approvers unreachable' });
    expect(await serving('production')).toEqual(['#1 100%']);
    const [event] = await audited('environment.bypass');
    expect(event).toMatchObject({ action: 'environment.bypass', targetLabel: 'support-bot/production' });
    expect(event!.summary).toContain('bypassing its release flow');
    expect(event!.summary).toContain('incident 42: approvers unreachable');
    expect(event!.changes).toMatchObject({ historyId: entry.id, bypassReason: 'incident 42: approvers unreachable' });
    expect(await audited('environment.deploy')).toEqual([]);
    const [top] = (await engineer.environments.history(production)).items;
    expect(top).toMatchObject({ id: entry.id, bypassReason: 'incident 42: approvers unreachable' });
  });

  it('unprotected environments still take direct deploys from engineers, unmarked', async () => {
    const entry = await engineer.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 100 }] });
    expect(entry.bypassReason).toBeNull();
    expect((await audited('environment.deploy')).map((e) => e.targetLabel)).toEqual(['support-bot/dev']);
  });

  it('a deploy made against a routing table that changed since is refused', async () => {
    const [seen] = (await engineer.environments.history({ service: S, environment: 'dev' })).items;
    await engineer.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 95 }, { release: 2, weight: 5 }], basedOn: seen!.id });
    // A form still showing the old table would send 100% back to #1.
    const stale = await failure(engineer.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 100 }], basedOn: seen!.id }));
    expect(stale?.code).toBe('CONFLICT');
    expect(stale?.message).toMatch(/^support-bot\/dev changed since you loaded it \(entry \d+, deploy by engineer-.*\): it runs #1 95%, #2 5% now; review the change and try again$/);
    expect(await serving('dev')).toEqual(['#1 95%', '#2 5%']);
  });
});

describe('archiving a service', () => {
  it('with a protected environment serving traffic needs the role that deploys there; nothing changes when refused', async () => {
    const refused = await failure(engineer.services.update({ name: S, archived: true }));
    expect(refused).toEqual({
      code: 'FORBIDDEN',
      message: 'Archiving support-bot would take its protected environment support-bot/production offline: only those who may deploy there may do it (needs environments:deploy-protected)',
    });
    expect((await admin.services.get({ name: S })).archivedAt).toBeNull();
    expect(await audited('service.archive')).toEqual([]);
    // The gateway still serves production.
    expect((await loadSnapshot(database.db)).routes.has('support-bot/production')).toBe(true);

    await approver.services.update({ name: S, archived: true });
    expect((await admin.services.get({ name: S })).archivedAt).not.toBeNull();
    expect((await loadSnapshot(database.db)).routes.has('support-bot/production')).toBe(false);
    // Putting it back online is the same kind of change.
    expect((await failure(engineer.services.update({ name: S, archived: false })))?.message).toMatch(/^Restoring support-bot would put its protected environment support-bot\/production back online/);
    await approver.services.update({ name: S, archived: false });
    expect((await loadSnapshot(database.db)).routes.has('support-bot/production')).toBe(true);
  });

  it('is open to engineers when no protected environment serves traffic, and edits stay open', async () => {
    await admin.services.create({ name: 'scratch-bot' });
    await engineer.services.update({ name: S, description: 'still editable by engineers' });
    await engineer.services.update({ name: 'scratch-bot', archived: true });
    expect((await admin.services.get({ name: 'scratch-bot' })).archivedAt).not.toBeNull();
  });
});

describe('rollbacks in the rollouts list', () => {
  it('a rollback that ends no rollout is recorded as one, with what serves now', async () => {
    const env = { service: S, environment: 'staging' };
    await approver.environments.deploy({ ...env, routes: [{ release: 1, weight: 100 }] });
    await approver.environments.deploy({ ...env, routes: [{ release: 2, weight: 100 }] });
    const res = await approver.rollouts.rollback({ ...env, reason: 'answers got worse' });
    expect(res).toMatchObject({ routes: [{ releaseNumber: 1, weight: 100 }], endedRollout: null, rollout: 1 });
    const [record] = await engineer.rollouts.list(env);
    expect(record).toMatchObject({ number: 1, kind: 'rollback', status: 'succeeded', release: { number: 1 }, weight: 100 });
    expect(record!.reason).toMatch(/^rolled back by approver-.* from #2 100% to #1 \(answers got worse\); #1 serves all of staging$/);
    const current = await engineer.rollouts.current(env);
    expect(current?.rollout).toMatchObject({ number: 1, kind: 'rollback' });
    expect(current!.rollout.events.map((e) => e.kind)).toEqual(['rolled-back']);
    const [top] = (await engineer.environments.history(env)).items;
    expect(top).toMatchObject({ kind: 'rollback', rolloutId: record!.id });
  });
});
