// The step types a pipeline may use. Each available type validates its own inputs; a type whose feature
// has not been built yet is refused when a definition is saved, with a message saying so — never faked.
import { z } from 'zod';
import { IMAGE_TAG, registryProblem } from '@/server/docker/registry-ref';
import { slugSchema } from '@/server/services/registry-shared';
import { loadTestSettingsSchema, refineSettings } from '@/server/services/load-tests/settings';

export interface StepType {
  summary: string;
  inputs: z.ZodType<Record<string, unknown>>;
}

export const AVAILABLE_STEP_TYPES = {
  'validate-config': {
    summary: 'Checks the release candidate: model endpoint, model status, prompts render with their defaults, target environment settings',
    inputs: z.object({ requireValidatedModel: z.boolean().default(false) }).strict(),
  },
  deploy: {
    summary: "Takes the candidate into an environment through the release flow: its branch rules and approvals, then its rollout policy with analysis; ends when the rollout does",
    inputs: z.object({ environment: slugSchema.optional() }).strict(),
  },
  eval: {
    summary: "Runs the eval gate of an environment (the step's, or the run's target) on the candidate against the release it serves now; passes when every suite that decides it passes",
    inputs: z.object({ environment: slugSchema.optional() }).strict(),
  },
  safety: {
    summary: "Runs the safety gate of an environment on the candidate against the release it serves now: output format, refusals, leaked personal data and secrets, banned content; passes when every safety suite passes",
    inputs: z.object({ environment: slugSchema.optional() }).strict(),
  },
  injection: {
    summary: "Runs the prompt-injection gate of an environment on the candidate against the release it serves now: attacks placed in the prompt's variables and turns, detected by canary and nonce; passes when every injection suite passes",
    inputs: z.object({ environment: slugSchema.optional() }).strict(),
  },
  'data-quality': {
    summary: "Runs the data-quality gate of an environment: expectations on the suites' datasets and on kept gateway samples; passes when every data-quality suite passes",
    inputs: z.object({ environment: slugSchema.optional() }).strict(),
  },
  'prompt-variations': {
    summary: 'Scores a matrix of prompt versions × parameter sets × model versions on an eval suite (the candidate’s own by default); passes when the best cell reaches threshold',
    inputs: z
      .object({
        suite: z.string().trim().regex(/^[a-z0-9-]+(@\d+)?$/, 'must be a suite name, optionally with @<version>'),
        prompts: z.array(z.string().trim().min(1)).min(1).max(24).optional(),
        models: z.array(z.string().trim().min(1)).min(1).max(24).optional(),
        params: z.array(z.record(z.string(), z.unknown())).min(1).max(24).optional(),
        threshold: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(0.8),
        budgetUsd: z.number().positive('must be greater than 0').optional(),
      })
      .strict(),
  },
  'load-test': {
    summary:
      "Sends a fixed rate of chat requests for a fixed time through an environment's own gateway (the step's, or the run's target) to the candidate, pinned, and interleaved to the release it serves now; fails when the candidate's p95/p99 latency, time to first token or error rate regress beyond the margins, or break the environment's objectives",
    inputs: z.object({ environment: slugSchema.optional() }).extend(loadTestSettingsSchema.shape).strict().superRefine(refineSettings),
  },
  webhook: {
    summary: 'POSTs the run, service and candidate to a URL, signed with HMAC-SHA256; passes on a 2xx answer',
    inputs: z.object({ url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }), secret: slugSchema, headers: z.record(z.string(), z.string()).default({}) }).strict(),
  },
  'build-image': {
    summary: "Builds the candidate's container model version from the service's repository at the run's commit: artifacts verified by sha256 first, no pulls, OCI labels with the commit and digests; the log streams to the run page",
    inputs: z.object({ tag: z.string().trim().regex(IMAGE_TAG, 'must be an image name with an optional tag, lowercase: team/name:tag').optional() }).strict(),
  },
  'push-image': {
    summary: "Pushes the image this run built to a registry (credentials from a registry_credentials secret) and checks the registry's manifest against the built image",
    inputs: z
      .object({
        registry: z
          .string()
          .trim()
          .superRefine((v, ctx) => {
            const problem = registryProblem(v);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
        secret: slugSchema.optional(),
      })
      .strict(),
  },
} satisfies Record<string, StepType>;

/** Planned step types and what brings them. */
export const PLANNED_STEP_TYPES: Record<string, string> = {
  'smoke-test': 'smoke tests',
};

export type AvailableStepType = keyof typeof AVAILABLE_STEP_TYPES;

export function isAvailableStepType(type: string): type is AvailableStepType {
  return Object.hasOwn(AVAILABLE_STEP_TYPES, type);
}
