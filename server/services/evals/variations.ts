// Starts a prompt-variations run: a matrix of prompt sets × parameter sets × model versions scored on an eval
// suite, cell by cell, with cost and latency per cell. The matrix is checked and pinned to versions, the calls and
// their cost are estimated (cache hits excluded) and held to the budget before anything is called, and the run
// is handed to the workflow engine once committed.
import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { suiteTypeOf } from '@/server/evals/kinds';
import type { Db } from '@/db/client';
import { evalCache, evalRuns, releases, services, type Release, type Service, type VariationCell } from '@/db/schema';
import { cacheKey, caseRequest, prepareTarget, typicalOutputTokens } from '@/server/evals/call';
import type { EvalCase } from '@/server/evals/types';
import { countMessageTokens } from '@/server/gateway/tokenizer';
import { invalid } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { by, serviceByName, slugSchema } from '../registry-shared';
import { casesOf } from '../datasets/resolve';
import { releaseByNumber } from './shared';
import { suiteVersionByRef } from './variations-lookups';
import { variationsDispatcher } from './variations-dispatch';
import { resolveMatrix, variationsMatrixInput } from './variations-matrix';

/** What an answer is guessed to cost in output tokens before a model version has any cached answer. */
const DEFAULT_OUTPUT_TOKENS = 200;

export const startVariationsInput = z
  .object({
    service: slugSchema,
    /** `support-answers` (its newest version) or `support-answers@3`. */
    suite: z.string().trim().regex(/^[a-z0-9-]+(@\d+)?$/, 'must be a suite name, optionally with @<version>'),
    /** The release the matrix explores alternatives to (its record); the newest release when left out. */
    release: z.number().int().positive().optional(),
    /** The run passes when its best cell's score reaches this (0–1); without it, it passes when it completes. */
    threshold: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
    budgetUsd: z.number().positive('must be greater than 0').max(100_000).optional(),
  })
  .and(variationsMatrixInput);

export interface VariationsEstimate {
  calls: number;
  cachedCalls: number;
  costUsd: number;
}

/** Calls and cost of running every case through every cell; answers already cached cost nothing. */
export async function estimateVariations(db: Db, service: Service, cells: VariationCell[], cases: EvalCase[]): Promise<VariationsEstimate> {
  let calls = 0;
  let cachedCalls = 0;
  let costUsd = 0;
  for (const cell of cells) {
    const prepared = await prepareTarget(db, { modelVersionId: cell.model.versionId, promptVersionIds: cell.prompts.map((p) => p.versionId), config: cell.params, serviceId: service.id });
    const requests = cases.map((c) => {
      try {
        return caseRequest(prepared, c);
      } catch (err) {
        throw invalid('prompts', `cell ${cell.key} (${cell.prompts.map((p) => p.ref).join('+')}): ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    const keys = requests.map((r) => cacheKey(cell.model.versionId, r.payload));
    const hits = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await db.select({ key: evalCache.key }).from(evalCache).where(inArray(evalCache.key, keys.slice(i, i + 500)));
      for (const r of rows) hits.add(r.key);
    }
    const output = (await typicalOutputTokens(db, cell.model.versionId)) ?? DEFAULT_OUTPUT_TOKENS;
    const { priceInputPer1M, priceOutputPer1M } = prepared.target;
    for (let i = 0; i < requests.length; i++) {
      if (hits.has(keys[i]!)) {
        cachedCalls++;
        continue;
      }
      calls++;
      const input = await countMessageTokens(requests[i]!.messages);
      costUsd += (input * priceInputPer1M + output * priceOutputPer1M) / 1_000_000;
    }
  }
  return { calls, cachedCalls, costUsd };
}

async function baseRelease(db: Db, service: Service, number: number | undefined): Promise<Release> {
  if (number !== undefined) return releaseByNumber(db, service, number);
  const [newest] = await db.select().from(releases).where(eq(releases.serviceId, service.id)).orderBy(sql`${releases.number} desc`).limit(1);
  if (!newest) throw invalid('release', `${service.name} has no release yet; a variations run is recorded against one`);
  return newest;
}

/** `dispatch: false` when the caller runs the matrix itself (a pipeline step runs it inline). */
export async function startVariations(ctx: ServiceContext, input: z.input<typeof startVariationsInput>, opts: { pipelineRunId?: string; dispatch?: boolean } = {}) {
  requireScope(ctx, 'evals:run');
  const data = startVariationsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service);
  const suite = await suiteVersionByRef(ctx.db, service, data.suite);
  const release = await baseRelease(ctx.db, service, data.release);
  const { cells, warnings } = await resolveMatrix(ctx.db, service, data);
  if (suiteTypeOf(suite.spec) !== 'eval' || !suite.datasetVersionId) throw invalid('suite', `${data.suite} is a ${suiteTypeOf(suite.spec)} suite; prompt variations score an eval suite's dataset`);
  const cases = await casesOf(ctx.db, suite.datasetVersionId);
  if (!cases.length) throw invalid('suite', `the dataset of ${data.suite} has no cases`);
  const estimate = await estimateVariations(ctx.db, service, cells, cases);
  const budget = data.budgetUsd ?? suite.spec.budgetUsd;
  if (budget !== null && budget !== undefined && estimate.costUsd > budget) {
    throw invalid('budgetUsd', `the estimate is $${estimate.costUsd.toFixed(4)} for ${estimate.calls} calls, above the budget of $${budget}; raise the budget or make the matrix smaller`);
  }
  return withTransaction(ctx, async (tx) => {
    // The service row lock makes run numbers consecutive when runs start at once.
    await tx.db.select({ id: services.id }).from(services).where(eq(services.id, service.id)).for('update');
    const [{ next } = { next: 1 }] = await tx.db
      .select({ next: sql<number>`coalesce(max(${evalRuns.number}), 0)::int + 1` })
      .from(evalRuns)
      .where(eq(evalRuns.serviceId, service.id));
    const [run] = await tx.db
      .insert(evalRuns)
      .values({
        serviceId: service.id,
        number: next,
        kind: 'prompt-variations',
        // Recorded as running (not started until its function begins): queued runs are plain eval runs' to dispatch.
        status: 'running',
        suiteVersionId: suite.id,
        releaseId: release.id,
        pipelineRunId: opts.pipelineRunId ?? null,
        estimate,
        budgetUsd: budget === null || budget === undefined ? null : String(budget),
        totalCalls: cells.length * cases.length,
        matrix: { prompts: data.prompts, params: data.params, models: data.models, cells, threshold: data.threshold ?? null },
        createdBy: by(ctx),
      })
      .returning();
    await recordAudit(tx, {
      action: 'eval.variations.start',
      target: { kind: 'eval_run', id: run!.id, label: `${service.name} run ${next}` },
      summary: `Started prompt variations run ${next} of ${service.name}: ${data.prompts.length} prompt set(s) × ${data.params.length} parameter set(s) × ${data.models.length} model(s) = ${cells.length} cells on ${data.suite}`,
      changes: { cells: cells.length, cases: cases.length, estimate },
    });
    if (opts.dispatch !== false) {
      await onCommit(tx, async () => {
        await variationsDispatcher()?.start(run!.id);
      });
    }
    return { ...run!, warnings };
  });
}

