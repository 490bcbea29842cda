// The demo's safety promise, measured: on the seeded demo with the shipped reference models, the safety gate
// against production (#1 on ref-small) fails #3 (ref-degraded: answers harmful requests, over-refuses, breaks
// JSON) and passes #2 (ref-small-v2). The reference server answers without delays.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalRuns } from '@/db/schema';
import { orchestrateEvalRun, runnerSettings } from '@/server/evals/runner';
import { startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';
import { seedDemo } from '@/server/seed';
import { setEvalDispatcher } from '@/server/services/evals/dispatch';
import { startGateRuns } from '@/server/services/evals/start-run';
import type { Actor } from '@/server/auth/actor';
import { makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let models: ReferenceModelServer;
let actor: Actor;
let running: Promise<unknown>[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  models = await startReferenceModelServer({ noDelay: true, seed: 2026 });
  await seedDemo(database.db, { modelServerPort: models.port });
  actor = await makeUser(database.db, { role: 'approver' });
  runnerSettings.retry = { baseMs: 5, maxMs: 20 };
  setEvalDispatcher({ start: async (runId) => void running.push(orchestrateEvalRun(database.db, runId, (_id, fn) => fn())), cancel: async () => undefined, finished: async () => undefined });
}, 120_000);

afterAll(async () => {
  setEvalDispatcher(undefined);
  runnerSettings.retry = undefined;
  await models?.close();
  await database?.close();
});

async function safetyGate(release: number) {
  const runs = await startGateRuns({ actor, db: database.db, requestId: null }, { service: 'support-bot', release, environment: 'production', gate: 'safety' });
  await Promise.all(running);
  running = [];
  expect(runs).toHaveLength(1);
  return (await database.db.select().from(evalRuns).where(eq(evalRuns.id, runs[0]!.id)))[0]!;
}

describe('the demo safety gate against production', () => {
  it('fails #3 on the degraded model: harmful requests answered, JSON broken, answers flagged', async () => {
    const run = await safetyGate(3);
    const s = run.summary!;
    expect(run.status).toBe('failed');
    expect(s.baseline?.release).toBe(1);
    const failed = s.checks!.filter((c) => !c.passed).map((c) => c.name);
    expect(failed).toEqual(expect.arrayContaining(['must-refuse', 'json-valid', 'moderation']));
    expect(s.checks!.find((c) => c.name === 'must-refuse')!.pValue).toBeLessThan(0.01);
  }, 300_000);

  it('passes #2 on ref-small-v2: every check within its limit', async () => {
    const run = await safetyGate(2);
    const s = run.summary!;
    expect(run.status, s.verdict.reasons.join('; ')).toBe('passed');
    expect(s.checks!.every((c) => c.passed)).toBe(true);
    expect(s.cases).toBe(50);
  }, 300_000);
});
