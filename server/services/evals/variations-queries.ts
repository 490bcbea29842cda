// Reads a prompt-variations run: its matrix with per-cell figures (score, pass rate, cost, median latency,
// metrics), progress, and the best cell.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { evalSuites, evalSuiteVersions, releases } from '@/db/schema';
import { invalid } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { runByNumber } from './shared';
import { paramsLabel } from './variations-matrix';
import { variationCellStats } from './variations-stats';

export const getVariationsInput = z.object({ service: slugSchema, number: z.number().int().positive() });

export async function getVariations(ctx: ServiceContext, input: z.input<typeof getVariationsInput>) {
  requireScope(ctx, 'services:read');
  const data = getVariationsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const run = await runByNumber(ctx.db, service, data.number);
  if (run.kind !== 'prompt-variations' || !run.matrix) throw invalid('number', `run ${run.number} of ${service.name} is an eval run, not a prompt-variations run`);
  const [suite] = await ctx.db
    .select({ name: evalSuites.name, version: evalSuiteVersions.version })
    .from(evalSuiteVersions)
    .innerJoin(evalSuites, eq(evalSuites.id, evalSuiteVersions.suiteId))
    .where(eq(evalSuiteVersions.id, run.suiteVersionId));
  const [release] = await ctx.db.select({ number: releases.number }).from(releases).where(eq(releases.id, run.releaseId));
  const stats = await variationCellStats(ctx.db, run);
  const cases = run.matrix.cells.length ? run.totalCalls / run.matrix.cells.length : 0;
  const cells = run.matrix.cells.map((c, i) => ({
    ...c,
    promptsLabel: c.prompts.map((p) => p.ref).join(' + '),
    paramsLabel: paramsLabel(c.params),
    ...stats[i]!,
    complete: stats[i]!.cases >= cases,
  }));
  const scored = cells.filter((c) => c.cases > 0);
  const best = scored.reduce<(typeof cells)[number] | null>((b, c) => (!b || c.score > b.score || (c.score === b.score && c.costUsd < b.costUsd) ? c : b), null);
  return {
    id: run.id,
    service: service.name,
    number: run.number,
    status: run.status,
    error: run.error,
    suite: suite ? `${suite.name}@${suite.version}` : null,
    release: release?.number ?? null,
    threshold: run.matrix.threshold,
    prompts: run.matrix.prompts,
    params: run.matrix.params,
    models: run.matrix.models,
    casesPerCell: cases,
    estimate: run.estimate,
    budgetUsd: run.budgetUsd === null ? null : Number(run.budgetUsd),
    totalCalls: run.totalCalls,
    doneCalls: run.doneCalls,
    cacheHits: run.cacheHits,
    costUsd: run.costUsd,
    cells,
    best: best?.key ?? null,
    createdBy: run.createdBy,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}

export type VariationsView = Awaited<ReturnType<typeof getVariations>>;
