// Online-quality and feedback rules over their windows. A window ends at the evaluation grain (the whole hour, or
// the quarter hour for windows shorter than an hour) and spans the rule's `windowHours` before it; the window
// before it, of the same length, is what a drop is measured against. The source key is the rule's source and the
// window's end (`feedback:2026-12-04T05:00Z`), so however often the evaluation runs within the grain a window fires
// once; and a rule that fired stays quiet until its windows no longer overlap the one that fired, so a lasting drop
// is one event per window length, not one per hour.
import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { feedback, onlineScores, triggerEvents, type TriggerRule } from '@/db/schema';
import { rowsOf } from '../monitoring/read';
import type { QualityData, WindowFigures } from './message';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The evaluation grain of a rule: the hour, or the quarter hour for windows under an hour. */
export function grainMs(rule: Pick<TriggerRule, 'windowHours'>): number {
  return rule.windowHours >= 1 ? HOUR : 15 * MINUTE;
}

export function windowOf(rule: Pick<TriggerRule, 'windowHours'>, now: Date): { start: Date; end: Date; previousStart: Date } {
  const grain = grainMs(rule);
  const end = Math.floor(now.getTime() / grain) * grain;
  const length = Math.round(rule.windowHours * HOUR);
  return { start: new Date(end - length), end: new Date(end), previousStart: new Date(end - 2 * length) };
}

export const qualitySourceKey = (rule: Pick<TriggerRule, 'source'>, end: Date) => `${rule.source}:${end.toISOString().slice(0, 16)}Z`;

interface Tally {
  count: number;
  sum: number;
  byRelease: Map<number, number>;
}

const emptyTally = (): Tally => ({ count: 0, sum: 0, byRelease: new Map() });

function add(t: Tally, release: number | null, n: number, sum: number): void {
  t.count += n;
  t.sum += sum;
  if (release !== null) t.byRelease.set(release, (t.byRelease.get(release) ?? 0) + n);
}

/** The release that served most of what the window counted. */
function mainRelease(t: Tally): number | null {
  let best: [number, number] | null = null;
  for (const [release, n] of t.byRelease) if (!best || n > best[1] || (n === best[1] && release > best[0])) best = [release, n];
  return best?.[0] ?? null;
}

/**
 * Online scores of the environment in both windows: per window, how many and how many passed. A score taken past
 * the day's judge budget (its model-graded assertions left out) is not counted: it measures less than the others,
 * so spending the budget would move the pass rate by itself.
 */
async function onlineTallies(db: Db, environmentId: string, w: ReturnType<typeof windowOf>): Promise<[Tally, Tally]> {
  const rows = await db
    .select({
      current: sql<boolean>`${onlineScores.at} >= ${w.start.toISOString()}::timestamptz`,
      release: onlineScores.releaseNumber,
      n: sql<number>`count(*)::int`,
      passed: sql<number>`(count(*) filter (where ${onlineScores.pass}))::int`,
    })
    .from(onlineScores)
    .where(and(eq(onlineScores.environmentId, environmentId), eq(onlineScores.budgetSkipped, false), gte(onlineScores.at, w.previousStart), lt(onlineScores.at, w.end)))
    .groupBy(sql`1`, onlineScores.releaseNumber);
  const [cur, prev] = [emptyTally(), emptyTally()];
  for (const r of rows) add(r.current ? cur : prev, r.release, Number(r.n), Number(r.passed));
  return [cur, prev];
}

/**
 * Feedback on the environment's live answers in both windows (by when the feedback arrived): only feedback on an
 * answered (status 200), non-shadow, non-synthetic request counts, for the release that answered it.
 */
async function feedbackTallies(db: Db, serviceId: string, environment: string, w: ReturnType<typeof windowOf>): Promise<[Tally, Tally]> {
  const result = await db.execute(sql`
    select fb.at >= ${w.start.toISOString()}::timestamptz as current, l.release_number as release, count(*)::int as n, sum(fb.score)::float8 as total
    from ${feedback} fb
    join lateral (
      select r.release_number from request_logs r
      where r.request_id = fb.request_id and r.service_id = fb.service_id and r.status = 200 and not r.shadow and not r.synthetic
      limit 1
    ) l on true
    where fb.service_id = ${serviceId} and fb.environment = ${environment}
      and fb.at >= ${w.previousStart.toISOString()}::timestamptz and fb.at < ${w.end.toISOString()}::timestamptz
    group by 1, 2`);
  const [cur, prev] = [emptyTally(), emptyTally()];
  for (const r of rowsOf<{ current: boolean; release: number | null; n: number; total: number }>(result)) add(r.current ? cur : prev, r.release === null ? null : Number(r.release), Number(r.n), Number(r.total));
  return [cur, prev];
}

const figures = (t: Tally): WindowFigures => ({ count: t.count, value: t.count ? t.sum / t.count : null });

/** Judges one rule's window: the figures it fired on, or null when it does not fire. */
export function judgeWindow(rule: TriggerRule, w: ReturnType<typeof windowOf>, current: WindowFigures, previous: WindowFigures): Omit<QualityData, 'kind'> | null {
  const crossed: QualityData['crossed'] = [];
  const enough = (f: WindowFigures) => f.count >= Math.max(1, rule.minCount) && f.value !== null;
  if (rule.threshold !== null && enough(current) && current.value! < rule.threshold) crossed.push('threshold');
  if (rule.maxDrop !== null && enough(current) && enough(previous) && previous.value! - current.value! > rule.maxDrop + 1e-12) crossed.push('drop');
  if (!crossed.length) return null;
  return {
    metric: rule.source === 'online-quality' ? 'online-pass-rate' : 'feedback-mean',
    windowHours: rule.windowHours,
    windowStart: w.start.toISOString(),
    windowEnd: w.end.toISOString(),
    current,
    previous,
    crossed,
    threshold: rule.threshold,
    maxDrop: rule.maxDrop,
    minCount: rule.minCount,
  };
}

/** Whether an earlier event of the rule covered a window overlapping this one (the same episode). */
async function firedOverlapping(db: Db, environmentId: string, rule: TriggerRule, start: Date): Promise<boolean> {
  const [last] = await db
    .select({ data: triggerEvents.data })
    .from(triggerEvents)
    .where(and(eq(triggerEvents.environmentId, environmentId), eq(triggerEvents.ruleId, rule.id), eq(triggerEvents.source, rule.source)))
    .orderBy(desc(triggerEvents.at))
    .limit(1);
  const end = (last?.data as { windowEnd?: string } | undefined)?.windowEnd;
  return !!end && Date.parse(end) > start.getTime();
}

export interface QualityFiring {
  sourceKey: string;
  releaseNumber: number | null;
  data: QualityData;
}

/** Evaluates one online-quality or feedback rule of an environment at `now`. */
export async function evaluateQualityRule(db: Db, env: { id: string; name: string; serviceId: string }, rule: TriggerRule, now: Date): Promise<QualityFiring | null> {
  const w = windowOf(rule, now);
  const [cur, prev] = rule.source === 'online-quality' ? await onlineTallies(db, env.id, w) : await feedbackTallies(db, env.serviceId, env.name, w);
  const judged = judgeWindow(rule, w, figures(cur), figures(prev));
  if (!judged) return null;
  if (await firedOverlapping(db, env.id, rule, w.start)) return null;
  return { sourceKey: qualitySourceKey(rule, w.end), releaseNumber: mainRelease(cur), data: { kind: 'quality', ...judged } };
}
