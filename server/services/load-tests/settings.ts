// A load test's settings: one zod schema (the API, the CLI and the pipeline step share it), with every bound said
// in the message of the field that breaks it. The bounds keep a test from becoming an attack on the model or the
// machine: at most MAX_RATE requests a second, MAX_DURATION_S seconds, MAX_CONCURRENCY in flight, and only the
// environment's own gateway as target (no URL is ever taken as input).
import { z } from 'zod';
import type { LoadTestSettings } from '@/db/schema';

export const MAX_RATE = 200;
export const MAX_DURATION_S = 600;
export const MAX_CONCURRENCY = 256;
export const MAX_REQUEST_TIMEOUT_MS = 120_000;
/** What is sent when no suite is named: one short question, the same for both arms. */
export const DEFAULT_PROMPT = 'In two sentences, how do I reset my password?';

const between = (lo: number, hi: number, unit = '') => ({ min: `must be at least ${lo}${unit}`, max: `must be at most ${hi}${unit}` });
const num = (lo: number, hi: number, unit = '') => {
  const m = between(lo, hi, unit);
  return z.number({ error: 'must be a number' }).min(lo, m.min).max(hi, m.max);
};
const int = (lo: number, hi: number, unit = '') => num(lo, hi, unit).int('must be a whole number');

/** Rules across fields, shared with the pipeline step's inputs. */
export function refineSettings(s: { segmentSeconds: number; durationSeconds: number }, ctx: z.RefinementCtx): void {
  if (s.segmentSeconds > s.durationSeconds) ctx.addIssue({ code: 'custom', path: ['segmentSeconds'], message: `must be at most durationSeconds (${s.durationSeconds})` });
}

export const loadTestInputSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('suite'), suite: z.string().trim().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be an eval suite name'), cases: int(1, 500).default(50) }),
    z.strictObject({ kind: z.literal('prompt'), prompt: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters') }),
  ], { error: 'must be {kind: "suite", suite, cases} or {kind: "prompt", prompt}' });

/** Everything optional: left out, a field takes its default. */
export const loadTestSettingsSchema = z
  .strictObject({
    ratePerSecond: num(0.1, MAX_RATE, ' requests per second').default(5),
    durationSeconds: int(1, MAX_DURATION_S, ' seconds').default(30),
    segmentSeconds: num(0.5, 60, ' seconds').default(2),
    maxConcurrency: int(1, MAX_CONCURRENCY).default(64),
    stream: z.enum(['always', 'never', 'mixed'], { error: 'must be always, never or mixed' }).default('mixed'),
    input: loadTestInputSchema.default({ kind: 'prompt', prompt: DEFAULT_PROMPT }),
    maxTokens: int(1, 8192).nullable().default(null),
    requestTimeoutMs: int(1000, MAX_REQUEST_TIMEOUT_MS, ' ms').default(30_000),
    maxLatencyRatio: num(1, 100).default(1.2),
    maxTtftRatio: num(1, 100).default(1.2),
    minLatencyDiffMs: int(0, 60_000, ' ms').default(25),
    maxErrorRateIncrease: num(0, 1).default(0.02),
    minSamples: int(1, 100_000).default(20),
    useObjectives: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .superRefine(refineSettings) satisfies z.ZodType<LoadTestSettings, unknown>;

export type LoadTestSettingsInput = z.input<typeof loadTestSettingsSchema>;

/** Seconds a test may take in all: sending, then waiting for the last answers, with a margin for writing. */
export function loadTestBudgetSeconds(s: Pick<LoadTestSettings, 'durationSeconds' | 'requestTimeoutMs'>): number {
  return s.durationSeconds + Math.ceil(s.requestTimeoutMs / 1000) + 15;
}

/**
 * The length of one arm's turn: the asked-for segment, adjusted so that the duration holds whole rounds of turns and
 * every arm gets the same time (10 s in 2 s turns with two arms would give one arm 6 s; it becomes 1.67 s turns).
 */
export function turnSeconds(settings: Pick<LoadTestSettings, 'durationSeconds' | 'segmentSeconds'>, arms: number): number {
  if (arms <= 1) return Math.min(settings.segmentSeconds, settings.durationSeconds);
  const rounds = Math.max(1, Math.round(settings.durationSeconds / (settings.segmentSeconds * arms)));
  return settings.durationSeconds / (rounds * arms);
}
