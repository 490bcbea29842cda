// An environment's production checks (drift, online evals, smoke tests, triggers): the schema every save is
// validated against, the defaults, and the reader every check uses (`checksOf`), which fills in what a stored
// value leaves out so settings saved before a field existed still read whole.
import { Cron } from 'croner';
import { z } from 'zod';
import type { DriftSettings, Environment, OnlineEvalSettings, ProductionChecks, SmokeSettings, TriggerRule } from '@/db/schema';
import { DEFAULT_COOLDOWN_HOURS, TRIGGER_SOURCES } from '@/db/schema';
import { INSTANT_RULE, instantIso, parseInstant } from '@/server/lib/instant';

export const DEFAULT_DRIFT: DriftSettings = {
  enabled: true,
  everyMinutes: 60,
  reference: { kind: 'release-start', hours: 24 },
  currentHours: 24,
  maxRows: 5000,
  datasetDriftShare: 0.5,
  perRelease: true,
  embeddingsModel: null,
};

export const DEFAULT_ONLINE_EVALS: OnlineEvalSettings = { enabled: false, suite: null, samplePercent: 5, dailyBudgetUsd: 5 };

export const DEFAULT_SMOKE: SmokeSettings = { enabled: false, schedule: '*/15 * * * *', suite: null, cases: 5, afterRollouts: true };

/** The rules an environment without its own uses: notify on dataset drift, a failed smoke test and a feedback drop. */
export const DEFAULT_TRIGGERS: TriggerRule[] = [
  { id: 'dataset-drift', source: 'drift', enabled: true, feature: null, threshold: null, maxDrop: null, windowHours: 24, minCount: 0, actions: { notify: true, webhook: null, pipeline: false } },
  { id: 'smoke-failed', source: 'smoke', enabled: true, feature: null, threshold: null, maxDrop: null, windowHours: 1, minCount: 0, actions: { notify: true, webhook: null, pipeline: false } },
  { id: 'feedback-drop', source: 'feedback', enabled: true, feature: null, threshold: null, maxDrop: 0.2, windowHours: 24, minCount: 20, actions: { notify: true, webhook: null, pipeline: false } },
];

/** The rule's cooldown in hours: its own, or its source's default. */
export const cooldownHoursOf = (rule: Pick<TriggerRule, 'source' | 'cooldownHours'>): number => rule.cooldownHours ?? DEFAULT_COOLDOWN_HOURS[rule.source];

export const DEFAULT_CHECKS: ProductionChecks = { drift: DEFAULT_DRIFT, onlineEvals: DEFAULT_ONLINE_EVALS, smoke: DEFAULT_SMOKE, triggers: null };

const name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');
/** A period's end, stored as a UTC instant (…Z): a time typed without a zone is UTC, never the server's own zone. */
const isoDate = z
  .string()
  .refine((s) => parseInstant(s) !== undefined, INSTANT_RULE)
  .transform((s) => instantIso(s)!);

export const driftReferenceSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('release-start'), hours: z.number().min(1, 'must be at least 1 hour').max(720, 'must be at most 30 days') }),
    z
      .object({ kind: z.literal('period'), from: isoDate, to: isoDate })
      .refine((p) => Date.parse(p.from) < Date.parse(p.to), { message: 'must end after it starts', path: ['to'] }),
    z.object({ kind: z.literal('dataset'), dataset: name, version: z.number().int().min(1, 'must be a version number (1 or more)').nullable() }),
  ],
  { error: 'must be one of release-start, period, dataset' },
);

export const driftSchema = z.object({
  enabled: z.boolean(),
  everyMinutes: z.number().int().min(5, 'must be at least 5 minutes').max(10_080, 'must be at most a week'),
  reference: driftReferenceSchema,
  currentHours: z.number().min(0.25, 'must be at least 15 minutes (0.25)').max(720, 'must be at most 30 days'),
  maxRows: z.number().int().min(100, 'must be at least 100').max(50_000, 'must be at most 50000'),
  datasetDriftShare: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1'),
  perRelease: z.boolean(),
  embeddingsModel: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@\d+$/, 'must name a model version as model@version')
    .nullable(),
}) satisfies z.ZodType<DriftSettings>;

export const onlineEvalsSchema = z.object({
  enabled: z.boolean(),
  suite: name.nullable(),
  samplePercent: z.number().min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100'),
  dailyBudgetUsd: z.number().min(0, 'must be 0 or more USD').max(100_000, 'must be at most 100000 USD'),
}) satisfies z.ZodType<OnlineEvalSettings>;

export const smokeSchema = z.object({
  enabled: z.boolean(),
  schedule: z
    .string()
    .trim()
    .min(1, 'must be a cron expression')
    .refine((s) => {
      try {
        new Cron(s, { paused: true, timezone: 'UTC' });
        return s.split(/\s+/).length === 5;
      } catch {
        return false;
      }
    }, 'must be a cron expression of 5 fields (minute hour day month weekday), e.g. */15 * * * *'),
  suite: name.nullable(),
  cases: z.number().int().min(1, 'must be at least 1').max(50, 'must be at most 50'),
  afterRollouts: z.boolean(),
}) satisfies z.ZodType<SmokeSettings>;

/**
 * A retraining webhook's address: http(s) only (no file:, ftp: or other schemes a fetch might follow), and no
 * user:password@ in it — the URL is shown with the settings and written to the audit log; the call is
 * authenticated by its signature instead.
 */
const webhookUrl = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .superRefine((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `must be an http(s) URL, not ${url.protocol.replace(/:$/, '')}:` });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not carry credentials (user:password@); the call is signed with the webhook secret' });
  });

export const triggerRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (at most 63)'),
  source: z.enum(TRIGGER_SOURCES, { message: `must be one of ${TRIGGER_SOURCES.join(', ')}` }),
  enabled: z.boolean(),
  feature: z.string().trim().min(1).max(100).nullable(),
  threshold: z.number().min(-1, 'must be from -1 to 1').max(1, 'must be from -1 to 1').nullable(),
  maxDrop: z.number().gt(0, 'must be above 0').max(2, 'must be at most 2').nullable(),
  windowHours: z.number().min(0.25, 'must be at least 15 minutes (0.25)').max(720, 'must be at most 30 days'),
  minCount: z.number().int().min(0, 'must be 0 or more').max(1_000_000),
  cooldownHours: z.number().min(0, 'must be 0 or more hours').max(720, 'must be at most 30 days (720 hours)').optional(),
  actions: z.object({
    notify: z.boolean(),
    webhook: z.object({ url: webhookUrl, secret: name }).nullable(),
    pipeline: z.boolean(),
  }),
}) satisfies z.ZodType<TriggerRule>;

export const checksSchema = z
  .object({
    drift: driftSchema,
    onlineEvals: onlineEvalsSchema,
    smoke: smokeSchema,
    triggers: z.array(triggerRuleSchema).max(20, 'must be at most 20 rules').nullable(),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.triggers?.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['triggers', i, 'id'], message: `"${r.id}" is used by another rule` });
      seen.add(r.id);
      if ((r.source === 'online-quality' || r.source === 'feedback') && r.threshold === null && r.maxDrop === null)
        ctx.addIssue({ code: 'custom', path: ['triggers', i, 'threshold'], message: `a ${r.source} rule needs a threshold or a maxDrop` });
    });
    if (c.onlineEvals.enabled && !c.onlineEvals.suite) ctx.addIssue({ code: 'custom', path: ['onlineEvals', 'suite'], message: 'must name an eval suite when online evals are enabled' });
    if (c.smoke.enabled && !c.smoke.suite) ctx.addIssue({ code: 'custom', path: ['smoke', 'suite'], message: 'must name an eval suite when smoke tests are enabled' });
  }) satisfies z.ZodType<ProductionChecks>;

/** An environment's checks with every field filled in: stored values over the defaults. */
export function checksOf(env: Pick<Environment, 'checks'>): ProductionChecks {
  const c = env.checks;
  if (!c) return DEFAULT_CHECKS;
  return {
    drift: { ...DEFAULT_DRIFT, ...c.drift },
    onlineEvals: { ...DEFAULT_ONLINE_EVALS, ...c.onlineEvals },
    smoke: { ...DEFAULT_SMOKE, ...c.smoke },
    triggers: c.triggers ?? null,
  };
}

/** The trigger rules in force: the environment's own, or the defaults. */
export function triggerRulesOf(env: Pick<Environment, 'checks'>): TriggerRule[] {
  return checksOf(env).triggers ?? DEFAULT_TRIGGERS;
}
