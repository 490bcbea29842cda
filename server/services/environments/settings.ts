// Environment settings: protection rules, SLOs and the rollout policy, validated as a whole on save.
import { z } from 'zod';
import type { GatewaySettings, ProtectionRules, RolloutPolicy, Slos } from '@/db/schema';

const GATES = ['validate-config', 'data-quality', 'eval', 'prompt-variations', 'safety', 'injection', 'build-image', 'push-image', 'load-test', 'smoke-test', 'webhook'] as const;

export const protectionSchema = z.object({
  requiredApprovals: z.number().int().min(0, 'must be 0 or more').max(10, 'must be at most 10'),
  preventSelfApproval: z.boolean(),
  allowedBranches: z.array(z.string().trim().min(1, 'must not be empty').max(200).regex(/^[A-Za-z0-9._\-/*?]+$/, 'must be a branch name or glob (letters, digits, . _ - / * ?)')).max(50),
  waitTimerMinutes: z.number().int().min(0, 'must be 0 or more').max(43_200, 'must be at most 30 days'),
  requiredGates: z.array(z.enum(GATES, { message: `must be one of ${GATES.join(', ')}` })).max(GATES.length),
}) satisfies z.ZodType<ProtectionRules>;

const nullableNumber = (min: number, max: number, message: string) => z.number().min(min, message).max(max, message).nullable();

export const slosSchema = z.object({
  p95LatencyMs: nullableNumber(1, 600_000, 'must be between 1 and 600000 ms'),
  maxErrorRate: nullableNumber(0, 1, 'must be a fraction between 0 and 1'),
  maxCostPerRequestUsd: nullableNumber(0, 100, 'must be between 0 and 100 USD'),
  minEvalScore: nullableNumber(0, 1, 'must be a score between 0 and 1'),
}) satisfies z.ZodType<Slos>;

const bake = z.number().int().min(0, 'must be 0 or more minutes').max(10_080, 'must be at most a week');

export const rolloutSchema = z
  .discriminatedUnion('strategy', [
    z.object({ strategy: z.literal('all-at-once'), autoRollback: z.boolean() }),
    z.object({
      strategy: z.literal('canary'),
      steps: z.array(z.object({ weight: z.number().int().min(1, 'must be 1 to 99').max(99, 'must be 1 to 99'), bakeMinutes: bake })).min(1, 'needs at least one step').max(20),
      autoRollback: z.boolean(),
    }),
    z.object({ strategy: z.literal('linear'), stepPercent: z.number().int().min(1, 'must be 1 to 50').max(50, 'must be 1 to 50'), intervalMinutes: bake.min(1, 'must be at least 1 minute'), autoRollback: z.boolean() }),
    z.object({ strategy: z.literal('blue-green'), bakeMinutes: bake, autoRollback: z.boolean() }),
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

export interface EnvironmentDefaults {
  protection: ProtectionRules;
  slos: Slos;
  rollout: RolloutPolicy;
}

const noSlos: Slos = { p95LatencyMs: null, maxErrorRate: null, maxCostPerRequestUsd: null, minEvalScore: null };
const open: ProtectionRules = { requiredApprovals: 0, preventSelfApproval: true, allowedBranches: [], waitTimerMinutes: 0, requiredGates: [] };

/** Sensible starting points for the three environments every service gets. */
export const DEFAULT_ENVIRONMENTS: Record<'dev' | 'staging' | 'production', EnvironmentDefaults> = {
  dev: { protection: open, slos: noSlos, rollout: { strategy: 'all-at-once', autoRollback: false } },
  staging: {
    protection: { ...open, requiredGates: ['eval', 'safety'] },
    slos: { ...noSlos, p95LatencyMs: 5000, maxErrorRate: 0.05 },
    rollout: { strategy: 'canary', steps: [{ weight: 50, bakeMinutes: 5 }], autoRollback: true },
  },
  production: {
    protection: { requiredApprovals: 1, preventSelfApproval: true, allowedBranches: ['main'], waitTimerMinutes: 0, requiredGates: ['eval', 'safety', 'injection'] },
    slos: { p95LatencyMs: 3000, maxErrorRate: 0.02, maxCostPerRequestUsd: 0.05, minEvalScore: 0.8 },
    rollout: {
      strategy: 'canary',
      steps: [
        { weight: 5, bakeMinutes: 10 },
        { weight: 25, bakeMinutes: 10 },
        { weight: 50, bakeMinutes: 10 },
      ],
      autoRollback: true,
    },
  },
};

export const CUSTOM_ENVIRONMENT_DEFAULTS: EnvironmentDefaults = DEFAULT_ENVIRONMENTS.dev;
