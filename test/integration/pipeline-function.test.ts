// The pipeline-run function on its own, with @inngest/test: each step of the run is one durable step, in
// order, against a real test database provided through the runtime the function reads.
import { InngestTestEngine } from '@inngest/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineRun } from '@/inngest/functions/pipeline-run';
import { inlineRollout } from '../helpers/inline-rollout';
import { setRolloutDispatcher } from '@/server/services/rollouts/dispatch';
import { DEFAULT_PIPELINE_YAML } from '@/server/services/pipelines/parse';
import { env } from '@/server/env';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { withoutGates } from '../helpers/gates';
import { seedRegistry } from '../helpers/registry';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
const RUNTIME = Symbol.for('slipway.runtime');

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db));
  // Not about gates: promotion here needs none (test/integration/gates*.test.ts covers them).
  await withoutGates(api, 'support-bot');
  // The function reaches the database through the process runtime; here that is the test's own database.
  (globalThis as Record<symbol, unknown>)[RUNTIME] = Promise.resolve({ env: env(), database, authSecret: 'x'.repeat(32), startedAt: new Date() });
  await api.pipelines.saveDefinition({ service: 'support-bot', yaml: DEFAULT_PIPELINE_YAML });
});
afterAll(async () => {
  delete (globalThis as Record<symbol, unknown>)[RUNTIME];
  await database.close();
});

describe('the pipeline-run function', () => {
  it('runs begin, candidate, each step and finish as durable steps', async () => {
    // The deploy step's rollout is its own function; here it runs as soon as it is dispatched.
    setRolloutDispatcher({ start: (id) => inlineRollout(database.db)(id, 0), signal: async () => undefined, finished: async () => undefined, notify: () => undefined });
    const run = await api.pipelines.start({ service: 'support-bot', branch: 'develop' });
    const t = new InngestTestEngine({ function: pipelineRun, events: [{ name: 'slipway/pipeline.requested', data: { runId: run.id } }] });
    const { result, ctx } = await t.execute();
    setRolloutDispatcher(undefined);
    expect(result).toEqual({ status: 'passed' });
    expect((ctx.step.run as unknown as { mock: { calls: [string][] } }).mock.calls.map((c) => c[0])).toEqual(['begin', 'candidate', 'step-1-config', 'step-2-deploy', 'step-2-rollout-0', 'step-2-settle', 'finish']);
    const view = await api.pipelines.run({ service: 'support-bot', number: run.number });
    expect(view.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
    expect((await api.environments.get({ service: 'support-bot', environment: 'staging' })).current?.reason).toMatch(/^rollout 1 step 1 of 1: switch all traffic to #1/);
  });

  it('stops at once for a run cancelled before it began', async () => {
    const run = await api.pipelines.start({ service: 'support-bot' });
    await api.pipelines.cancel({ service: 'support-bot', number: run.number });
    const t = new InngestTestEngine({ function: pipelineRun, events: [{ name: 'slipway/pipeline.requested', data: { runId: run.id } }] });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ status: 'cancelled' });
    expect((ctx.step.run as unknown as { mock: { calls: [string][] } }).mock.calls.map((c) => c[0])).toEqual(['begin']);
  });
});
