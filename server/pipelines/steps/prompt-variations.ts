// prompt-variations: runs a matrix of prompt sets × parameter sets × model versions on an eval suite, inline in
// the step (each cell's finished cases are kept, so a retried step skips them), and passes when the best cell's
// score reaches the step's threshold. Left out, the prompts, model and parameters are the candidate's own, so the
// candidate is always one of the cells.
import { and, desc, eq } from 'drizzle-orm';
import { evalRuns } from '@/db/schema';
import { getRelease } from '@/server/services/releases/queries';
import { startVariations } from '@/server/services/evals/variations';
import { orchestrateVariations } from '@/server/services/evals/variations-execute';
import { getVariations } from '@/server/services/evals/variations-queries';
import type { StepContext, StepOutcome } from './types';

export interface PromptVariationsInputs {
  suite: string;
  prompts?: string[];
  models?: string[];
  params?: Record<string, unknown>[];
  threshold: number;
  budgetUsd?: number;
}

export async function promptVariationsStep(ctx: StepContext): Promise<StepOutcome> {
  const inputs = ctx.step.inputs as unknown as PromptVariationsInputs;
  const sctx = { actor: { kind: 'system' as const, job: `pipeline:${ctx.service.name}#${ctx.run.number}` }, db: ctx.db, requestId: null };
  const candidate = await getRelease(sctx, { service: ctx.service.name, number: ctx.release.number });
  const matrix = {
    prompts: inputs.prompts ?? [candidate.prompts.map((p) => p.ref).join('+')],
    models: inputs.models ?? [candidate.model.ref],
    params: (inputs.params ?? [candidate.config]) as Record<string, never>[],
  };
  // A retried step takes up the run it started before, rather than starting another.
  const [earlier] = await ctx.db
    .select()
    .from(evalRuns)
    .where(and(eq(evalRuns.pipelineRunId, ctx.run.id), eq(evalRuns.kind, 'prompt-variations')))
    .orderBy(desc(evalRuns.createdAt))
    .limit(1);
  const same = earlier?.matrix && JSON.stringify([earlier.matrix.prompts, earlier.matrix.models, earlier.matrix.params]) === JSON.stringify([matrix.prompts, matrix.models, matrix.params]);
  const runId = same
    ? earlier.id
    : (await startVariations(sctx, { service: ctx.service.name, suite: inputs.suite, release: ctx.release.number, threshold: inputs.threshold, budgetUsd: inputs.budgetUsd, ...matrix }, { pipelineRunId: ctx.run.id, dispatch: false })).id;
  const run = (await ctx.db.select({ number: evalRuns.number }).from(evalRuns).where(eq(evalRuns.id, runId)))[0]!;
  ctx.log(`${same ? 'resuming' : 'started'} prompt variations run ${run.number}: ${matrix.prompts.length} prompt set(s) × ${matrix.params.length} parameter set(s) × ${matrix.models.length} model(s) on ${inputs.suite}`);
  await orchestrateVariations(ctx.db, runId, (_id, fn) => fn());
  const view = await getVariations(sctx, { service: ctx.service.name, number: run.number });
  for (const c of view.cells) ctx.log(`${c.key}  ${c.promptsLabel} · ${c.paramsLabel} · ${c.model.ref}: score ${c.score.toFixed(3)}, pass rate ${(c.passRate * 100).toFixed(1)}%, $${c.costUsd.toFixed(4)}, p50 ${c.latencyP50Ms === null ? '—' : `${Math.round(c.latencyP50Ms)} ms`}`);
  const best = view.cells.find((c) => c.key === view.best);
  const outputs = { run: run.number, best: view.best, score: best?.score ?? null, threshold: inputs.threshold };
  if (view.status === 'passed') return { status: 'passed', outputs };
  return { status: 'failed', outputs, error: view.error ?? `prompt variations run ${run.number} ended ${view.status}` };
}
