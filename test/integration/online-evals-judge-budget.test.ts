// Online scores that measure less, and a judge that is down: a score taken past the day's judge budget (its
// model-graded assertions left out) counts neither in an online-quality trigger's pass rate nor in a rollout's
// quality objective; and answers whose judge keeps failing do not hold a full batch at the front for ever, so
// newer answers are still read (and scored once the judge is back).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environments, evalSuites, evalSuiteVersions, onlineScores, releases, requestLogs, services, type RequestFeatures, type TriggerRule } from '@/db/schema';
import { gatherFigures } from '@/server/rollouts/analysis';
import { DEFAULT_CHECKS } from '@/server/services/checks/settings';
import { scoreEnvironment } from '@/server/services/online-evals/score';
import { evaluateQualityRule } from '@/server/services/triggers/quality';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { evalService, questionCases, storeDataset } from '../helpers/eval-run-fixtures';

const S = 'judged-bot';
const FEATURES: RequestFeatures = { inputChars: 10, outputChars: 8, messages: 1, finishReason: 'stop' };
let database: TestDatabase;
let judge: http.Server;
/** The judge's answers: down (503) or a passing verdict. */
let judgeUp = false;
/** The answers the judge was asked about, in order. */
const judged: string[] = [];
let serviceId: string;
let envId: string;
let releaseId: string;
let suiteVersionId: string;

beforeAll(async () => {
  judge = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      judged.push(...(body.match(/answer-\d+/g) ?? []));
      if (!judgeUp) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'down' } }));
        return;
      }
      const content = JSON.stringify({ reason: 'correct', pass: true, score: 1 });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'g', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }),
      );
    });
  });
  await new Promise<void>((r) => judge.listen(0, '127.0.0.1', r));
  database = await freshDatabase();
  const svc = await evalService(database.db, S);
  serviceId = svc.serviceId;
  await svc.api.models.register({ model: 'grader', providerKind: 'openai-compatible', baseUrl: `http://127.0.0.1:${(judge.address() as AddressInfo).port}/v1`, upstreamModel: 'g', priceInputPer1M: 0, priceOutputPer1M: 0 });
  await svc.api.releases.create({ service: S, model: 'grader@1', prompts: ['answer@1'] });
  await storeDataset(database.db, serviceId, 'questions', questionCases(3));
  await svc.api.evals.saveSuite({ service: S, name: 'online', yaml: 'description: judged\ndataset: questions\nassertions:\n  - type: llm-rubric\n    value: The answer is correct.\n    judge: grader@1\n' });
  const [env] = await database.db.select().from(environments).where(and(eq(environments.serviceId, serviceId), eq(environments.name, 'production')));
  envId = env!.id;
  await database.db
    .update(environments)
    .set({ checks: { ...DEFAULT_CHECKS, onlineEvals: { enabled: true, suite: 'online', samplePercent: 100, dailyBudgetUsd: 5 } } })
    .where(eq(environments.id, envId));
  releaseId = (await database.db.select().from(releases).where(eq(releases.serviceId, serviceId)))[0]!.id;
  const [suite] = await database.db.select().from(evalSuites).where(eq(evalSuites.serviceId, serviceId));
  suiteVersionId = (await database.db.select().from(evalSuiteVersions).where(eq(evalSuiteVersions.suiteId, suite!.id)))[0]!.id;
}, 60_000);

afterAll(async () => {
  await new Promise((r) => judge?.close(r));
  await database?.close();
});

/** `n` online scores of release #1 at `at`, `passing` of them passing; `budgetSkipped` marks them all. */
async function scores(at: Date, n: number, passing: number, budgetSkipped: boolean, tag: string) {
  await database.db.insert(onlineScores).values(
    Array.from({ length: n }, (_, i) => ({
      at,
      requestId: `${tag}-${i}`,
      serviceId,
      environmentId: envId,
      environment: 'production',
      releaseId,
      releaseNumber: 1,
      suiteVersionId,
      score: i < passing ? 1 : 0,
      pass: i < passing,
      outcomes: [],
      budgetSkipped,
    })),
  );
}

const rule: TriggerRule = { id: 'quality', source: 'online-quality', enabled: true, feature: null, threshold: 0.8, maxDrop: null, windowHours: 1, minCount: 5, actions: { notify: true, webhook: null, pipeline: false } };

describe('online scores past the judge budget', () => {
  it('count neither in an online-quality rule nor in a rollout arm’s quality', async () => {
    const now = new Date(Date.UTC(2026, 11, 4, 10, 5));
    const inWindow = new Date(Date.UTC(2026, 11, 4, 9, 30));
    // Ten fully scored answers all pass; twenty scored without their judge (budget spent) fail.
    await scores(inWindow, 10, 10, false, 'full');
    await scores(inWindow, 20, 0, true, 'skipped');
    // The arm's requests (an arm without traffic has no figures); no sample kept, so online evals pass them over.
    await database.db.insert(requestLogs).values(
      Array.from({ length: 30 }, (_, i) => ({ at: inWindow, requestId: `arm-${i}`, serviceId, environment: 'production', releaseId, releaseNumber: 1, status: 200, latencyMs: 10, features: FEATURES })),
    );
    const env = { id: envId, name: 'production', serviceId };
    expect(await evaluateQualityRule(database.db, env, rule, now)).toBeNull();
    const figures = await gatherFigures(database.db, { serviceId, environment: 'production', releaseIds: [releaseId], releaseNumber: 1, since: new Date(inWindow.getTime() - 60_000), until: now, excludeFallback: false });
    expect(figures).toMatchObject({ qualityCount: 10, qualityPassRate: 1 });

    // Fully scored answers that fail do count.
    await scores(inWindow, 10, 0, false, 'failing');
    try {
      const fired = await evaluateQualityRule(database.db, env, rule, now);
      expect(fired?.data).toMatchObject({ current: { count: 20, value: 0.5 }, crossed: ['threshold'] });
    } finally {
      await database.db.delete(onlineScores).where(eq(onlineScores.environmentId, envId));
    }
  });
});

describe('a judge that is down', () => {
  it('does not keep the same full batch at the front: newer answers are read, and scored once it is back', async () => {
    const now = new Date();
    // Six sampled answers a few seconds apart; a pass reads four at most.
    await database.db.insert(requestLogs).values(
      Array.from({ length: 6 }, (_, i) => ({
        at: new Date(now.getTime() - 10 * 60_000 + i * 1000),
        requestId: `live-${i}`,
        serviceId,
        environment: 'production',
        releaseId,
        releaseNumber: 1,
        status: 200,
        latencyMs: 10,
        features: FEATURES,
        sample: { input: `question ${i}`, output: `answer-${i}` },
      })),
    );
    const [row] = await database.db.select({ env: environments, service: services }).from(environments).innerJoin(services, eq(services.id, environments.serviceId)).where(eq(environments.id, envId));
    const pass = (at: Date) => scoreEnvironment(database.db, row!.service, row!.env, at, { maxRows: 4 });

    const first = await pass(now);
    expect(first).toMatchObject({ considered: 4, scored: 0 });
    expect(new Set(judged)).toEqual(new Set(['answer-0', 'answer-1', 'answer-2', 'answer-3']));

    // The judge is still down a minute later: the two answers not read yet are, and the oldest failed ones fill the
    // rest of the batch.
    judged.length = 0;
    const second = await pass(new Date(now.getTime() + 60_000));
    expect(second).toMatchObject({ considered: 4, scored: 0 });
    expect(new Set(judged)).toEqual(new Set(['answer-4', 'answer-5', 'answer-0', 'answer-1']));

    // Back up: everything gets its score.
    judgeUp = true;
    const third = await pass(new Date(now.getTime() + 120_000));
    const fourth = await pass(new Date(now.getTime() + 180_000));
    expect(third.scored + fourth.scored).toBe(6);
    const scored = await database.db.select({ requestId: onlineScores.requestId }).from(onlineScores).where(eq(onlineScores.environmentId, envId));
    expect(scored.map((s) => s.requestId).sort()).toEqual(['live-0', 'live-1', 'live-2', 'live-3', 'live-4', 'live-5']);
  });
});
