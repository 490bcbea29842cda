// Reading online evals: an environment's scores per chart step and release (count, pass rate, mean score) with the
// markers of what changed, and its latest scores with the settings in force, the suite's assertions that score
// live answers and those left out (and why), and the day's spend against the budget.
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { onlineEvalState, onlineScores, type AssertionOutcome, type OnlineEvalSettings } from '@/db/schema';
import { checksOf } from '../checks/settings';
import { requireScope, type ServiceContext } from '../context';
import { environmentMarkers } from '../monitoring/markers';
import { chartRange } from '../monitoring/range';
import { rowsOf } from '../monitoring/read';
import { rangeInput, type Marker } from '../monitoring/types';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { onlineSuite, utcDay } from './score';

export const onlineSeriesInput = z.object({ service: slugSchema, environment: slugSchema }).and(rangeInput);
export const onlineRecentInput = z.object({ service: slugSchema, environment: slugSchema, limit: z.number().int().min(1).max(200).default(50) });

export interface OnlinePoint {
  /** ISO start of the bucket. */
  t: string;
  /** Release number (0: not attributed to a release). */
  release: number;
  /** Scores made with every assertion of the suite: what the pass rate and mean score are over. */
  count: number;
  passed: number;
  passRate: number;
  meanScore: number;
  /** Scores made without the model-graded assertions (the day's budget was spent). */
  budgetSkipped: number;
  costUsd: number;
}

export interface OnlineSeries {
  service: string;
  environment: string;
  from: string;
  to: string;
  stepSeconds: number;
  /** Releases with scores in the range, newest first. */
  releases: number[];
  points: OnlinePoint[];
  totals: Omit<OnlinePoint, 't'>[];
  markers: Marker[];
}

interface Bucket {
  t: Date | string;
  release: number;
  count: number | string;
  passed: number | string;
  score: number | string;
  skipped: number | string;
  cost: number | string;
}

function point(b: Omit<Bucket, 't'>): Omit<OnlinePoint, 't'> {
  const count = Number(b.count);
  return { release: Number(b.release), count, passed: Number(b.passed), passRate: count ? Number(b.passed) / count : 0, meanScore: count ? Number(b.score) / count : 0, budgetSkipped: Number(b.skipped), costUsd: Number(b.cost) };
}

export async function onlineSeries(ctx: ServiceContext, input: z.input<typeof onlineSeriesInput>): Promise<OnlineSeries> {
  requireScope(ctx, 'services:read');
  const data = onlineSeriesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const range = chartRange(data);
  const step = range.stepSeconds;
  const rows = rowsOf<Bucket>(
    await ctx.db.execute(sql`
      select to_timestamp(floor(extract(epoch from at) / ${step}) * ${step}) as t, coalesce(release_number, 0) as release,
        (count(*) filter (where not budget_skipped))::int as count, (count(*) filter (where pass and not budget_skipped))::int as passed,
        coalesce(sum(score) filter (where not budget_skipped), 0)::float8 as score,
        (count(*) filter (where budget_skipped))::int as skipped, sum(cost_usd)::float8 as cost
      from online_scores
      where environment_id = ${env.id} and at >= ${range.from} and at < ${range.to}
      group by 1, 2 order by 1, 2`),
  );
  const points = rows.map((r) => ({ t: new Date(r.t).toISOString(), ...point(r) }));
  const byRelease = new Map<number, Omit<Bucket, 't'>>();
  for (const r of rows) {
    const acc = byRelease.get(Number(r.release)) ?? { release: Number(r.release), count: 0, passed: 0, score: 0, skipped: 0, cost: 0 };
    acc.count = Number(acc.count) + Number(r.count);
    acc.passed = Number(acc.passed) + Number(r.passed);
    acc.score = Number(acc.score) + Number(r.score);
    acc.skipped = Number(acc.skipped) + Number(r.skipped);
    acc.cost = Number(acc.cost) + Number(r.cost);
    byRelease.set(Number(r.release), acc);
  }
  const releases = [...byRelease.keys()].sort((a, b) => b - a);
  return {
    service: service.name,
    environment: env.name,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    stepSeconds: step,
    releases,
    points,
    totals: releases.map((r) => point(byRelease.get(r)!)),
    markers: await environmentMarkers(ctx.db, env, range.from, range.to),
  };
}

export interface OnlineRecent {
  service: string;
  environment: string;
  settings: OnlineEvalSettings;
  /** The suite scoring now: its version, the assertions used on live answers and those left out with why. */
  suite: {
    name: string;
    version: number;
    threshold: number;
    assertions: { index: number; type: string; modelGraded: boolean }[];
    skipped: { index: number; type: string; reason: string }[];
  } | null;
  /** Why nothing is scored (no suite, no usable assertion), or null. */
  problem: string | null;
  /** The UTC day's spend on model-graded assertions. */
  spend: { day: string; spentUsd: number; budgetUsd: number; exhausted: boolean };
  /** Requests up to here have been considered. */
  watermarkAt: string | null;
  items: { at: string; requestId: string; releaseNumber: number | null; suiteVersionId: string; score: number; pass: boolean; costUsd: number; budgetSkipped: boolean; outcomes: AssertionOutcome[]; scoredAt: string }[];
}

export async function onlineRecent(ctx: ServiceContext, input: z.input<typeof onlineRecentInput>, now = new Date()): Promise<OnlineRecent> {
  requireScope(ctx, 'services:read');
  const data = onlineRecentInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const settings = checksOf(env).onlineEvals;
  const { suite, problem } = settings.suite ? await onlineSuite(ctx.db, service.id, settings) : { suite: null, problem: settings.enabled ? 'no eval suite is named' : null };
  const [state] = await ctx.db.select().from(onlineEvalState).where(eq(onlineEvalState.environmentId, env.id));
  const day = utcDay(now);
  const spentUsd = state && state.spendDay === day ? state.spentUsd : 0;
  const items = await ctx.db
    .select()
    .from(onlineScores)
    .where(and(eq(onlineScores.environmentId, env.id)))
    .orderBy(desc(onlineScores.at), desc(onlineScores.id))
    .limit(data.limit);
  return {
    service: service.name,
    environment: env.name,
    settings,
    suite: suite
      ? {
          name: suite.name,
          version: suite.version.version,
          threshold: suite.version.spec.threshold ?? 0.5,
          assertions: [...suite.assertions.deterministic, ...suite.assertions.modelGraded].sort((a, b) => a.index - b.index).map((a) => ({ index: a.index, type: a.type, modelGraded: a.modelGraded })),
          skipped: suite.assertions.skipped,
        }
      : null,
    problem: settings.enabled || settings.suite ? problem : null,
    spend: { day, spentUsd, budgetUsd: settings.dailyBudgetUsd, exhausted: spentUsd >= settings.dailyBudgetUsd },
    watermarkAt: state ? state.watermarkAt.toISOString() : null,
    items: items.map((s) => ({
      at: s.at.toISOString(),
      requestId: s.requestId,
      releaseNumber: s.releaseNumber,
      suiteVersionId: s.suiteVersionId,
      score: s.score,
      pass: s.pass,
      costUsd: s.costUsd,
      budgetSkipped: s.budgetSkipped,
      outcomes: s.outcomes,
      scoredAt: s.scoredAt.toISOString(),
    })),
  };
}
