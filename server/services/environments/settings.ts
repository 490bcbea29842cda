// Environment settings: protection rules, SLOs and the rollout policy, validated as a whole on save.
import { z } from 'zod';
import type { AnalysisSettings, GatewaySettings, ProtectionRules, RolloutPolicy, RuntimeSettings, Slos } from '@/db/schema';

const GATES = ['validate-config', 'data-quality', 'eval', 'prompt-variations', 'safety', 'injection', 'build-image', 'push-image', 'load-test', 'smoke-test', 'webhook'] as const;

export const DEFAULT_APPROVAL_TIMEOUT_MINUTES = 1440;

/** The fields with no defaults: partial updates (the manifest) must not fill in what they leave out. */
export const protectionFields = z.object({
  requiredApprovals: z.number().int().min(0, 'must be 0 or more').max(10, 'must be at most 10'),
  preventSelfApproval: z.boolean(),
  allowedBranches: z.array(z.string().trim().min(1, 'must not be empty').max(200).regex(/^[A-Za-z0-9._\-/*?]+$/, 'must be a branch name or glob (letters, digits, . _ - / * ?)')).max(50),
  waitTimerMinutes: z.number().int().min(0, 'must be 0 or more').max(43_200, 'must be at most 30 days'),
  requiredGates: z.array(z.enum(GATES, { message: `must be one of ${GATES.join(', ')}` })).max(GATES.length),
  approvalTimeoutMinutes: z.number().int().min(1, 'must be at least 1 minute').max(43_200, 'must be at most 30 days'),
  notifySecret: z.string().trim().min(1, 'must name a stored secret').max(100).nullable(),
});

export const protectionSchema = protectionFields.extend({
  approvalTimeoutMinutes: protectionFields.shape.approvalTimeoutMinutes.default(DEFAULT_APPROVAL_TIMEOUT_MINUTES),
  notifySecret: protectionFields.shape.notifySecret.default(null),
}) satisfies z.ZodType<ProtectionRules>;

const nullableNumber = (min: number, max: number, message: string) => z.number().min(min, message).max(max, message).nullable();

export const sloFields = z.object({
  p95LatencyMs: nullableNumber(1, 600_000, 'must be between 1 and 600000 ms'),
  maxErrorRate: nullableNumber(0, 1, 'must be a fraction between 0 and 1'),
  maxCostPerRequestUsd: nullableNumber(0, 100, 'must be between 0 and 100 USD'),
  minEvalScore: nullableNumber(0, 1, 'must be a score between 0 and 1'),
  p95TtftMs: nullableNumber(1, 600_000, 'must be between 1 and 600000 ms'),
});

export const slosSchema = sloFields.extend({ p95TtftMs: sloFields.shape.p95TtftMs.default(null) }) satisfies z.ZodType<Slos>;

// Minutes, fractions allowed (0.5 = 30 s), to a second.
const bake = z
  .number()
  .min(0, 'must be 0 or more minutes')
  .max(10_080, 'must be at most a week')
  .refine((m) => Number.isInteger(Math.round(m * 60 * 1000) / 1000), 'must be a whole number of seconds');

const ratio = z.number().min(1, 'must be a ratio of 1 or more').max(100, 'must be at most 100').nullable();

const DEFAULT_QUALITY = { maxQualityDrop: 0.1, minQualitySamples: 20 };

export const DEFAULT_ANALYSIS: AnalysisSettings = {
  minSamples: 50,
  intervalSeconds: 30,
  maxErrorRateIncrease: 0.02,
  maxLatencyRatio: 1.5,
  maxTtftRatio: 1.5,
  maxCostRatio: 1.5,
  maxFeedbackDrop: 0.1,
  minFeedbackSamples: 20,
  ...DEFAULT_QUALITY,
  inconclusiveWaitMinutes: 10,
};

export const analysisSchema = z.object({
  minSamples: z.number().int().min(1, 'must be at least 1 request').max(1_000_000),
  intervalSeconds: z.number().int().min(1, 'must be at least 1 second').max(3600, 'must be at most an hour'),
  maxErrorRateIncrease: z.number().min(0, 'must be a fraction between 0 and 1').max(1, 'must be a fraction between 0 and 1').nullable(),
  maxLatencyRatio: ratio,
  maxTtftRatio: ratio,
  maxCostRatio: ratio,
  maxFeedbackDrop: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullable(),
  minFeedbackSamples: z.number().int().min(1, 'must be at least 1').max(1_000_000),
  // Policies saved before online evals leave these out: they take the defaults.
  maxQualityDrop: z.number().min(0, 'must be a fraction between 0 and 1').max(1, 'must be a fraction between 0 and 1').nullable().default(DEFAULT_QUALITY.maxQualityDrop),
  minQualitySamples: z.number().int().min(1, 'must be at least 1').max(1_000_000).default(DEFAULT_QUALITY.minQualitySamples),
  inconclusiveWaitMinutes: bake,
}) satisfies z.ZodType<AnalysisSettings>;

/** The analysis settings in force: the policy's own, or the defaults for policies saved before they existed. */
export function analysisOf(policy: RolloutPolicy): AnalysisSettings {
  return { ...DEFAULT_ANALYSIS, ...(policy.analysis ?? {}) };
}

export const rolloutSchema = z
  .discriminatedUnion('strategy', [
    z.object({ strategy: z.literal('all-at-once'), autoRollback: z.boolean(), bakeMinutes: bake.default(0), analysis: analysisSchema.default(DEFAULT_ANALYSIS) }),
    z.object({
      strategy: z.literal('canary'),
      steps: z.array(z.object({ weight: z.number().int().min(1, 'must be 1 to 99').max(99, 'must be 1 to 99'), bakeMinutes: bake })).min(1, 'needs at least one step').max(20),
      autoRollback: z.boolean(),
      analysis: analysisSchema.default(DEFAULT_ANALYSIS),
    }),
    z.object({
      strategy: z.literal('linear'),
      stepPercent: z.number().int().min(1, 'must be 1 to 50').max(50, 'must be 1 to 50'),
      intervalMinutes: bake.refine((m) => m > 0, 'must be more than 0 minutes'),
      autoRollback: z.boolean(),
      analysis: analysisSchema.default(DEFAULT_ANALYSIS),
    }),
    z.object({ strategy: z.literal('blue-green'), bakeMinutes: bake, autoRollback: z.boolean(), rollbackWindowMinutes: bake.default(10), analysis: analysisSchema.default(DEFAULT_ANALYSIS) }),
  ])
  .superRefine((v, ctx) => {
    if (v.strategy !== 'canary') return;
    v.steps.forEach((s, i) => {
      if (i > 0 && s.weight <= v.steps[i - 1]!.weight) ctx.addIssue({ code: 'custom', path: ['steps', i, 'weight'], message: 'canary weights must increase from step to step' });
    });
  }) satisfies z.ZodType<RolloutPolicy>;

export const gatewaySettingsSchema = z.object({
  fallbackToStable: z.boolean(),
  shadow: z.object({ releaseNumber: z.number().int().positive('must be a release number'), percent: z.number().min(0.1, 'must be 0.1 to 100').max(100, 'must be 0.1 to 100') }).nullable(),
  samplePercent: z.number().min(0, 'must be 0 to 100').max(100, 'must be 0 to 100'),
  upstreamTimeoutMs: z.number().int().min(100, 'must be at least 100 ms').max(600_000, 'must be at most 600000 ms'),
}) satisfies z.ZodType<GatewaySettings>;

/** Where container releases run (see RuntimeSettings). */
export const runtimeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('endpoints') }),
  z.object({
    kind: z.literal('docker'),
    replicas: z.number().int('must be a whole number').min(1, 'must be 1 to 8').max(8, 'must be 1 to 8').default(1),
    healthTimeoutSeconds: z.number().int('must be a whole number').min(1, 'must be 1 to 600 s').max(600, 'must be 1 to 600 s').default(60),
    keepOldMinutes: z.number().min(0, 'must be 0 to 1440 min').max(1440, 'must be 0 to 1440 min').nullable().optional(),
  }),
], { error: (issue) => (issue.code === 'invalid_union' ? 'kind must be endpoints or docker' : undefined) }) satisfies z.ZodType<RuntimeSettings, unknown>;

export interface EnvironmentDefaults {
  protection: z.output<typeof protectionSchema>;
  slos: z.output<typeof slosSchema>;
  rollout: z.output<typeof rolloutSchema>;
}

const noSlos: z.output<typeof slosSchema> = { p95LatencyMs: null, maxErrorRate: null, maxCostPerRequestUsd: null, minEvalScore: null, p95TtftMs: null };
const open: z.output<typeof protectionSchema> = {
  requiredApprovals: 0,
  preventSelfApproval: true,
  allowedBranches: [],
  waitTimerMinutes: 0,
  requiredGates: [],
  approvalTimeoutMinutes: DEFAULT_APPROVAL_TIMEOUT_MINUTES,
  notifySecret: null,
};
const analysis = DEFAULT_ANALYSIS;

/**
 * Sensible starting points for the three environments every service gets. They require only gates that run
 * today (`eval`); a required gate that is not built yet would block every promotion until an admin overrides it.
 */
export const DEFAULT_ENVIRONMENTS: Record<'dev' | 'staging' | 'production', EnvironmentDefaults> = {
  dev: { protection: open, slos: noSlos, rollout: { strategy: 'all-at-once', autoRollback: false, bakeMinutes: 0, analysis } },
  staging: {
    protection: { ...open, requiredGates: ['eval'] },
    slos: { ...noSlos, p95LatencyMs: 5000, maxErrorRate: 0.05 },
    rollout: { strategy: 'canary', steps: [{ weight: 50, bakeMinutes: 5 }], autoRollback: true, analysis },
  },
  production: {
    protection: { ...open, requiredApprovals: 1, allowedBranches: ['main'], requiredGates: ['eval'] },
    slos: { p95LatencyMs: 3000, maxErrorRate: 0.02, maxCostPerRequestUsd: 0.05, minEvalScore: 0.8, p95TtftMs: null },
    rollout: {
      strategy: 'canary',
      steps: [
        { weight: 5, bakeMinutes: 10 },
        { weight: 25, bakeMinutes: 10 },
        { weight: 50, bakeMinutes: 10 },
      ],
      autoRollback: true,
      analysis,
    },
  },
};

export const CUSTOM_ENVIRONMENT_DEFAULTS: EnvironmentDefaults = DEFAULT_ENVIRONMENTS.dev;
