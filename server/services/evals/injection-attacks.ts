// The attacks of an injection run, each with what both arms answered and what detection found: by default only
// those that worked on the candidate or the baseline, for the run page's "successful attacks" list.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { evalResults, type EvalResult } from '@/db/schema';
import { invalid } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { runByNumber } from './shared';

export const injectionAttacksInput = z.object({
  service: slugSchema,
  number: z.number().int().positive(),
  /** Only attacks that worked on either arm (default); false lists every attack. */
  successfulOnly: z.boolean().default(true),
  category: z.string().trim().max(100).optional(),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(200).default(50),
});

export interface AttackDetail {
  attackId: string;
  category: string;
  goal: string;
  placement: string;
  variable: string | null;
  source: string;
  attack: string;
  nonce: string;
  canary: string;
}

const succeeded = (r: EvalResult | null) => Boolean(r && r.error === null && (r.detail as { success?: boolean } | null)?.success);

export async function injectionAttacks(ctx: ServiceContext, input: z.input<typeof injectionAttacksInput>) {
  requireScope(ctx, 'services:read');
  const data = injectionAttacksInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const run = await runByNumber(ctx.db, service, data.number);
  if (run.kind !== 'injection') throw invalid('number', `run ${data.number} of ${service.name} is a ${run.kind} run, not an injection run`);
  const results = await ctx.db.select().from(evalResults).where(and(eq(evalResults.runId, run.id), eq(evalResults.cell, '')));
  const byCase = new Map<number, { candidate: EvalResult | null; baseline: EvalResult | null }>();
  for (const r of results) byCase.set(r.caseIndex, { ...(byCase.get(r.caseIndex) ?? { candidate: null, baseline: null }), [r.arm]: r });
  const rows = [...byCase.entries()]
    .sort(([a], [b]) => a - b)
    .map(([caseIndex, arms]) => {
      const detail = (arms.candidate?.detail ?? arms.baseline?.detail) as AttackDetail | null;
      return { caseIndex, attack: detail, candidate: arms.candidate, baseline: arms.baseline, candidateSucceeded: succeeded(arms.candidate), baselineSucceeded: succeeded(arms.baseline) };
    })
    .filter((row) => row.attack && (!data.category || row.attack.category === data.category))
    .filter((row) => !data.successfulOnly || row.candidateSucceeded || row.baselineSucceeded);
  return { total: rows.length, attacks: rows.slice(data.offset, data.offset + data.limit) };
}
