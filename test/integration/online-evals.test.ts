// Online evals end to end: live requests through the gateway to the reference model server (ref-small on release
// #1, ref-degraded on #2, as shipped), the share kept for scoring chosen by request id, a pass of the scoring job
// with the suite's live assertions (a deterministic one and a model-graded one asking ref-grader; those needing an
// expected answer left out and named), pass rates per release from the API, the daily budget stopping judge calls,
// and shadow, synthetic and failed requests never scored.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlineEvalState, onlineScores, releases, requestLogs, type RequestLog } from '@/db/schema';
import { Gateway } from '@/server/gateway/handler';
import { inSample, sampleFraction } from '@/server/lib/sampling';
import { loadReferenceModelConfig, QUESTIONS } from '@/server/reference-model';
import { DEFAULT_CHECKS } from '@/server/services/checks/settings';
import { runOnlineEvals } from '@/server/services/online-evals/score';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { evalService, questionCases, startCountingUpstream, storeDataset, type CountingUpstream } from '../helpers/eval-run-fixtures';
import { withoutGates } from '../helpers/gates';

const S = 'support-bot';
const SUITE = `description: Helpful, correct answers
dataset: questions
threshold: 1
assertions:
  - type: not-is-refusal
  - type: llm-rubric
    value: The answer is correct.
    judge: grader@1
  - type: icontains
    value: "{{expected}}"
  - type: equals
`;

let database: TestDatabase;
let up: CountingUpstream;
let gateway: Gateway;
let server: http.Server;
let base: string;
let key: string;
let api: Awaited<ReturnType<typeof evalService>>['api'];
let serviceId: string;

const checks = (onlineEvals: Partial<typeof DEFAULT_CHECKS.onlineEvals>) => ({ ...DEFAULT_CHECKS, onlineEvals: { ...DEFAULT_CHECKS.onlineEvals, enabled: true, suite: 'online', ...onlineEvals } });

/**
 * Sends `n` questions pinned to a release through the gateway, each framed by `frame` (by default numbered, so each
 * prompt is new and the model's answer a fresh draw, as with real users); returns the request ids.
 */
async function ask(environment: string, release: number, n: number, frame = (q: string, i: number) => `${q} (ticket ${i})`): Promise<string[]> {
  const client = new OpenAI({ apiKey: key, baseURL: `${base}/gw/${S}/${environment}/v1`, maxRetries: 0, defaultHeaders: { 'x-slipway-release': String(release) } });
  const one = async (i: number): Promise<string | null> => {
    const question = frame(QUESTIONS[i % QUESTIONS.length]!.question, i);
    try {
      const { response } = await client.chat.completions.create({ model: S, messages: [], slipway: { prompt: 'answer', variables: { question } } } as never).withResponse();
      return response.headers.get('x-slipway-request-id');
    } catch (err) {
      // ref-degraded fails some requests on purpose; they are logged and never scored.
      return (err as { headers?: Headers }).headers?.get?.('x-slipway-request-id') ?? null;
    }
  };
  const ids: string[] = [];
  // Ten at a time, like a handful of users.
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, j) => one(i + j)));
    ids.push(...batch.filter((id): id is string => id !== null));
  }
  return ids;
}

/** Reloads the gateway's snapshot after a save: twice, as the first may join a reload that began before the save. */
async function reload() {
  await gateway.refresh(true);
  await gateway.refresh(true);
}

/** Waits until the gateway's telemetry of these requests is written. */
async function logged(ids: string[]) {
  for (let i = 0; i < 200; i++) {
    const rows = await database.db.select({ id: requestLogs.requestId }).from(requestLogs).where(inArray(requestLogs.requestId, ids));
    if (rows.length >= ids.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const rows = await database.db.select({ id: requestLogs.requestId }).from(requestLogs).where(inArray(requestLogs.requestId, ids));
  throw new Error(`telemetry was not written: ${rows.length} of ${ids.length}; ${ids.slice(0, 3).join(', ')}`);
}

beforeAll(async () => {
  // The shipped behaviours, answering at once (latency is not under test).
  const shipped = loadReferenceModelConfig().models;
  const fast = (name: string) => ({ ...shipped[name]!, latency: undefined });
  up = await startCountingUpstream({ seed: 7, models: { 'ref-small': fast('ref-small'), 'ref-degraded': fast('ref-degraded'), 'ref-grader': fast('ref-grader'), 'ref-down': { errors: { rate: 1, status: 503 } } } });
  database = await freshDatabase();
  const db = database.db;
  const svc = await evalService(db, S);
  api = svc.api;
  serviceId = svc.serviceId;
  const register = (model: string, upstreamModel: string) =>
    api.models.register({ model, providerKind: 'openai-compatible', baseUrl: up.url, upstreamModel, priceInputPer1M: 1, priceOutputPer1M: 2, defaultParams: { temperature: 0 } });
  await register('support-llm', 'ref-small');
  await register('support-llm', 'ref-degraded');
  await register('grader', 'ref-grader');
  await register('grader', 'ref-down');
  await api.releases.create({ service: S, model: 'support-llm@1', prompts: ['answer@1'] });
  await api.releases.create({ service: S, model: 'support-llm@2', prompts: ['answer@1'] });
  await withoutGates(api, S);
  for (const environment of ['production', 'staging']) {
    await api.environments.deploy({ service: S, environment, routes: [{ release: 1, weight: 100 }], bypass: { reason: 'the stable release for the tests' } });
  }
  await storeDataset(db, serviceId, 'questions', questionCases(3));
  await api.evals.saveSuite({ service: S, name: 'online', yaml: SUITE });
  key = (await api.gatewayKeys.create({ service: S, name: 'app', allowPin: true })).key;
  gateway = new Gateway({ db, databaseUrl: database.url, pollIntervalMs: database.url ? 5000 : 100, telemetry: { flushIntervalMs: 50 } });
  await gateway.start();
  server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.close();
  await up?.close();
  await database?.close();
});

describe('online evals', { timeout: 60_000 }, () => {
  it('keep and score the share chosen by request id, and tell ref-small from ref-degraded by pass rate', async () => {
    await api.checks.update({ service: S, environment: 'production', checks: checks({ samplePercent: 50, dailyBudgetUsd: 5 }) });
    await reload();
    const ids = [...(await ask('production', 1, 200)), ...(await ask('production', 2, 200))];
    await logged(ids);
    const rows = await database.db.select().from(requestLogs).where(inArray(requestLogs.requestId, ids));
    // The gateway keeps exactly the requests whose id falls in the 50% share (and nothing else: its own share is 0).
    const kept = rows.filter((r) => r.sample !== null).map((r) => r.requestId);
    expect(kept.sort()).toEqual(rows.filter((r) => inSample(r.requestId, 50)).map((r) => r.requestId).sort());
    expect(kept.length / rows.length).toBeGreaterThan(0.35);
    expect(kept.length / rows.length).toBeLessThan(0.65);

    const before = up.count('ref-grader');
    const pass = await runOnlineEvals(database.db);
    const prod = pass.environments.find((e) => e.environment === 'production')!;
    const answered = rows.filter((r) => r.sample !== null && r.status === 200);
    expect(prod).toMatchObject({ problem: null, scored: answered.length, budgetSkipped: 0 });
    expect(prod.costUsd).toBeGreaterThan(0);
    // One judge call per scored answer that was not answered before (the eval cache keeps judge answers).
    expect(up.count('ref-grader') - before).toBeGreaterThan(0);
    expect(up.count('ref-grader') - before).toBeLessThanOrEqual(answered.length);
    const scores = await database.db.select().from(onlineScores).where(eq(onlineScores.environment, 'production'));
    expect(scores.map((s) => s.requestId).sort()).toEqual(answered.map((r) => r.requestId).sort());
    // Only the live assertions ran: the refusal check and the judge's, never the two that need an expected answer.
    expect(new Set(scores.flatMap((s) => s.outcomes.map((o) => o.type)))).toEqual(new Set(['not-is-refusal', 'llm-rubric']));

    // A second pass finds nothing new and calls nothing.
    const again = await runOnlineEvals(database.db);
    expect(again.environments.find((e) => e.environment === 'production')).toMatchObject({ considered: 0, scored: 0 });

    const series = await api.onlineEvals.series({ service: S, environment: 'production', range: '1h' });
    expect(series.releases).toEqual([2, 1]);
    const rate = (r: number) => series.totals.find((t) => t.release === r)!;
    expect(rate(1).count + rate(2).count).toBe(answered.length);
    expect(series.points.reduce((n, p) => n + p.count, 0)).toBe(answered.length);
    // ref-small answers correctly 80% of the time, ref-degraded 50% and refuses harmless questions more often.
    expect(rate(1).passRate - rate(2).passRate).toBeGreaterThan(0.1);
    expect(rate(1).meanScore).toBeGreaterThan(rate(2).meanScore);
    // eslint-disable-next-line no-console -- the figures the README quotes
    console.log(`online pass rate: #1 (ref-small) ${rate(1).passRate.toFixed(3)} of ${rate(1).count}, #2 (ref-degraded) ${rate(2).passRate.toFixed(3)} of ${rate(2).count}`);

    const recent = await api.onlineEvals.recent({ service: S, environment: 'production', limit: 5 });
    expect(recent.items).toHaveLength(5);
    expect(recent.suite).toMatchObject({ name: 'online', version: 1, assertions: [{ index: 0, type: 'not-is-refusal', modelGraded: false }, { index: 1, type: 'llm-rubric', modelGraded: true }] });
    expect(recent.suite!.skipped.map((s) => [s.index, s.type])).toEqual([
      [2, 'icontains'],
      [3, 'equals'],
    ]);
    expect(recent.suite!.skipped[0]!.reason).toMatch(/expected answer/);
    expect(recent.spend.spentUsd).toBeCloseTo(prod.costUsd, 10);
  });

  it('stops judge calls once the day’s budget is spent, and scores with the deterministic assertions alone', async () => {
    await api.checks.update({ service: S, environment: 'staging', checks: checks({ samplePercent: 100, dailyBudgetUsd: 0.000001 }) });
    await reload();
    // A framing not judged before, so no judge answer comes from the cache.
    const ids = await ask('staging', 1, 20, (q, i) => `Please help with ticket ${i}: ${q}`);
    await logged(ids);
    const answered = (await database.db.select().from(requestLogs).where(inArray(requestLogs.requestId, ids))).filter((r) => r.status === 200).length;
    const before = up.count('ref-grader');
    const pass = (await runOnlineEvals(database.db)).environments.find((e) => e.environment === 'staging')!;
    const judged = up.count('ref-grader') - before;
    expect(pass.scored).toBe(answered);
    // The budget is checked before each answer: only the answers already being judged when it ran out were.
    expect(judged).toBeGreaterThanOrEqual(1);
    expect(judged).toBeLessThanOrEqual(4);
    expect(pass.budgetSkipped).toBe(answered - judged);
    const scores = await database.db.select().from(onlineScores).where(eq(onlineScores.environment, 'staging'));
    const skipped = scores.filter((s) => s.budgetSkipped);
    expect(skipped).toHaveLength(answered - judged);
    expect(skipped.every((s) => s.costUsd === 0 && s.outcomes.map((o) => o.type).join() === 'not-is-refusal')).toBe(true);
    const [state] = await database.db.select().from(onlineEvalState).where(eq(onlineEvalState.environmentId, scores[0]!.environmentId));
    expect(state!.spentUsd).toBeGreaterThan(0.000001);
    expect(state!.spentUsd).toBeCloseTo(scores.reduce((n, s) => n + s.costUsd, 0), 12);

    // The next pass, on new traffic, calls no judge at all.
    const more = await ask('staging', 1, 5, (q, i) => `One more, ticket ${i}: ${q}`);
    await logged(more);
    const answeredMore = (await database.db.select().from(requestLogs).where(inArray(requestLogs.requestId, more))).filter((r) => r.status === 200).length;
    const before2 = up.count('ref-grader');
    const next = (await runOnlineEvals(database.db)).environments.find((e) => e.environment === 'staging')!;
    expect(next).toMatchObject({ scored: answeredMore, budgetSkipped: answeredMore, costUsd: 0 });
    expect(answeredMore).toBeGreaterThan(0);
    expect(up.count('ref-grader')).toBe(before2);
    const recent = await api.onlineEvals.recent({ service: S, environment: 'staging' });
    expect(recent.spend).toMatchObject({ budgetUsd: 0.000001, exhausted: true });

    // The chart's pass rate is over whole scores only: those made without the judge are counted apart.
    const series = await api.onlineEvals.series({ service: S, environment: 'staging', range: '1h' });
    const total = series.totals.find((t) => t.release === 1)!;
    const all = await database.db.select().from(onlineScores).where(eq(onlineScores.environment, 'staging'));
    const whole = all.filter((s) => !s.budgetSkipped);
    expect(total.budgetSkipped).toBe(all.length - whole.length);
    expect(total.count).toBe(whole.length);
    expect(total.passed).toBe(whole.filter((s) => s.pass).length);
    expect(series.points.reduce((n, p) => n + p.count + p.budgetSkipped, 0)).toBe(all.length);
  });

  it('never scores shadow, synthetic or failed requests, nor those outside the share', async () => {
    await api.checks.update({ service: S, environment: 'dev', checks: checks({ samplePercent: 30 }) });
    const ids: string[] = [];
    for (let i = 0; ids.length < 5; i++) if (inSample(`dev-req-${i}`, 30)) ids.push(`dev-req-${i}`);
    const outside = Array.from({ length: 50 }, (_, i) => `dev-out-${i}`).filter((id) => sampleFraction(id) >= 0.3)[0]!;
    const [r1] = await database.db.select().from(releases).where(and(eq(releases.serviceId, serviceId), eq(releases.number, 1)));
    const row = (requestId: string, extra: Partial<RequestLog>): RequestLog => ({
      at: new Date(),
      requestId,
      serviceId,
      environment: 'dev',
      releaseId: r1!.id,
      releaseNumber: 1,
      status: 200,
      latencyMs: 100,
      features: { inputChars: 10, outputChars: 10, messages: 1, finishReason: 'stop' },
      sample: { input: 'How do I reset my password?', output: 'Open Settings and choose Reset password.' },
      ...extra,
    });
    await database.db.insert(requestLogs).values([
      row(ids[0]!, { shadow: true }),
      row(ids[1]!, { synthetic: true }),
      row(ids[2]!, { status: 502, errorClass: 'upstream_error' }),
      row(ids[3]!, { sample: null }),
      row(outside, {}),
      row(ids[4]!, {}),
    ]);
    const pass = (await runOnlineEvals(database.db)).environments.find((e) => e.environment === 'dev')!;
    expect(pass).toMatchObject({ considered: 1, scored: 1 });
    const scored = await database.db.select({ id: onlineScores.requestId }).from(onlineScores).where(and(eq(onlineScores.environment, 'dev'), isNotNull(onlineScores.requestId)));
    expect(scored.map((s) => s.id)).toEqual([ids[4]]);
  });

  it('does not count a judge that cannot be reached: the answer is scored by the rest, the failure shown at weight 0', async () => {
    await api.evals.saveSuite({ service: S, name: 'online-down', yaml: SUITE.replace('judge: grader@1', 'judge: grader@2') });
    await api.environments.create({ service: S, name: 'qa' });
    await api.environments.deploy({ service: S, environment: 'qa', routes: [{ release: 1, weight: 100 }] });
    await api.checks.update({ service: S, environment: 'qa', checks: checks({ suite: 'online-down', samplePercent: 100 }) });
    await reload();
    const ids = await ask('qa', 1, 4, (q, i) => `Judge is down, ticket ${i}: ${q}`);
    await logged(ids);
    expect(ids.length).toBe(4);
    const pass = (await runOnlineEvals(database.db)).environments.find((e) => e.environment === 'qa')!;
    expect(pass).toMatchObject({ problem: null });
    expect(pass.scored).toBeGreaterThan(0);
    const scores = await database.db.select().from(onlineScores).where(eq(onlineScores.environment, 'qa'));
    for (const s of scores) {
      const [refusal, rubric] = s.outcomes;
      expect(refusal).toMatchObject({ type: 'not-is-refusal', weight: 1 });
      expect(rubric).toMatchObject({ type: 'llm-rubric', pass: false, weight: 0 });
      expect(rubric!.reason).toMatch(/^not counted: the judge grader@2 failed/);
      // The score is the refusal check's alone.
      expect(s.score).toBe(refusal!.score);
      expect(s.pass).toBe(refusal!.pass);
    }
  });
});
