// eval, safety, injection, data-quality: runs that gate of an environment (the step's, or the run's target) on the
// candidate: one run per suite of the gate's type that decides it, against the release that environment serves now.
// The step ends when the runs do (the run waits for their finished events) and passes when every one passed; its
// verdicts are the gate results promotion into that environment reads.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalRuns, evalSuites, evalSuiteVersions, type SuiteType } from '@/db/schema';
import { isEnded } from '@/server/services/evals/shared';
import { startGateRuns } from '@/server/services/evals/start-run';
import type { StepContext, StepOutcome } from './types';

/** The step of a suite gate type. */
export function suiteGateStep(gate: SuiteType) {
  return async function gateStep(ctx: StepContext): Promise<StepOutcome> {
    const environment = (ctx.step.inputs.environment as string | undefined) ?? ctx.run.targetEnvironment;
    if (!environment) {
      ctx.log(`no environment to run the ${gate} gate for: name one in the step (inputs.environment) or run to deploy to one`);
      return { status: 'skipped', outputs: {} };
    }
    if (ctx.signal.aborted) return { status: 'failed', outputs: {}, error: `timed out before starting the ${gate} runs` };
    const actor = { kind: 'system' as const, job: `pipeline:${ctx.service.name}#${ctx.run.number}` };
    try {
      const runs = await startGateRuns({ actor, db: ctx.db, requestId: null }, { service: ctx.service.name, release: ctx.release.number, environment, gate, pipelineRunId: ctx.run.id });
      ctx.log(`${gate} gate of ${environment} on ${ctx.service.name}#${ctx.release.number}: started run${runs.length > 1 ? 's' : ''} ${runs.map((r) => r.number).join(', ')}`);
      return { status: 'passed', outputs: { environment, runs: runs.map((r) => r.number) }, evalRunIds: runs.map((r) => r.id) };
    } catch (err) {
      return { status: 'failed', outputs: { environment }, error: err instanceof Error ? err.message : String(err) };
    }
  };
}

/** Whether every run ended, and the verdict: passed only when all passed; otherwise the failing suites and why. */
export async function evalRunsOutcome(db: Db, runIds: string[]): Promise<{ ended: boolean; passed: boolean; error: string | null; lines: string[] }> {
  const rows = await db
    .select({ number: evalRuns.number, kind: evalRuns.kind, status: evalRuns.status, summary: evalRuns.summary, error: evalRuns.error, suite: evalSuites.name, version: evalSuiteVersions.version })
    .from(evalRuns)
    .innerJoin(evalSuiteVersions, eq(evalSuiteVersions.id, evalRuns.suiteVersionId))
    .innerJoin(evalSuites, eq(evalSuites.id, evalSuiteVersions.suiteId))
    .where(and(inArray(evalRuns.id, runIds)))
    .orderBy(asc(evalRuns.number));
  const ended = rows.length === runIds.length && rows.every((r) => isEnded(r.status));
  const score = (n: number | undefined) => (n === undefined ? '' : ` score ${(n * 100).toFixed(1)}%`);
  const lines = rows.map((r) => `${r.suite}@${r.version} (run ${r.number}) ${r.status}:${score(r.summary?.candidate.score)}${r.summary?.baseline ? ` vs #${r.summary.baseline.release} ${(r.summary.baseline.score * 100).toFixed(1)}%` : ''}`);
  const failing = rows.filter((r) => r.status !== 'passed');
  const why = (r: (typeof rows)[number]) => r.summary?.verdict.reasons.join('; ') || r.error || r.status;
  return { ended, passed: ended && !failing.length, error: failing.length ? `${rows[0]?.kind ?? 'eval'} gate failed: ${failing.map((r) => `${r.suite}@${r.version} (run ${r.number}) ${r.status}: ${why(r)}`).join(' | ')}` : null, lines };
}
