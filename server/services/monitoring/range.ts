// Turns a dashboard range into [from, to), the chart step and the rollup grain that serves it: 1 min up to 2 h,
// 5 min up to 12 h, 1 h up to 7 d, then the smallest step that keeps a series at ≤ 400 points.
import { rollupsDay, rollupsHour, rollupsMinute, type RollupTable } from '@/db/schema';
import { env } from '@/server/env';
import { invalid } from '@/server/errors';
import { INSTANT_RULE, parseInstant } from '@/server/lib/instant';
import type { RangeInput } from './types';

const PRESETS = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;
const LONG_STEPS = [7200, 10_800, 21_600, 43_200, 86_400, 2 * 86_400, 7 * 86_400];
/** Longest range a query may ask for (the hour rollups' retention is longer, the charts are not). */
const MAX_SPAN_S = 400 * 86_400;

export interface ResolvedRange {
  from: Date;
  to: Date;
  stepSeconds: number;
}

export function resolveRange(input: RangeInput, now = new Date()): { from: Date; to: Date } {
  if ('range' in input) return { from: new Date(now.getTime() - PRESETS[input.range] * 1000), to: now };
  const [fromMs, toMs] = [parseInstant(input.from), parseInstant(input.to)];
  if (fromMs === undefined) throw invalid('from', INSTANT_RULE);
  if (toMs === undefined) throw invalid('to', INSTANT_RULE);
  const from = new Date(fromMs);
  const to = new Date(toMs);
  if (!(to > from)) throw invalid('to', 'must be after from');
  if ((to.getTime() - from.getTime()) / 1000 > MAX_SPAN_S) throw invalid('from', 'the range may span at most 400 days');
  return { from, to };
}

/** The chart step for a span of `seconds`. */
export function stepFor(seconds: number): number {
  if (seconds <= 2 * 3600) return 60;
  if (seconds <= 12 * 3600) return 300;
  if (seconds <= 7 * 86_400) return 3600;
  return LONG_STEPS.find((s) => seconds / s <= 400) ?? LONG_STEPS.at(-1)!;
}

/** The coarsest rollup whose buckets divide the step. */
export function tableFor(stepSeconds: number): RollupTable {
  if (stepSeconds % 86_400 === 0) return rollupsDay;
  if (stepSeconds % 3600 === 0) return rollupsHour;
  return rollupsMinute;
}

export function grainSeconds(table: RollupTable): number {
  return table === rollupsDay ? 86_400 : table === rollupsHour ? 3600 : 60;
}

const SPARK_STEPS = [300, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400, 2 * 86_400, 7 * 86_400];

/** A sparkline's step: ≤ 48 points (30 days → one per day). */
export function sparkStep(seconds: number): number {
  return SPARK_STEPS.find((s) => seconds / s <= 48) ?? SPARK_STEPS.at(-1)!;
}

/** The range widened to whole steps (a chart's first and last bucket are whole), with its step. */
export function chartRange(input: RangeInput, opts: { step?: (seconds: number) => number; now?: Date } = {}): ResolvedRange & { table: RollupTable } {
  const now = opts.now ?? new Date();
  const { from, to } = resolveRange(input, now);
  let stepSeconds = (opts.step ?? stepFor)((to.getTime() - from.getTime()) / 1000);
  // Minute rollups are kept SLIPWAY_MINUTE_ROLLUP_RETENTION_DAYS: an older range is drawn from the hour rollups.
  if (stepSeconds < 3600 && from.getTime() < now.getTime() - env().SLIPWAY_MINUTE_ROLLUP_RETENTION_DAYS * 86_400_000) stepSeconds = 3600;
  const step = stepSeconds * 1000;
  const alignedFrom = new Date(Math.floor(from.getTime() / step) * step);
  const alignedTo = new Date(Math.ceil(to.getTime() / step) * step);
  return { from: alignedFrom, to: alignedTo, stepSeconds, table: tableFor(stepSeconds) };
}
