// The difference between two versions of a dataset, case by case: a case with an id is matched by its id (and
// changed when its content differs); the others are matched by their content key, so an edited case without an
// id shows as one removed and one added.
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { datasetCases, type DatasetCase } from '@/db/schema';
import { diffValues, type FieldChange } from '@/server/lib/diff';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { datasetByName, versionOf } from './shared';

export const diffDatasetInput = z.object({
  service: slugSchema,
  name: slugSchema,
  from: z.number().int().positive(),
  to: z.number().int().positive(),
  /** Most cases listed per kind; the counts are always complete. */
  limit: z.number().int().min(1).max(1000).default(200),
});

type CaseView = Omit<DatasetCase, 'datasetVersionId'>;
const view = ({ datasetVersionId: _, ...c }: DatasetCase): CaseView => c;

export interface DatasetDiff {
  added: CaseView[];
  removed: CaseView[];
  changed: { id: string; before: CaseView; after: CaseView; fields: FieldChange[] }[];
  unchanged: number;
  /** Same cases in a different order. */
  reordered: boolean;
}

export function diffCases(a: DatasetCase[], b: DatasetCase[]): DatasetDiff {
  const byId = new Map(b.filter((c) => c.externalId !== null).map((c) => [c.externalId!, c]));
  const matched = new Set<DatasetCase>();
  const removed: DatasetCase[] = [];
  const changed: DatasetDiff['changed'] = [];
  const pairs: [DatasetCase, DatasetCase][] = [];
  const rest: DatasetCase[] = [];
  for (const before of a) {
    const after = before.externalId !== null ? byId.get(before.externalId) : undefined;
    if (!after) {
      rest.push(before);
      continue;
    }
    matched.add(after);
    pairs.push([before, after]);
    if (after.caseKey !== before.caseKey) {
      const content = (c: DatasetCase) => ({ input: c.input, expected: c.expected, tags: c.tags, metadata: c.metadata });
      changed.push({ id: before.externalId!, before: view(before), after: view(after), fields: diffValues(content(before), content(after)) });
    }
  }
  // The rest by content key, as multisets: two identical cases on one side need two on the other.
  const pool = new Map<string, DatasetCase[]>();
  for (const c of b) if (!matched.has(c)) pool.set(c.caseKey, [...(pool.get(c.caseKey) ?? []), c]);
  for (const before of rest) {
    const after = pool.get(before.caseKey)?.shift();
    if (after) {
      matched.add(after);
      pairs.push([before, after]);
    } else removed.push(before);
  }
  const added = b.filter((c) => !matched.has(c));
  const unchanged = pairs.length - changed.length;
  const order = pairs.map(([, after]) => after.index);
  const reordered = order.some((v, i) => i > 0 && v < order[i - 1]!);
  return { added: added.map(view), removed: removed.map(view), changed, unchanged, reordered };
}

export async function diffDatasetVersions(ctx: ServiceContext, input: z.input<typeof diffDatasetInput>) {
  requireScope(ctx, 'services:read');
  const data = diffDatasetInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const dataset = await datasetByName(ctx.db, service, data.name);
  const [from, to] = await Promise.all([versionOf(ctx.db, service, dataset, data.from), versionOf(ctx.db, service, dataset, data.to)]);
  const cases = (id: string) => ctx.db.select().from(datasetCases).where(eq(datasetCases.datasetVersionId, id)).orderBy(asc(datasetCases.index));
  const [a, b] = await Promise.all([cases(from.id), cases(to.id)]);
  const diff = diffCases(a, b);
  return {
    from,
    to,
    counts: { added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length, unchanged: diff.unchanged },
    reordered: diff.reordered,
    added: diff.added.slice(0, data.limit),
    removed: diff.removed.slice(0, data.limit),
    changed: diff.changed.slice(0, data.limit),
  };
}
