// The recovery sweep, a cron function: a rollout whose start event was lost (a crash between its commit and the
// send) is dispatched again at the next tick and runs to its end, once.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollouts } from '@/db/schema';
import { createRecoverySweep } from '@/inngest/functions/recovery-sweep';
import { createRolloutRun } from '@/inngest/functions/rollout-run';
import { setRolloutClock } from '@/server/services/rollouts/clock';
import { rolloutDispatcherFor } from '@/server/rollouts/connect';
import { setRolloutDispatcher } from '@/server/services/rollouts/dispatch';
import { fnId, startHarness, type Harness } from '../helpers/executor';
import { seedRegistry } from '../helpers/registry';

let h: Harness;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
const S = 'sweep-svc';

beforeAll(async () => {
  h = await startHarness((inngest) => [createRolloutRun(inngest, async () => h.database.db), createRecoverySweep(inngest, async () => h.database.db)]);
  setRolloutClock(h.clock.now);
  ({ api } = await seedRegistry(h.database.db, S));
  await api.releases.create({ service: S, model: `${S}-model@1`, prompts: ['answer@1'], notes: 'second' });
  await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 100 }] });
}, 60_000);

afterAll(async () => {
  setRolloutDispatcher(undefined);
  setRolloutClock(undefined);
  await h?.close();
});

describe('the recovery sweep', () => {
  it('starts a rollout whose start was lost, at its next tick, once', async () => {
    // The app "crashes" between recording the rollout and sending its start: nothing reaches the engine.
    const real = rolloutDispatcherFor(h.inngest, h.database.db);
    setRolloutDispatcher({ ...real, start: async () => undefined });
    const rollout = await api.rollouts.promote({ service: S, environment: 'dev', release: 2 });
    expect(await h.runs(fnId('rollout-run'))).toHaveLength(0);
    // A minute later the app is back, and so is its dispatcher.
    await h.database.db.update(rollouts).set({ createdAt: new Date(Date.now() - 60_000) }).where(eq(rollouts.id, rollout.id));
    setRolloutDispatcher(real);
    h.clock.advance(61_000);
    await h.until(async () => (await h.runs(fnId('recovery-sweep'))).some((r) => r.status === 'completed'), 10_000, 'a sweep');
    const done = await h.until(
      async () => {
        const r = await api.rollouts.get({ service: S, environment: 'dev', number: rollout.number });
        return r.status === 'succeeded' ? r : undefined;
      },
      15_000,
      'the rollout to succeed',
    );
    expect(done.status).toBe('succeeded');
    // Later ticks leave the finished rollout alone: still one run of the rollout function.
    h.clock.advance(61_000);
    await h.until(async () => (await h.runs(fnId('recovery-sweep'))).filter((r) => r.status === 'completed').length >= 2, 10_000, 'a second sweep');
    expect(await h.runs(fnId('rollout-run'))).toHaveLength(1);
  });
});
