// Pushes a dataset version from a file's text (JSONL, CSV, YAML) or from structured cases. The dataset is created
// on first push; identical cases create nothing and say so. A bad file is refused whole, with every problem named
// by line and field.
import { z } from 'zod';
import { DATASET_SOURCES } from '@/db/schema';
import { checkCase, DATASET_FORMATS, DATASET_LIMITS, parseDatasetFile, type ParsedCase } from '@/server/evals/dataset-files';
import { DomainError } from '@/server/errors';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { describe, lockDataset, writeVersion } from './shared';

export const pushDatasetInput = z
  .object({
    service: slugSchema,
    name: slugSchema,
    description: z.string().trim().max(2000).optional(),
    commitMessage: z.string().trim().max(2000).default(''),
    /** `samples` is for addSamples, which says where its cases came from. */
    source: z.enum(DATASET_SOURCES).exclude(['samples']).default('api'),
    /** A file's text, read in the format its name (or `format`) says. */
    file: z.object({ name: z.string().trim().min(1, 'is required').max(200), content: z.string().max(DATASET_LIMITS.maxBytes + 1024, `must be at most ${DATASET_LIMITS.maxBytes / 1024 / 1024} MB`), format: z.enum(DATASET_FORMATS).optional() }).optional(),
    /** Or the cases themselves: { id?, variables? | messages?, expected?, tags?, metadata? }. */
    cases: z.array(z.unknown()).max(DATASET_LIMITS.maxCases, `must hold at most ${DATASET_LIMITS.maxCases} cases`).optional(),
  })
  .refine((v) => (v.file === undefined) !== (v.cases === undefined), { message: 'give either file or cases', path: ['file'] });

/** Every problem at once, one per line; nothing is stored. */
export class DatasetFileError extends DomainError {
  constructor(readonly problems: string[]) {
    super('invalid', problems.join('\n'), 'file');
    this.name = 'DatasetFileError';
  }
}

/** The cases of a push, checked the same way whether they came as a file or as a list. */
export function casesOfPush(data: Pick<z.output<typeof pushDatasetInput>, 'file' | 'cases'>): ParsedCase[] {
  if (data.file) {
    const parsed = parseDatasetFile(data.file.name, data.file.content, data.file.format);
    if (!parsed.ok) throw new DatasetFileError(parsed.errors);
    return parsed.cases;
  }
  const problems: string[] = [];
  const add = (_line: number | null, message: string) => void (problems.length < DATASET_LIMITS.maxErrors && problems.push(message));
  const cases = (data.cases ?? []).map((raw, i) => checkCase(raw, { line: null, prefix: `cases[${i}].` }, { add }));
  if (!cases.length) problems.push('cases: needs at least one case');
  const seen = new Map<string, number>();
  cases.forEach((c, i) => {
    if (!c?.externalId) return;
    if (seen.has(c.externalId)) add(null, `cases[${i}].id "${c.externalId}" is used again (first at cases[${seen.get(c.externalId)}]); ids must be unique`);
    else seen.set(c.externalId, i);
  });
  if (problems.length) throw new DatasetFileError(problems);
  return cases as ParsedCase[];
}

export async function pushDataset(ctx: ServiceContext, input: z.input<typeof pushDatasetInput>) {
  requireScope(ctx, 'datasets:write');
  const data = pushDatasetInput.parse(input);
  const cases = casesOfPush(data);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const locked = await lockDataset(tx, service, data.name, data.description);
    const { version, created } = await writeVersion(tx, {
      service,
      dataset: locked,
      cases,
      source: data.source,
      fileName: data.file?.name ?? null,
      commitMessage: data.commitMessage,
      audit: {
        action: 'dataset.push',
        summary: (ref) => `Pushed ${ref} (${cases.length} case${cases.length === 1 ? '' : 's'})${data.commitMessage ? `: ${data.commitMessage}` : ''}`,
        changes: data.description !== undefined && data.description !== locked.description ? { description: data.description } : {},
      },
    });
    const dataset = created ? await describe(tx, locked, data.description) : locked;
    return { dataset, version, created };
  });
}
