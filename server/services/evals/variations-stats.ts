// Per-cell figures of a prompt-variations run, from its results: score, pass rate, errors, cost, cache hits,
// median latency and the mean score of each named metric.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalResults, type EvalRun } from '@/db/schema';

export interface VariationCellStats {
  key: string;
  /** Cases scored so far. */
  cases: number;
  score: number;
  passRate: number;
  errors: number;
  cacheHits: number;
  /** What the cell's calls cost at the model's prices, cache hits counted at the price of the call they saved: the
   * cost of this configuration over the suite, whatever the cache spared this run. */
  costUsd: number;
  /** Median latency of the cell's calls (a cache hit reports the latency of the call it saved). */
  latencyP50Ms: number | null;
  metrics: Record<string, number>;
}

type Row = Record<string, unknown>;
const rowsOf = (result: unknown): Row[] => (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function variationCellStats(db: Db, run: Pick<EvalRun, 'id' | 'matrix'>): Promise<VariationCellStats[]> {
  const totals = rowsOf(
    await db.execute(sql`
      select ${evalResults.cell} as cell, count(*)::int as cases, avg(${evalResults.score})::float8 as score,
        avg(case when ${evalResults.pass} then 1 else 0 end)::float8 as pass_rate,
        count(${evalResults.error})::int as errors, sum(case when ${evalResults.cached} then 1 else 0 end)::int as cache_hits,
        sum(${evalResults.costUsd})::float8 as cost,
        percentile_cont(0.5) within group (order by ${evalResults.latencyMs})::float8 as p50
      from ${evalResults} where ${eq(evalResults.runId, run.id)} group by ${evalResults.cell}`),
  );
  const metrics = rowsOf(
    await db.execute(sql`
      select r.cell as cell, a->>'metric' as metric, avg((a->>'score')::float8)::float8 as score
      from ${evalResults} r, jsonb_array_elements(r.assertions) a
      where r.run_id = ${run.id} group by r.cell, a->>'metric'`),
  );
  const byCell = new Map(totals.map((r) => [String(r.cell), r]));
  return (run.matrix?.cells ?? []).map((c) => {
    const t = byCell.get(c.key);
    const m: Record<string, number> = {};
    for (const r of metrics) if (r.cell === c.key) m[String(r.metric)] = Number(r.score);
    return {
      key: c.key,
      cases: t ? Number(t.cases) : 0,
      score: t ? Number(t.score) : 0,
      passRate: t ? Number(t.pass_rate) : 0,
      errors: t ? Number(t.errors) : 0,
      cacheHits: t ? Number(t.cache_hits) : 0,
      costUsd: t ? Number(t.cost) : 0,
      latencyP50Ms: t ? num(t.p50) : null,
      metrics: m,
    };
  });
}
