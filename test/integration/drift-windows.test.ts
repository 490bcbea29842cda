// Reading a drift window: the live requests of a span, sampled evenly down to `maxRows`, with their features,
// samples and feedback; and the plan that reads them numbers only the rows' keys, so a large window's samples
// and features are not carried through the sort (only the chosen rows' are read).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedback, requestLogs, type RequestFeatures } from '@/db/schema';
import { readTraffic, trafficQuery } from '@/server/services/drift/windows';
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

const window = (maxRows: number) => ({ serviceId, environment: 'production', from: new Date(T), to: new Date(T + 3_600_000), maxRows });

/** Every node of a plan (EXPLAIN's JSON), depth first. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  return [plan, ...((plan.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(nodes)];
}

describe('a drift window', () => {
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
