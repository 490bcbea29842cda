// Rollout analysis on real telemetry: the figures of each arm from request_logs and feedback (window, shadow
// and fallback rows, streamed-only TTFT), and the verdict on a degraded and on a healthy candidate.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { feedback, requestLogs, type RequestLog } from '@/db/schema';
import { analyseArms, gatherFigures } from '@/server/rollouts/analysis';
import { DEFAULT_ANALYSIS } from '@/server/services/environments/settings';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';

let database: TestDatabase;
let serviceId: string;
let stable: { id: string; number: number };
let candidate: { id: string; number: number };
let n = 0;

const T0 = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const window = { since: T0, until: at(600) };
const slos = { p95LatencyMs: 3000, maxErrorRate: 0.05, maxCostPerRequestUsd: 0.05, minEvalScore: null, p95TtftMs: null };
const settings = { ...DEFAULT_ANALYSIS, minSamples: 20, minFeedbackSamples: 5 };

interface Row {
  release: { id: string; number: number };
  status?: number;
  latencyMs?: number;
  ttftMs?: number | null;
  /** Streamed answers have a real time to first token; the gateway records a whole answer's time for the others. */
  stream?: boolean;
  costUsd?: number;
  seconds?: number;
  shadow?: boolean;
  fallback?: boolean;
  environment?: string;
  requestId?: string;
  score?: number;
}

/** Inserts request_logs rows (and feedback for those with a score); returns their request ids. */
async function log(rows: Row[]): Promise<string[]> {
  const values: RequestLog[] = rows.map((r) => ({
    at: at(r.seconds ?? 10),
    requestId: r.requestId ?? `req-${++n}`,
    serviceId,
    environment: r.environment ?? 'production',
    releaseId: r.release.id,
    releaseNumber: r.release.number,
    shadow: r.shadow ?? false,
    fallback: r.fallback ?? false,
    stream: r.stream ?? r.ttftMs != null,
    status: r.status ?? 200,
    errorClass: (r.status ?? 200) === 200 ? null : 'upstream_error',
    latencyMs: r.latencyMs ?? 100,
    ttftMs: r.ttftMs ?? null,
    costUsd: r.costUsd ?? 0.001,
    features: { inputChars: 10, outputChars: 10, messages: 1, finishReason: 'stop' },
  }));
  await database.db.insert(requestLogs).values(values);
  const scored = rows.map((r, i) => ({ r, requestId: values[i]!.requestId })).filter(({ r }) => r.score !== undefined);
  if (scored.length) await database.db.insert(feedback).values(scored.map(({ r, requestId }) => ({ requestId, serviceId, environment: r.environment ?? 'production', score: r.score!, at: at(700) })));
  return values.map((v) => v.requestId);
}

const times = <T>(count: number, f: (i: number) => T) => Array.from({ length: count }, (_, i) => f(i));
const figures = (releaseIds: string[], over: Partial<Parameters<typeof gatherFigures>[1]> = {}) =>
  gatherFigures(database.db, { serviceId, environment: 'production', releaseIds, releaseNumber: null, ...window, excludeFallback: false, ...over });

beforeAll(async () => {
  database = await freshDatabase();
  const { api, model, r1 } = await seedRegistry(database.db, 'analysis-svc');
  const r2 = await api.releases.create({ service: 'analysis-svc', model: model.ref, prompts: ['answer@1'], notes: 'candidate' });
  serviceId = r1.serviceId;
  stable = { id: r1.id, number: r1.number };
  candidate = { id: r2.id, number: r2.number };
});
afterAll(() => database?.close());
beforeEach(async () => {
  await database.db.delete(feedback).where(eq(feedback.serviceId, serviceId));
  await database.db.delete(requestLogs).where(eq(requestLogs.serviceId, serviceId));
});

describe('gathering the figures of an arm', () => {
  it('counts requests, errors, p95 latency, streamed TTFT, cost per request and feedback', async () => {
    await log([
      // 1..20 ms latencies, two errors, four streamed answers.
      ...times(20, (i) => ({ release: candidate, latencyMs: i + 1, status: i < 2 ? 502 : 200, costUsd: i < 2 ? 0 : 0.002, ...(i >= 16 ? { ttftMs: (i - 15) * 10, stream: true } : { ttftMs: i + 1, stream: false }) })),
      // Feedback on two answers, and on a failed request (which does not count).
      { release: candidate, latencyMs: 10, score: 1 },
      { release: candidate, latencyMs: 10, score: 0 },
      { release: candidate, latencyMs: 10, status: 500, score: -1 },
    ]);
    const f = await figures([candidate.id], { releaseNumber: candidate.number });
    expect(f).toMatchObject({ releaseNumber: candidate.number, requests: 23, errors: 3, feedbackCount: 2, feedbackMean: 0.5 });
    expect(f.errorRate).toBeCloseTo(3 / 23);
    // percentile_cont over 1..20 and three more 10s: rank 0.95 × 22 = 20.9, between 18 and 19.
    expect(f.p95LatencyMs).toBeCloseTo(18.9);
    // TTFT only from the four streamed rows (10, 20, 30, 40): 0.95 × 3 = 2.85 between 30 and 40.
    expect(f.p95TtftMs).toBeCloseTo(38.5);
    expect(typeof f.p95LatencyMs).toBe('number');
    expect(f.costPerRequestUsd).toBeCloseTo((18 * 0.002 + 3 * 0.001) / 23);
  });

  it('counts feedback sent twice for one request twice, without counting the request twice', async () => {
    const [id] = await log([{ release: candidate, score: 1 }]);
    await database.db.insert(feedback).values({ requestId: id!, serviceId, environment: 'production', score: 0 });
    expect(await figures([candidate.id])).toMatchObject({ requests: 1, feedbackCount: 2, feedbackMean: 0.5 });
  });

  it('keeps to the window, the environment, live traffic and the releases asked for', async () => {
    await log([
      { release: candidate, seconds: 0 },
      { release: candidate, seconds: 599 },
      { release: candidate, seconds: -1 },
      { release: candidate, seconds: 600 },
      { release: candidate, shadow: true, status: 500 },
      { release: candidate, environment: 'staging' },
      { release: stable },
    ]);
    expect(await figures([candidate.id])).toMatchObject({ requests: 2, errors: 0 });
    expect(await figures([candidate.id, stable.id])).toMatchObject({ requests: 3 });
  });

  it('leaves out fallback rows when asked', async () => {
    // A failed canary request answered by the stable release: one row for each.
    const [id] = await log([{ release: candidate, status: 502 }]);
    await log([{ release: stable, fallback: true, requestId: id, score: 1 }, { release: stable, score: 0.5 }]);
    expect(await figures([stable.id])).toMatchObject({ requests: 2, feedbackCount: 2 });
    expect(await figures([stable.id], { excludeFallback: true })).toMatchObject({ requests: 1, feedbackCount: 1, feedbackMean: 0.5 });
    expect(await figures([candidate.id])).toMatchObject({ requests: 1, errors: 1, feedbackCount: 0, feedbackMean: null });
  });

  it('has no figures without traffic or releases', async () => {
    const none = { requests: 0, errors: 0, errorRate: null, p95LatencyMs: null, p95TtftMs: null, costPerRequestUsd: null, feedbackCount: 0, feedbackMean: null, qualityCount: 0, qualityPassRate: null };
    expect(await figures([candidate.id])).toEqual({ releaseNumber: null, ...none });
    expect(await figures([], { releaseNumber: 3 })).toEqual({ releaseNumber: 3, ...none });
  });
});

describe('analysing the arms of a rollout step', () => {
  const input = () => ({
    serviceId,
    environment: 'production',
    step: 1,
    candidate: { releaseId: candidate.id, releaseNumber: candidate.number },
    baseline: { releaseIds: [stable.id], releaseNumber: stable.number },
    window,
    slos,
    settings,
  });
  const stableTraffic = () => log(times(100, (i) => ({ release: stable, latencyMs: 300 + i, status: i < 1 ? 500 : 200 })));

  it('fails a degraded candidate, naming its figures', async () => {
    await stableTraffic();
    await log(times(40, (i) => ({ release: candidate, latencyMs: 800 + i, status: i < 4 ? 502 : 200 })));
    const r = await analyseArms(database.db, input());
    expect(r).toMatchObject({ step: 1, verdict: 'fail', at: window.until.toISOString(), since: window.since.toISOString() });
    expect(r.candidate).toMatchObject({ releaseNumber: candidate.number, requests: 40, errors: 4 });
    expect(r.baseline).toMatchObject({ releaseNumber: stable.number, requests: 100, errors: 1 });
    expect(r.summary).toContain('error rate 10.0% is above the SLO of 5.0%');
    expect(r.summary).toContain("error rate 10.0% is 9.0 points above the stable arm's 1.0% (limit 2.0 points)");
    expect(r.summary).toMatch(/p95 latency 837 ms is 2\.12× the stable arm's 394 ms \(limit 1\.50×\)/);
  });

  it('does not count the candidate’s failures answered by the stable release for the stable arm', async () => {
    await stableTraffic();
    const failed = await log(times(5, () => ({ release: candidate, status: 502 })));
    await log(failed.map((requestId) => ({ release: stable, fallback: true, requestId, latencyMs: 5000 })));
    await log(times(35, (i) => ({ release: candidate, latencyMs: 300 + i })));
    const r = await analyseArms(database.db, input());
    expect(r.baseline).toMatchObject({ requests: 100, errors: 1 });
    expect(r.candidate).toMatchObject({ requests: 40, errors: 5 });
    expect(r.verdict).toBe('fail');
  });

  it('passes a healthy candidate', async () => {
    await stableTraffic();
    await log(times(40, (i) => ({ release: candidate, latencyMs: 310 + i })));
    const r = await analyseArms(database.db, input());
    expect(r.verdict).toBe('pass');
    expect(r.summary).toBe('healthy: 40 requests, error rate 0.0%, p95 347 ms');
    expect(r.checks.filter((c) => c.kind === 'relative').map((c) => c.metric)).toEqual(['error-rate', 'p95-latency', 'cost-per-request']);
  });

  it('compares with the stable arm over its own window when given one', async () => {
    await log(times(60, (i) => ({ release: stable, seconds: -300 + i, latencyMs: 100 })));
    await log(times(30, () => ({ release: candidate, latencyMs: 400 })));
    const r = await analyseArms(database.db, { ...input(), baselineWindow: { since: at(-600), until: T0 } });
    expect(r.baseline).toMatchObject({ requests: 60, p95LatencyMs: 100 });
    expect(r.verdict).toBe('fail');
    expect(r.summary).toBe("p95 latency 400 ms is 4.00× the stable arm's 100 ms (limit 1.50×)");
  });

  it('applies only the SLOs without a stable arm, and waits for traffic', async () => {
    await log(times(30, () => ({ release: candidate, latencyMs: 400 })));
    const alone = await analyseArms(database.db, { ...input(), baseline: null });
    expect(alone).toMatchObject({ verdict: 'pass', baseline: null });
    expect(alone.checks.every((c) => c.kind === 'slo')).toBe(true);
    expect(await analyseArms(database.db, { ...input(), baseline: { releaseIds: [], releaseNumber: null } })).toMatchObject({ verdict: 'pass', baseline: null });
    const early = await analyseArms(database.db, { ...input(), settings: { ...settings, minSamples: 50 } });
    expect(early).toMatchObject({ verdict: 'inconclusive', summary: 'not enough traffic to decide: the candidate served 30 of the 50 requests needed' });
  });
});
