// The shape of slipway.yaml and of prompt files. Every field that reaches the API is validated by the API's own
// zod input schema (imported, never restated); this module only adds the manifest's structure around them.
import { z } from 'zod';
import { protectionFields, rolloutSchema, sloFields } from '@/server/services/environments/settings';
import { moveLabelInput } from '@/server/services/labels/move';
import { registerModelVersionInput } from '@/server/services/models/register';
import { pushPromptInput } from '@/server/services/prompts/push';
import { slugSchema } from '@/server/services/registry-shared';
import { createServiceInput } from '@/server/services/services/create';

/** A label is either a name (point it at the version this entry describes) or a name with a pinned version. */
const labelSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.strictObject({ name: moveLabelInput.shape.label, version: z.number().int().positive('must be a version number').optional() }),
);

const labelsSchema = z
  .array(labelSchema)
  .max(20, 'at most 20 labels')
  .default([])
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((l, i) => {
      if (seen.has(l.name)) ctx.addIssue({ code: 'custom', path: [i], message: `label "${l.name}" is listed twice` });
      seen.add(l.name);
    });
  });
export type LabelSpec = z.output<typeof labelSchema>;

/** The content of one prompt version plus its description and commit message, as pushed. */
export const promptContentSchema = pushPromptInput.omit({ service: true, prompt: true, gitSha: true }).strict();
export type PromptContent = z.output<typeof promptContentSchema>;

const inlinePromptSchema = promptContentSchema.extend({ name: slugSchema, labels: labelsSchema }).strict();
const filePromptSchema = z.strictObject({ name: slugSchema, file: z.string().trim().min(1, 'must name a file'), labels: labelsSchema });

/**
 * A prompt entry is inline (messages, variables, …) or points at a file next to the manifest. Choosing the schema
 * by the `file` key keeps the errors about the entry the user meant, instead of a union's "matches nothing".
 */
const promptEntrySchema = z.record(z.string(), z.unknown(), { error: 'must be a mapping with name and messages (or file)' }).transform((entry, ctx) => {
  const result = ('file' in entry ? filePromptSchema : inlinePromptSchema).safeParse(entry);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as z.core.$ZodRawIssue);
  return z.NEVER;
});
export type PromptEntry = z.output<typeof promptEntrySchema>;
export type InlinePrompt = z.output<typeof inlinePromptSchema>;

const uniqueNames = <T extends { name: string }>(what: string) =>
  (list: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    list.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${what} "${p.name}" is declared twice` });
      seen.add(p.name);
    });
  };

export const promptListSchema = z.array(promptEntrySchema).max(200, 'at most 200 prompts').superRefine(uniqueNames<PromptEntry>('prompt'));

/** A file of prompts for `slipway prompts push`: one prompt, or `prompts:` with a list. */
const promptListFileSchema = z.strictObject({ prompts: promptListSchema.min(1, 'needs at least one prompt') });
export const promptsFileSchema = z.record(z.string(), z.unknown(), { error: 'must be a prompt (name, messages, …) or a mapping with prompts:' }).transform((file, ctx): { prompts: PromptEntry[] } => {
  const result = 'prompts' in file ? promptListFileSchema.safeParse(file) : promptEntrySchema.transform((p) => ({ prompts: [p] })).safeParse(file);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as z.core.$ZodRawIssue);
  return z.NEVER;
});

const MODEL_KEYS = new Set([...Object.keys(registerModelVersionInput.shape), 'labels']);

/** A model version with every field of models.register, plus the labels to point at it. */
export const modelEntrySchema = z
  .record(z.string(), z.unknown(), { error: 'must be a mapping with the fields of a model version' })
  .superRefine((entry, ctx) => {
    const unknown = Object.keys(entry).filter((k) => !MODEL_KEYS.has(k));
    if (unknown.length) ctx.addIssue({ code: 'unrecognized_keys', keys: unknown, message: `unknown fields ${unknown.join(', ')}` });
  })
  .pipe(z.intersection(registerModelVersionInput, z.object({ labels: labelsSchema })));
export type ModelEntry = z.output<typeof modelEntrySchema>;

/** The fields of a model version file for `slipway models register` (the model's name comes from the command). */
export const modelFileSchema = z
  .record(z.string(), z.unknown(), { error: 'must be a mapping with the fields of a model version' })
  .superRefine((entry, ctx) => {
    const unknown = Object.keys(entry).filter((k) => !MODEL_KEYS.has(k) || k === 'labels');
    if (unknown.length) ctx.addIssue({ code: 'unrecognized_keys', keys: unknown, message: `unknown fields ${unknown.join(', ')}` });
  });

/** Settings given here replace the environment's; protection and SLO fields left out keep their current values. */
const environmentSettingsSchema = z.strictObject({
  protection: protectionFields.partial().strict().optional(),
  slos: sloFields.partial().strict().optional(),
  rollout: rolloutSchema.optional(),
});
export type EnvironmentSettings = z.output<typeof environmentSettingsSchema>;

/** A dataset of eval cases kept in the repository (JSONL, CSV, YAML or JSON); each new content is a new version. */
const datasetEntrySchema = z.strictObject({
  name: slugSchema,
  file: z.string().trim().min(1, 'must name a file').max(500),
  description: z.string().trim().max(2000).optional(),
});
export type DatasetEntry = z.output<typeof datasetEntrySchema>;

/** An eval suite: `{ file: suites/accuracy.yaml }` next to the manifest, or the suite written inline (checked when loaded). */
const evalSuiteEntrySchema = z.record(z.string(), z.unknown(), { error: 'must be a suite (dataset, assertions, …) or { file: <suite.yaml> }' });
export type EvalSuiteEntry = z.output<typeof evalSuiteEntrySchema>;

export const manifestSchema = z.strictObject({
  service: createServiceInput.strict(),
  prompts: promptListSchema.default([]),
  models: z
    .array(modelEntrySchema)
    .max(100, 'at most 100 model versions')
    .default([])
    .superRefine((list, ctx) => {
      const owner = new Map<string, number>();
      list.forEach((m, i) =>
        m.labels.forEach((l, j) => {
          const key = `${m.model}:${l.name}`;
          if (owner.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'labels', j], message: `label "${l.name}" of model ${m.model} is also set by models[${owner.get(key)}]` });
          else owner.set(key, i);
        }),
      );
    }),
  environments: z.record(slugSchema, environmentSettingsSchema).default({}),
  datasets: z.array(datasetEntrySchema).max(100, 'at most 100 datasets').default([]).superRefine(uniqueNames<DatasetEntry>('dataset')),
  /** Eval suites by name; saved after the datasets they name. */
  evalSuites: z.record(slugSchema, evalSuiteEntrySchema).default({}),
  /** The service's pipeline definition, kept as its own YAML file next to the manifest. */
  pipeline: z.strictObject({ file: z.string().min(1, 'is required').max(500) }).optional(),
});
export type Manifest = z.output<typeof manifestSchema>;
