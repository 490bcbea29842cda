// Reading a drift window: the live requests of a span, sampled evenly down to `maxRows`, with their features,
// samples and feedback; and the plan that reads them numbers only the rows' keys, so a large window's samples
// and features are not carried through the sort (only the chosen rows' are read).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedback, requestLogs, type RequestFeatures } from '@/db/schema';
import { readTraffic, readWindow, textsOf, trafficQuery, windowArms } from '@/server/services/drift/windows';
import { rowsOf } from '@/server/services/monitoring/read';
import { freshDatabase, type TestDatabase } from '../helpers/db';

const serviceId = randomUUID();
const FEATURES: RequestFeatures = { inputChars: 10, outputChars: 8, messages: 1, finishReason: 'stop' };
const T = Date.UTC(2026, 10, 2, 12);
let database: TestDatabase;

beforeAll(async () => {
  database = await freshDatabase();
  // 40 answered user requests a minute apart, plus a smoke test's and a failed one that drift must skip.
  await database.db.insert(requestLogs).values([
    ...Array.from({ length: 40 }, (_, i) => ({
      at: new Date(T + i * 60_000),
      requestId: `req-${i}`,
      serviceId,
      environment: 'production',
      status: 200,
      latencyMs: 100 + i,
      outputTokens: i,
      features: { ...FEATURES, refusal: i % 2 === 0 },
      sample: { input: `question ${i}`, output: `answer ${i}` },
    })),
    { at: new Date(T + 90_000), requestId: 'smoke', serviceId, environment: 'production', status: 200, synthetic: true, latencyMs: 1, features: FEATURES },
    { at: new Date(T + 150_000), requestId: 'failed', serviceId, environment: 'production', status: 502, latencyMs: 1, features: FEATURES },
  ]);
  await database.db.insert(feedback).values([
    { requestId: 'req-0', serviceId, environment: 'production', score: 1 },
    { requestId: 'req-0', serviceId, environment: 'production', score: 0 },
  ]);
});
afterAll(() => database.close());

/** A second environment: 60 requests of release #1 of which every fifth kept a sample, and 3 of a small arm, #2. */
async function sparseEnvironment() {
  const arm1 = randomUUID();
  const arm2 = randomUUID();
  await database.db.insert(requestLogs).values([
    ...Array.from({ length: 60 }, (_, i) => ({
      at: new Date(T + i * 30_000),
      requestId: `sparse-${i}`,
      serviceId,
      environment: 'staging',
      status: 200,
      latencyMs: 50,
      releaseId: arm1,
      releaseNumber: 1,
      features: FEATURES,
      sample: i % 5 === 0 ? { input: `kept question ${i}`, output: `kept answer ${i}` } : null,
    })),
    ...[7, 23, 41].map((i) => ({ at: new Date(T + i * 30_000 + 1000), requestId: `arm2-${i}`, serviceId, environment: 'staging', status: 200, latencyMs: 50, releaseId: arm2, releaseNumber: 2, features: FEATURES })),
  ]);
  return { arm1, arm2 };
}

const window = (maxRows: number) => ({ serviceId, environment: 'production', from: new Date(T), to: new Date(T + 3_600_000), maxRows });

/** Every node of a plan (EXPLAIN's JSON), depth first. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  return [plan, ...((plan.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(nodes)];
}

describe('a drift window', () => {
  it('reads its texts from the requests that kept a sample, sampled on their own, and finds every release arm', async () => {
    const { arm1, arm2 } = await sparseEnvironment();
    const span = { serviceId, environment: 'staging', from: new Date(T), to: new Date(T + 3_600_000) };
    const read = await readWindow(database.db, { ...span, maxRows: 12 });
    expect(read.rows).toHaveLength(12);
    // All 12 kept samples, not the two or three that fall among 12 rows spread over 63.
    expect(textsOf({ ...read, inputsOnly: false, window: { from: '', to: '', rows: 12, total: 63, label: '' } }, 'input')).toEqual(Array.from({ length: 12 }, (_, k) => `kept question ${k * 5}`));
    expect(read.rows.filter((r) => r.input !== null).length).toBeLessThan(6);
    // Release #2 answered 3 of 63: an even sample of 12 may miss it, the arms do not.
    expect((await windowArms(database.db, span)).sort((a, b) => (a.releaseNumber ?? 0) - (b.releaseNumber ?? 0))).toEqual([
      { releaseId: arm1, releaseNumber: 1 },
      { releaseId: arm2, releaseNumber: 2 },
    ]);
  });

  it('keeps live requests only, evenly spaced down to maxRows, with features, samples and feedback', async () => {
    const all = await readTraffic(database.db, window(1000));
    expect(all.total).toBe(40);
    expect(all.rows.map((r) => r.requestId)).toEqual(Array.from({ length: 40 }, (_, i) => `req-${i}`));
    expect(all.rows[0]).toMatchObject({ input: 'question 0', output: 'answer 0', refusal: true, finishReason: 'stop', feedback: 0.5, latencyMs: 100 });
    const kept = await readTraffic(database.db, window(10));
    expect(kept.total).toBe(40);
    expect(kept.rows.map((r) => r.outputTokens)).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35, 39]);
    expect(kept.rows[1]).toMatchObject({ input: 'question 7', output: 'answer 7', feedback: null });
  });

  it('numbers and sorts only the keys, not the samples and features of the whole window', async () => {
    const explained = rowsOf<{ 'QUERY PLAN': unknown }>(await database.db.execute(sql`explain (verbose, format json) ${trafficQuery(window(10))}`));
    const raw = explained[0]!['QUERY PLAN'];
    const plan = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Record<string, unknown> }[])[0]!.Plan;
    const numbering = nodes(plan).filter((n) => n['Node Type'] === 'WindowAgg');
    expect(numbering.length).toBeGreaterThan(0);
    for (const node of numbering.flatMap(nodes)) {
      const output = ((node.Output as string[] | undefined) ?? []).join(', ');
      expect(output, `${String(node['Node Type'])} outputs ${output}`).not.toMatch(/\b(sample|features)\b/);
    }
  });
});
