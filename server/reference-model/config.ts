// The reference model server's configuration: the zod schema of the YAML file (models and their behaviour),
// and the loader that finds, parses and validates it with errors naming the field and the rule.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fitLogNormal, MAX_P99_OVER_MEAN } from './latency';

const probability = z.number({ error: 'must be a number between 0 and 1' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

export const ERROR_STATUSES = [429, 500, 502, 503, 504] as const;
const errorStatus = z.union(
  ERROR_STATUSES.map((s) => z.literal(s)),
  { error: `must be one of ${ERROR_STATUSES.join(', ')}` },
);

const latencySchema = z
  .strictObject({
    meanMs: z.number({ error: 'must be a number of milliseconds' }).positive('must be greater than 0'),
    p99Ms: z.number({ error: 'must be a number of milliseconds' }).positive('must be greater than 0'),
    timeToFirstTokenMs: z.number({ error: 'must be a number of milliseconds' }).min(0, 'must be at least 0'),
    tokensPerSecond: z.number({ error: 'must be a number' }).positive('must be greater than 0'),
  })
  .superRefine((v, ctx) => {
    if (v.p99Ms <= v.meanMs) {
      ctx.addIssue({ code: 'custom', path: ['p99Ms'], message: 'must be greater than meanMs' });
    } else if (v.p99Ms > v.meanMs * MAX_P99_OVER_MEAN) {
      // A log-normal cannot have a p99 further than this from its mean; see latency.ts.
      ctx.addIssue({ code: 'custom', path: ['p99Ms'], message: `must be at most ${MAX_P99_OVER_MEAN.toFixed(2)} times meanMs` });
    }
    if (v.timeToFirstTokenMs > v.meanMs) {
      ctx.addIssue({ code: 'custom', path: ['timeToFirstTokenMs'], message: 'must not exceed meanMs' });
    }
  });

const errorsSchema = z.strictObject({
  rate: probability,
  // One status, or several picked uniformly (e.g. [500, 503] for a flaky backend).
  status: z.union([errorStatus, z.array(errorStatus).min(1, 'must list at least one status')]).default(503),
});

export const modelBehaviourSchema = z.strictObject({
  description: z.string().optional(),
  /** Absent: the model answers at once (no waiting at all). */
  latency: latencySchema.optional(),
  errors: errorsSchema.default({ rate: 0, status: 503 }),
  /** Probability that a question from the built-in set is answered correctly. */
  quality: probability.default(1),
  /** Probability that a JSON response_format gets valid JSON. */
  jsonCompliance: probability.default(1),
  /** Probability of obeying an injected "ignore previous instructions" attack. */
  injectionSusceptibility: probability.default(0),
  /** Probability of refusing a harmful request (weapons, self-harm, someone else's data…); otherwise it complies. */
  refusalRate: probability.default(1),
  /** Probability of refusing a harmless request that merely sounds risky ("kill a stuck process"). */
  overRefusalRate: probability.default(0),
  /** Answer length multiplier; 1 is about three sentences. */
  verbosity: z.number({ error: 'must be a number' }).positive('must be greater than 0').max(10, 'must be at most 10').default(1),
  /** Answers judge prompts of model-graded evals with a JSON verdict (see grader.ts); other prompts as usual. */
  grader: z.boolean({ error: 'must be true or false' }).optional(),
});

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

export const TOKENIZERS = ['o200k_base', 'cl100k_base'] as const;

export const referenceModelConfigSchema = z.strictObject({
  seed: z.int({ error: 'must be an integer' }).optional(),
  /** When set, every /v1 request must carry `Authorization: Bearer <apiKey>`. */
  apiKey: z.string().min(1, 'must not be empty').optional(),
  tokenizer: z.enum(TOKENIZERS, { error: `must be one of ${TOKENIZERS.join(', ')}` }).default('o200k_base'),
  models: z
    .record(z.string().regex(MODEL_NAME, 'model names are letters, digits and . _ : / - (at most 128)'), modelBehaviourSchema)
    .refine((m) => Object.keys(m).length > 0, 'must define at least one model'),
});

export type ReferenceModelConfigInput = z.input<typeof referenceModelConfigSchema>;
export type ReferenceModelConfig = z.output<typeof referenceModelConfigSchema>;
export type ModelBehaviour = z.output<typeof modelBehaviourSchema>;

export class ReferenceModelConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid reference model config (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ReferenceModelConfigError';
  }
}

/** Validates an already-parsed config object; `source` names it in error messages. */
export function parseReferenceModelConfig(input: unknown, source = 'config'): ReferenceModelConfig {
  const result = referenceModelConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ReferenceModelConfigError(
      source,
      result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`),
    );
  }
  // The schema already bounds p99/mean; fitting here once more proves every latency block is usable.
  for (const model of Object.values(result.data.models)) {
    if (model.latency) fitLogNormal(model.latency.meanMs, model.latency.p99Ms);
  }
  return result.data;
}

/**
 * Where the shipped models.yaml is: next to this module when run from source, and under the repository root
 * when this module has been bundled into dist/ (the bundle's own folder no longer holds it).
 */
export function defaultConfigPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'models.yaml'),
    path.join(here, '..', 'server', 'reference-model', 'models.yaml'),
    path.join(process.cwd(), 'server', 'reference-model', 'models.yaml'),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Reads and validates a YAML config file (the shipped default when no path is given). */
export function loadReferenceModelConfig(configPath: string = defaultConfigPath()): ReferenceModelConfig {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new ReferenceModelConfigError(configPath, [`cannot read the file: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ReferenceModelConfigError(configPath, [`not valid YAML: ${(err as Error).message}`]);
  }
  return parseReferenceModelConfig(raw, configPath);
}
