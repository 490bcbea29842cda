// The rows of a data-quality run that broke an expectation, a page at a time, each with the rules it broke and
// why; filtered by rule (a check's name), by source and by text, done in the database so paging stays right.
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { evalResults } from '@/db/schema';
import type { RowDetail } from '@/server/evals/data-quality/summary';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { runByNumber } from './shared';

export const dataQualityRowsInput = z.object({
  service: slugSchema,
  number: z.number().int().positive(),
  /** A check's name as the run's summary lists it. */
  check: z.string().trim().min(1).max(200).optional(),
  source: z.enum(['dataset', 'samples']).optional(),
  /** Text in the row's label, excerpt or reasons. */
  search: z.string().trim().max(200).optional(),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(200).default(50),
});

/** `%` and `_` in a search are themselves, not patterns. */
const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function dataQualityRows(ctx: ServiceContext, input: z.input<typeof dataQualityRowsInput>) {
  requireScope(ctx, 'services:read');
  const data = dataQualityRowsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const run = await runByNumber(ctx.db, service, data.number);
  const filters: SQL[] = [eq(evalResults.runId, run.id), eq(evalResults.arm, 'candidate'), sql`jsonb_array_length(coalesce(${evalResults.detail}->'failures', '[]'::jsonb)) > 0`];
  if (data.check) filters.push(sql`${evalResults.detail}->'failures' @> ${JSON.stringify([{ name: data.check }])}::jsonb`);
  if (data.source) filters.push(sql`${evalResults.detail}->>'source' = ${data.source}`);
  if (data.search) filters.push(sql`${evalResults.detail}::text ilike ${likeText(data.search)}`);
  const where = and(...filters);
  const [[{ total } = { total: 0 }], rows] = await Promise.all([
    ctx.db.select({ total: sql<number>`count(*)::int` }).from(evalResults).where(where),
    ctx.db.select({ caseIndex: evalResults.caseIndex, detail: evalResults.detail }).from(evalResults).where(where).orderBy(asc(evalResults.caseIndex)).offset(data.offset).limit(data.limit),
  ]);
  return {
    total,
    rows: rows.map((r) => {
      const d = r.detail as unknown as RowDetail;
      return { caseIndex: r.caseIndex, source: d.source, row: d.row, excerpt: d.excerpt, failures: d.failures.map(({ name, rule, reason }) => ({ name, rule, reason })) };
    }),
  };
}
