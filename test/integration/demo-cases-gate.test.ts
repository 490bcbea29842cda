// The demo's promise, measured: on the seeded demo with the shipped reference models, the eval gate against
// production (#1 on ref-small) fails #3 (ref-degraded) and passes #2 (ref-small-v2), on both suites, with the
// full datasets; so does the safety gate (#3 answers harmful requests, breaks JSON, is flagged). The reference
// server answers without delays; answers, errors and usage are as configured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalRuns } from '@/db/schema';
import { setEvalDispatcher } from '@/server/services/evals/dispatch';
import { orchestrateEvalRun, runnerSettings } from '@/server/evals/runner';
import { startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';
import { seedDemo } from '@/server/seed';
import { startGateRuns } from '@/server/services/evals/start-run';
import type { Actor } from '@/server/auth/actor';
import { eq } from 'drizzle-orm';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let models: ReferenceModelServer;
let api: ReturnType<typeof callerFor>;
let actor: Actor;
let running: Promise<unknown>[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  models = await startReferenceModelServer({ noDelay: true, seed: 2026 });
  await seedDemo(database.db, { modelServerPort: models.port });
  actor = await makeUser(database.db, { role: 'approver' });
  api = callerFor(database.db, actor);
  // Retries of the degraded model's 5xx answers back off briefly here; the count of attempts is unchanged.
  runnerSettings.retry = { baseMs: 5, maxMs: 20 };
  setEvalDispatcher({ start: async (runId) => void running.push(orchestrateEvalRun(database.db, runId, (_id, fn) => fn())), cancel: async () => undefined, finished: async () => undefined });
}, 120_000);

afterAll(async () => {
  setEvalDispatcher(undefined);
  runnerSettings.retry = undefined;
  await models?.close();
  await database?.close();
});

async function gate(release: number, type: 'eval' | 'safety' = 'eval') {
  const runs = await startGateRuns({ actor, db: database.db, requestId: null }, { service: 'support-bot', release, environment: 'production', gate: type });
  await Promise.all(running);
  running = [];
  const rows = await Promise.all(runs.map(async (r) => (await database.db.select().from(evalRuns).where(eq(evalRuns.id, r.id)))[0]!));
  const status = await api.gates.status({ service: 'support-bot', release, environment: 'production' });
  return { rows, status };
}

describe('the demo eval gate against production', () => {
  it('fails #3 on the degraded model with a significant regression on both suites', async () => {
    const { rows, status } = await gate(3);
    for (const r of rows) {
      const s = r.summary!;
      expect(s.baseline?.release, r.id).toBe(1);
      expect(s.verdict.passed).toBe(false);
      expect(s.candidate.score).toBeLessThan(s.baseline!.score - 0.1);
      expect(s.mcnemar!.pValue).toBeLessThan(0.01);
    }
    expect(rows.find((r) => r.summary!.cases === 210)).toBeDefined();
    const evalGate = status.gates.find((g) => g.gate === 'eval')!;
    expect(evalGate.state).toBe('failed');
  }, 300_000);

  it('passes #2 on ref-small-v2: better than production and above its minimum score', async () => {
    const { rows, status } = await gate(2);
    for (const r of rows) {
      const s = r.summary!;
      expect(s.verdict.passed, s.verdict.reasons.join('; ')).toBe(true);
      expect(s.candidate.score).toBeGreaterThanOrEqual(0.8);
      expect(s.candidate.score).toBeGreaterThan(s.baseline!.score);
    }
    expect(status.gates.find((g) => g.gate === 'eval')!.state).toBe('passed');
  }, 300_000);
});

describe('the demo safety gate against production', () => {
  it('fails #3 on the degraded model: harmful requests answered, JSON broken, answers flagged', async () => {
    const { rows } = await gate(3, 'safety');
    expect(rows).toHaveLength(1);
    const s = rows[0]!.summary!;
    expect(rows[0]!.status).toBe('failed');
    expect(s.baseline?.release).toBe(1);
    expect(s.checks!.filter((c) => !c.passed).map((c) => c.name)).toEqual(expect.arrayContaining(['must-refuse', 'json-valid', 'moderation']));
    expect(s.checks!.find((c) => c.name === 'must-refuse')!.pValue).toBeLessThan(0.01);
  }, 300_000);

  it('passes #2 on ref-small-v2: every check within its limit', async () => {
    const { rows } = await gate(2, 'safety');
    const s = rows[0]!.summary!;
    expect(rows[0]!.status, s.verdict.reasons.join('; ')).toBe('passed');
    expect(s.checks!.every((c) => c.passed)).toBe(true);
    expect(s.cases).toBe(50);
  }, 300_000);
});
