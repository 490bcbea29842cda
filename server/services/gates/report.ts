// The verdict of gate runs as scripts and CI read it (the `slipway gates run --json` contract): per gate passed,
// score, baseline and its score, p-value and reasons, with each suite's run beside them.
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { evalRuns, evalSuites, evalSuiteVersions, gateResults, releases } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { isEnded } from '../evals/shared';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { releaseByNumber } from './queries';
import { BUILT_GATES, LOAD_TEST_GATE, loadTestGateOf } from './status';

export const gateReportInput = z.object({
  service: slugSchema,
  release: z.number().int().positive('must be a release number'),
  environment: slugSchema,
  gates: z.array(z.string().trim().min(1).max(40)).min(1).max(20),
  /** The eval runs `gates.run` started, by number. */
  runs: z.array(z.number().int().positive()).max(100),
});

export interface SuiteReport {
  /** The suite's type: the gate it decides. */
  type: string;
  suite: string;
  version: number;
  run: number;
  status: string;
  passed: boolean;
  score: number | null;
  baseline: { release: string; score: number } | null;
  pValue: number | null;
  reasons: string[];
}

export interface GateReport {
  type: string;
  passed: boolean;
  score: number | null;
  baseline: { release: string; score: number } | null;
  pValue: number | null;
  reasons: string[];
  suites: SuiteReport[];
}

export async function gateReport(ctx: ServiceContext, input: z.input<typeof gateReportInput>) {
  requireScope(ctx, 'services:read');
  const data = gateReportInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const release = await releaseByNumber(ctx.db, service, data.release);
  const rows = data.runs.length
    ? await ctx.db
        .select({ run: evalRuns, suite: evalSuites.name, version: evalSuiteVersions.version, baselineNumber: releases.number })
        .from(evalRuns)
        .innerJoin(evalSuiteVersions, eq(evalSuiteVersions.id, evalRuns.suiteVersionId))
        .innerJoin(evalSuites, eq(evalSuites.id, evalSuiteVersions.suiteId))
        .leftJoin(releases, eq(releases.id, evalRuns.baselineReleaseId))
        .where(and(eq(evalRuns.serviceId, service.id), eq(evalRuns.releaseId, release.id), inArray(evalRuns.number, data.runs)))
    : [];
  const verdicts = rows.length ? await ctx.db.select().from(gateResults).where(inArray(gateResults.runId, rows.map((r) => r.run.id))) : [];
  const suites: SuiteReport[] = rows
    .sort((a, b) => a.run.number - b.run.number)
    .map(({ run, suite, version, baselineNumber }) => {
      const verdict = verdicts.find((v) => v.runId === run.id);
      const ended = isEnded(run.status);
      return {
        type: run.kind,
        suite,
        version,
        run: run.number,
        status: run.status,
        passed: run.status === 'passed',
        score: run.summary?.candidate.score ?? null,
        baseline: run.summary?.baseline && baselineNumber !== null ? { release: `${service.name}#${baselineNumber}`, score: run.summary.baseline.score } : null,
        pValue: verdict?.pValue ?? null,
        reasons: run.summary?.verdict.reasons.length ? run.summary.verdict.reasons : ended ? (run.error ? [run.error] : []) : [`run ${run.number} is ${run.status}`],
      };
    });
  const loadTest = data.gates.includes(LOAD_TEST_GATE) ? await loadTestGateOf(ctx.db, env, release) : null;
  const gates: GateReport[] = data.gates.map((type) => {
    if (type === LOAD_TEST_GATE) return { type, passed: loadTest!.state === 'passed', score: null, baseline: null, pValue: null, reasons: [loadTest!.message], suites: [] };
    if (!BUILT_GATES.includes(type)) return { type, passed: false, score: null, baseline: null, pValue: null, reasons: [`the ${type} gate is not built yet; an admin may override`], suites: [] };
    const mine = suites.filter((s) => s.type === type);
    if (!mine.length) return { type, passed: false, score: null, baseline: null, pValue: null, reasons: [`no ${type} run was started for this gate`], suites: mine };
    const scored = mine.filter((s) => s.score !== null);
    const pValues = mine.map((s) => s.pValue).filter((p): p is number => p !== null);
    const one = mine.length === 1;
    return {
      type,
      passed: mine.every((s) => s.passed),
      score: scored.length ? scored.reduce((sum, s) => sum + s.score!, 0) / scored.length : null,
      baseline: mine[0]!.baseline && mine.every((s) => s.baseline) ? { release: mine[0]!.baseline.release, score: mine.reduce((sum, s) => sum + s.baseline!.score, 0) / mine.length } : null,
      pValue: pValues.length ? Math.min(...pValues) : null,
      reasons: one ? mine[0]!.reasons : mine.flatMap((s) => s.reasons.map((r) => `${s.suite}@${s.version}: ${r}`)),
      suites: mine,
    };
  });
  return { release: `${service.name}#${release.number}`, environment: env.name, passed: gates.every((g) => g.passed), gates };
}
