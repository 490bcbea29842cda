// The cases of one dataset version, a page at a time, optionally filtered by a search over the input, the
// expected answer, the tags and the id, and by a tag.
import { and, asc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { datasetCases } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { datasetByName, versionOf } from './shared';

export const listCasesInput = z.object({
  service: slugSchema,
  name: slugSchema,
  /** Absent: the newest version. */
  version: z.number().int().positive().optional(),
  search: z.string().trim().max(200).optional(),
  tag: z.string().trim().min(1).max(100).optional(),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(200).default(50),
});

/** `%` and `_` in a search are themselves, not patterns. */
const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listCases(ctx: ServiceContext, input: z.input<typeof listCasesInput>) {
  requireScope(ctx, 'services:read');
  const data = listCasesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const dataset = await datasetByName(ctx.db, service, data.name);
  const version = await versionOf(ctx.db, service, dataset, data.version);
  const filters: SQL[] = [eq(datasetCases.datasetVersionId, version.id)];
  if (data.search) {
    const like = likeText(data.search);
    filters.push(or(ilike(sql`${datasetCases.input}::text`, like), ilike(datasetCases.expected, like), ilike(sql`${datasetCases.tags}::text`, like), ilike(datasetCases.externalId, like))!);
  }
  if (data.tag) filters.push(sql`${datasetCases.tags} @> ${JSON.stringify([data.tag])}::jsonb`);
  const where = and(...filters);
  const [[{ total } = { total: 0 }], cases] = await Promise.all([
    ctx.db.select({ total: sql<number>`count(*)::int` }).from(datasetCases).where(where),
    ctx.db.select().from(datasetCases).where(where).orderBy(asc(datasetCases.index)).offset(data.offset).limit(data.limit),
  ]);
  return { version, total, cases: cases.map(({ datasetVersionId: _, ...c }) => c) };
}
