// A worker killed with SIGKILL in the middle of an eval run: another worker on the same database resumes the run,
// and no call whose result was written before the kill is made again.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { datasetCases, evalResults, evalRuns } from '@/db/schema';
import { freshDatabase } from '../helpers/db';
import { evalService, questionCases, startCountingUpstream, storeDataset, type CountingUpstream } from '../helpers/eval-run-fixtures';
import { openWorkerDatabase, startEvalWorker, type EvalWorker } from '../helpers/eval-run-worker';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

const until = async <T>(check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs: number, what: string): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('an eval run killed mid-run', { timeout: 180_000 }, () => {
  it('resumes in another worker without repeating a finished call', async () => {
    const up: CountingUpstream = await startCountingUpstream({ seed: 3, models: { 'ref-slow': { quality: 0.9, latency: { meanMs: 250, p99Ms: 500, timeToFirstTokenMs: 50, tokensPerSecond: 1000 } } } });
    cleanup.push(() => up.close());
    // The database outlives the worker: PostgreSQL when configured, else PGlite in a data folder.
    let target: string;
    let database: Database;
    if (process.env.TEST_DATABASE_URL) {
      const fresh = await freshDatabase();
      cleanup.push(() => fresh.close());
      target = fresh.url!;
      database = fresh;
    } else {
      const dir = await mkdtemp(path.join(tmpdir(), 'eval-resume-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      target = dir;
      database = await openWorkerDatabase(dir);
    }
    const { api, serviceId } = await evalService(database.db);
    await api.models.register({ model: 'slow-llm', providerKind: 'openai-compatible', baseUrl: up.url, upstreamModel: 'ref-slow', priceInputPer1M: 1, priceOutputPer1M: 2, defaultParams: { temperature: 0 } });
    await api.releases.create({ service: 'support-bot', model: 'slow-llm@1', prompts: ['answer@1'] });
    await storeDataset(database.db, serviceId, 'questions', questionCases(20));
    await api.evals.saveSuite({ service: 'support-bot', name: 'accuracy', yaml: 'dataset: questions\nconcurrency: 2\nassertions:\n  - type: icontains\n    value: "{{expected}}"\n' });
    // No engine is connected here: the run stays queued until a worker is asked to run it.
    const run = await api.evals.startRun({ service: 'support-bot', suite: 'accuracy', release: 1 });
    if (!process.env.TEST_DATABASE_URL) await database.close();

    const signingKey = `signkey-test-${randomBytes(32).toString('hex')}`;
    // Node itself with tsx's loader (not the tsx wrapper, whose own child would outlive a SIGKILL).
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/eval-run-worker.ts'], {
      env: { ...process.env, EVAL_WORKER_DB: target, EVAL_WORKER_SIGNING_KEY: signingKey, EVAL_RUN_ID: run.id, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanup.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    // Killed once a few answers are in, with calls still in flight.
    await until(() => up.count() >= 7, 120_000, 'the worker to make its first calls');
    child.kill('SIGKILL');
    await exited;
    const callsAtKill = up.calls.map((c) => c.question);

    const db2 = process.env.TEST_DATABASE_URL ? database : await openWorkerDatabase(target);
    if (!process.env.TEST_DATABASE_URL) cleanup.push(() => db2.close());
    const written = await db2.db.select().from(evalResults).where(eq(evalResults.runId, run.id));
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(20);
    const worker: EvalWorker = await startEvalWorker(db2.db, signingKey);
    cleanup.push(() => worker.close());
    const ended = await until(async () => {
      const [r] = await db2.db.select().from(evalRuns).where(eq(evalRuns.id, run.id));
      return r && ['passed', 'failed', 'error'].includes(r.status) ? r : null;
    }, 120_000, 'the resumed run to end');
    expect(ended.status).toBe('passed');
    expect(ended.doneCalls).toBe(20);

    // Every case was called; those written before the kill exactly once, in all; only calls in flight at the
    // kill (at most the concurrency) were made again.
    const cases = await db2.db.select().from(datasetCases);
    const question = new Map(cases.map((c) => [c.index, (c.input.variables as { question: string }).question]));
    const callsOf = (q: string) => up.calls.filter((c) => c.question === q).length;
    for (const r of written) expect(callsOf(question.get(r.caseIndex)!)).toBe(1);
    for (const q of question.values()) expect(callsOf(q)).toBeGreaterThanOrEqual(1);
    expect(up.count()).toBeLessThanOrEqual(20 + 2);
    expect(callsAtKill.length).toBeGreaterThanOrEqual(7);
  });
});
