// Reading load tests: an environment's latest tests, or a pipeline run's, and one test whole with the release
// numbers of its arms. A test left running by a process that stopped is closed as it is read.
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { loadTests, pipelineRuns, releases, services, type LoadTest } from '@/db/schema';
import { invalid, notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { closeAbandoned } from './run';
import { MAX_CONCURRENCY, MAX_DURATION_S, MAX_RATE } from './settings';

export const listLoadTestsInput = z
  .object({
    service: slugSchema,
    environment: slugSchema.optional(),
    /** A pipeline run's tests, by its number. */
    pipelineRun: z.number().int('must be a run number').positive('must be a run number').optional(),
    limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
  })
  .strict();
export const getLoadTestInput = z.object({ id: z.uuid({ message: 'must be a load test id (a UUID)' }) }).strict();

/** The bounds every test keeps, for forms and help. */
export const LOAD_TEST_LIMITS = { maxRatePerSecond: MAX_RATE, maxDurationSeconds: MAX_DURATION_S, maxConcurrency: MAX_CONCURRENCY };

async function withNumbers(db: Db, rows: LoadTest[]) {
  const ids = [...new Set(rows.flatMap((r) => [r.candidateReleaseId, r.baselineReleaseId]).filter((id): id is string => Boolean(id)))];
  const numbers = new Map((ids.length ? await db.select({ id: releases.id, number: releases.number }).from(releases).where(inArray(releases.id, ids)) : []).map((r) => [r.id, r.number]));
  const runIds = [...new Set(rows.map((r) => r.pipelineRunId).filter((id): id is string => Boolean(id)))];
  const runs = new Map((runIds.length ? await db.select({ id: pipelineRuns.id, number: pipelineRuns.number }).from(pipelineRuns).where(inArray(pipelineRuns.id, runIds)) : []).map((r) => [r.id, r.number]));
  const closed = await Promise.all(rows.map((r) => closeAbandoned(db, r)));
  return closed.map((r) => ({
    ...r,
    candidateNumber: numbers.get(r.candidateReleaseId)!,
    baselineNumber: r.baselineReleaseId ? (numbers.get(r.baselineReleaseId) ?? null) : null,
    pipelineRunNumber: r.pipelineRunId ? (runs.get(r.pipelineRunId) ?? null) : null,
  }));
}

export async function listLoadTests(ctx: ServiceContext, input: z.input<typeof listLoadTestsInput>) {
  requireScope(ctx, 'services:read');
  const data = listLoadTestsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const filters = [eq(loadTests.serviceId, service.id)];
  if (data.environment) filters.push(eq(loadTests.environmentId, (await environmentByName(ctx.db, service, data.environment)).id));
  if (data.pipelineRun !== undefined) {
    const [run] = await ctx.db.select({ id: pipelineRuns.id }).from(pipelineRuns).where(and(eq(pipelineRuns.serviceId, service.id), eq(pipelineRuns.number, data.pipelineRun)));
    if (!run) throw invalid('pipelineRun', `${service.name} has no pipeline run ${data.pipelineRun}`);
    filters.push(eq(loadTests.pipelineRunId, run.id));
  }
  const rows = await ctx.db.select().from(loadTests).where(and(...filters)).orderBy(desc(loadTests.createdAt)).limit(data.limit);
  return { service: service.name, environment: data.environment ?? null, limits: LOAD_TEST_LIMITS, tests: await withNumbers(ctx.db, rows) };
}

export async function getLoadTest(ctx: ServiceContext, input: z.input<typeof getLoadTestInput>) {
  requireScope(ctx, 'services:read');
  const data = getLoadTestInput.parse(input);
  const [row] = await ctx.db.select({ test: loadTests, service: services.name }).from(loadTests).innerJoin(services, eq(services.id, loadTests.serviceId)).where(eq(loadTests.id, data.id));
  if (!row) throw notFound('Load test');
  const [test] = await withNumbers(ctx.db, [row.test]);
  return { ...test!, service: row.service };
}
