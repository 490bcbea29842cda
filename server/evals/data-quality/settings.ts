// The `dataQuality:` block of a data-quality suite: where its rows come from (the suite's dataset version, the
// gateway's kept samples over a window) and the expectations each row, or the whole set, must meet.
import { z } from 'zod';
import { PII_KINDS } from '@/server/lib/pii';
import { slugSchema } from '@/server/lib/slug';

export const SOURCES = ['dataset', 'samples'] as const;
export type Source = (typeof SOURCES)[number];

export const EXPECTATION_TYPES = ['not-null', 'unique', 'length', 'regex', 'allowed-values', 'no-near-duplicates', 'no-personal-data', 'tag-share', 'no-overlap'] as const;
export type ExpectationType = (typeof EXPECTATION_TYPES)[number];

export const MAX_EXPECTATIONS = 50;
export const DEFAULT_NEAR_THRESHOLD = 0.85;
export const SAMPLE_LIMITS = { defaultRows: 1000, maxRows: 5000, defaultWindow: '7d', maxWindowDays: 90 } as const;

/** Fields of a dataset case and of a kept sample; a path into a dataset case may go deeper (`input.variables.question`). */
export const DATASET_FIELDS = ['id', 'input', 'expected', 'tags', 'metadata'] as const;
export const SAMPLE_FIELDS = ['id', 'input', 'output', 'environment', 'release', 'at'] as const;
/** `*`: the whole row's text. */
export const WHOLE_ROW = '*';

const FIELD_PATH = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])*$/;

/** The sources a field exists in: a dataset case's fields and paths into them, a sample's fields as they are. */
export function sourcesOfField(field: string): Source[] {
  if (field === WHOLE_ROW) return ['dataset', 'samples'];
  const root = /^[^.[]+/.exec(field)?.[0] ?? '';
  const out: Source[] = [];
  if ((DATASET_FIELDS as readonly string[]).includes(root)) out.push('dataset');
  if ((SAMPLE_FIELDS as readonly string[]).includes(field)) out.push('samples');
  return out;
}

const fraction = (what: string) => z.number({ error: `must be ${what} between 0 and 1` }).min(0, `must be ${what} between 0 and 1`).max(1, `must be ${what} between 0 and 1`);

const field = z
  .string({ error: 'must be a field path: input.variables.question, expected, tags, metadata.lang; for samples input or output; * for the whole row' })
  .trim()
  .refine((f) => f === WHOLE_ROW || FIELD_PATH.test(f), { message: 'must be a field path: input.variables.question, expected, tags, metadata.lang; for samples input or output; * for the whole row', abort: true })
  .refine((f) => sourcesOfField(f).length > 0, {
    message: `names no field of a row: dataset cases have ${DATASET_FIELDS.join(', ')} (and paths into them); samples have ${SAMPLE_FIELDS.join(', ')}`,
  });

const base = {
  /** A name to show the check under; default `<type> <field>`. */
  name: z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').optional(),
  /** Only rows of this source; default every source of the suite that has the field. */
  source: z.enum(SOURCES, { error: `must be one of ${SOURCES.join(', ')}` }).optional(),
  /** The fraction of rows that must meet the expectation (Great Expectations' `mostly`). */
  mostly: fraction('a fraction').default(1),
};
const near = fraction('a Jaccard similarity').refine((t) => t >= 0.3, 'must be at least 0.3 (lower finds unrelated text)').default(DEFAULT_NEAR_THRESHOLD);
const datasetVersionRef = z
  .string({ error: 'must name a dataset version: name@version' })
  .trim()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*@[1-9]\d*$/, 'must name a dataset version of this service: name@version (a pinned version, so the verdict can be repeated)')
  .transform((ref) => {
    const [name, version] = ref.split('@') as [string, string];
    return { name, version: Number(version) };
  });
const count = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be at least 0');

const expectationSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('not-null'), field, ...base }).strict(),
    z.object({ type: z.literal('unique'), field, normalize: z.boolean({ error: 'must be true or false' }).default(false), ...base }).strict(),
    z
      .object({ type: z.literal('length'), field, min: count.optional(), max: count.optional(), ...base })
      .strict()
      .refine((e) => e.min !== undefined || e.max !== undefined, { message: 'give min, max or both', path: ['type'] })
      .refine((e) => e.min === undefined || e.max === undefined || e.min <= e.max, { message: 'must be at least min', path: ['max'] }),
    z
      .object({
        type: z.literal('regex'),
        field,
        pattern: z.string({ error: 'must be a regular expression (JavaScript syntax)' }).min(1, 'must not be empty').max(1000, 'must be at most 1000 characters'),
        flags: z
          .string({ error: 'must be letters among i, m, s, u' })
          .regex(/^[imsu]*$/, 'must be letters among i, m, s, u')
          .refine((f) => new Set(f).size === f.length, 'must name each flag at most once')
          .default(''),
        ...base,
      })
      .strict()
      .superRefine((e, ctx) => {
        try {
          new RegExp(e.pattern, e.flags);
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['pattern'], message: `is not a valid regular expression: ${(err as Error).message}` });
        }
      }),
    z
      .object({
        type: z.literal('allowed-values'),
        field,
        values: z
          .array(z.union([z.string(), z.number(), z.boolean()], { error: 'each value must be text, a number or true/false' }), { error: 'must be a list of values' })
          .min(1, 'needs at least one value')
          .max(1000, 'at most 1000 values'),
        ...base,
      })
      .strict(),
    z.object({ type: z.literal('no-near-duplicates'), field: field.default('input'), threshold: near, ...base }).strict(),
    z
      .object({
        type: z.literal('no-personal-data'),
        field: field.default(WHOLE_ROW),
        kinds: z
          .array(z.enum(PII_KINDS, { error: `must be among ${PII_KINDS.join(', ')}` }), { error: `must be a list among ${PII_KINDS.join(', ')}` })
          .min(1, 'leave it out to mean every kind')
          .default([...PII_KINDS]),
        ...base,
      })
      .strict(),
    z
      .object({
        type: z.literal('tag-share'),
        name: base.name,
        tag: z.string({ error: 'must be a tag' }).trim().min(1, 'must be a tag').max(100),
        min: fraction('a share').optional(),
        max: fraction('a share').optional(),
      })
      .strict()
      .refine((e) => e.min !== undefined || e.max !== undefined, { message: 'give min, max or both (fractions of the cases)', path: ['type'] })
      .refine((e) => e.min === undefined || e.max === undefined || e.min <= e.max, { message: 'must be at least min', path: ['max'] }),
    z.object({ type: z.literal('no-overlap'), with: datasetVersionRef, field: field.default('input'), threshold: near, ...base }).strict(),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? `type must be one of ${EXPECTATION_TYPES.join(', ')}` : undefined) },
);

export type Expectation = z.output<typeof expectationSchema>;

/** `7d`, `24h`, `90m`: a window back from the start of the run. */
const windowSchema = z
  .string({ error: 'must be a duration: 30m, 24h or 7d' })
  .trim()
  .regex(/^[1-9]\d*[mhd]$/, { message: 'must be a duration: 30m, 24h or 7d', abort: true })
  .refine((w) => windowMs(w) <= SAMPLE_LIMITS.maxWindowDays * 86_400_000, `must be at most ${SAMPLE_LIMITS.maxWindowDays} days`);

export function windowMs(window: string): number {
  const n = Number(window.slice(0, -1));
  return n * { m: 60_000, h: 3_600_000, d: 86_400_000 }[window.slice(-1) as 'm' | 'h' | 'd'];
}

const samplesSchema = z
  .object({
    /** Default: the environment whose gate the run decides. */
    environment: slugSchema.optional(),
    window: windowSchema.default(SAMPLE_LIMITS.defaultWindow),
    /** The newest this many samples of the window. */
    limit: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(SAMPLE_LIMITS.maxRows, `must be at most ${SAMPLE_LIMITS.maxRows}`).default(SAMPLE_LIMITS.defaultRows),
    /** Fewer samples than this fail the run: a gate on no traffic proves nothing. */
    minRows: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be at least 0').default(1),
  })
  .strict();

export const dataQualitySettings = z
  .object({
    sources: z
      .array(z.enum(SOURCES, { error: `must be among ${SOURCES.join(', ')}` }), { error: `must be a list among ${SOURCES.join(', ')}` })
      .min(1, 'name at least one source')
      .refine((s) => new Set(s).size === s.length, 'names a source twice')
      .default(['dataset']),
    samples: samplesSchema.default({ window: SAMPLE_LIMITS.defaultWindow, limit: SAMPLE_LIMITS.defaultRows, minRows: 1 }),
    expectations: z
      .array(expectationSchema, { error: 'must be a list of expectations' })
      .min(1, 'a data-quality suite needs at least one expectation')
      .max(MAX_EXPECTATIONS, `at most ${MAX_EXPECTATIONS} expectations`),
  })
  .strict()
  .superRefine((s, ctx) => {
    s.expectations.forEach((e, i) => {
      const have = e.type === 'tag-share' ? (['dataset'] as Source[]) : sourcesOfField(e.field);
      // A field that names nothing is reported by the field itself.
      if (!have.length) return;
      const wanted = e.type !== 'tag-share' && e.source ? [e.source] : s.sources;
      if (e.type !== 'tag-share' && e.source && !s.sources.includes(e.source)) {
        ctx.addIssue({ code: 'custom', path: ['expectations', i, 'source'], message: `is not among the suite's sources (${s.sources.join(', ')})` });
      } else if (!wanted.some((w) => have.includes(w))) {
        const what = e.type === 'tag-share' ? 'tags belong to dataset cases' : `field ${e.field} exists in ${have.join(' and ')} rows`;
        ctx.addIssue({ code: 'custom', path: ['expectations', i, e.type === 'tag-share' ? 'type' : 'field'], message: `applies to no source of the suite: ${what}, the suite reads ${wanted.join(' and ')}` });
      }
    });
  });

export type DataQualitySettings = z.output<typeof dataQualitySettings>;

/** The check's name: given, or `<type> <field>` (`tag-share billing`); repeated names get `#2`, `#3`. */
export function checkNames(expectations: Expectation[]): string[] {
  const seen = new Map<string, number>();
  return expectations.map((e) => {
    const base = e.name ?? (e.type === 'tag-share' ? `tag-share ${e.tag}` : e.type === 'no-overlap' ? `no-overlap ${e.field} with ${e.with.name}@${e.with.version}` : `${e.type} ${e.field}`);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

/** The sources an expectation reads rows from. */
export function sourcesOf(e: Expectation, settings: DataQualitySettings): Source[] {
  if (e.type === 'tag-share') return settings.sources.filter((s) => s === 'dataset');
  const have = sourcesOfField(e.field);
  return (e.source ? [e.source] : settings.sources).filter((s) => have.includes(s));
}
