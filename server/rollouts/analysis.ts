// The analysis that decides a rollout step: the candidate arm's gateway telemetry against the environment's SLOs
// and against the stable arm, with a pass / fail / inconclusive verdict and a message per check.
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, feedback, onlineScores, requestLogs, type AnalysisCheck, type AnalysisResult, type AnalysisSettings, type ArmFigures, type Slos } from '@/db/schema';

export interface FiguresQuery {
  serviceId: string;
  environment: string;
  releaseIds: string[];
  releaseNumber: number | null;
  since: Date;
  until: Date;
  /** Leave out rows where the stable release answered for a failed canary request. */
  excludeFallback: boolean;
}

/**
 * Online-eval scores of the arm's answers that arrived in [since, until) (online evals score live traffic only),
 * without those taken past the day's judge budget: they leave the model-graded assertions out, and one arm could
 * have more of them than the other only because the budget ran out during its bake.
 */
async function qualityFigures(db: Db, q: FiguresQuery): Promise<{ qualityCount: number; qualityPassRate: number | null }> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int`, passed: sql<number>`(count(*) filter (where ${onlineScores.pass}))::int` })
    .from(onlineScores)
    .innerJoin(environments, eq(environments.id, onlineScores.environmentId))
    .where(
      and(
        eq(environments.serviceId, q.serviceId),
        eq(environments.name, q.environment),
        inArray(onlineScores.releaseId, q.releaseIds),
        eq(onlineScores.budgetSkipped, false),
        gte(onlineScores.at, q.since),
        lt(onlineScores.at, q.until),
      ),
    );
  const n = Number(row?.n ?? 0);
  return { qualityCount: n, qualityPassRate: n ? Number(row!.passed) / n : null };
}

/** What one arm served in [since, until): live (not shadow, not synthetic) requests of its releases, the feedback on them and their online-eval scores. */
export async function gatherFigures(db: Db, q: FiguresQuery): Promise<ArmFigures> {
  const empty: ArmFigures = {
    releaseNumber: q.releaseNumber,
    requests: 0,
    errors: 0,
    errorRate: null,
    p95LatencyMs: null,
    p95TtftMs: null,
    costPerRequestUsd: null,
    feedbackCount: 0,
    feedbackMean: null,
    qualityCount: 0,
    qualityPassRate: null,
  };
  if (!q.releaseIds.length) return empty;
  // Feedback per request of this environment; it counts only for the answered (status 200) row of the request.
  const fb = db
    .select({ requestId: feedback.requestId, serviceId: feedback.serviceId, n: sql<number>`count(*)`.as('n'), total: sql<number>`sum(${feedback.score})`.as('total') })
    .from(feedback)
    .where(and(eq(feedback.serviceId, q.serviceId), eq(feedback.environment, q.environment)))
    .groupBy(feedback.requestId, feedback.serviceId)
    .as('fb');
  const [row] = await db
    .select({
      requests: sql<number>`count(*)::int`,
      errors: sql<number>`count(*) filter (where ${requestLogs.status} <> 200)::int`,
      // Of generated answers: embeddings calls count for errors and cost, not for latency.
      p95LatencyMs: sql<number | null>`percentile_cont(0.95) within group (order by ${requestLogs.latencyMs}) filter (where ${requestLogs.endpoint} <> 'embeddings')`,
      p95TtftMs: sql<number | null>`percentile_cont(0.95) within group (order by ${requestLogs.ttftMs}) filter (where ${requestLogs.stream} and ${requestLogs.ttftMs} is not null)`,
      costUsd: sql<number>`coalesce(sum(${requestLogs.costUsd}), 0)::float8`,
      feedbackCount: sql<number>`coalesce(sum(${fb.n}), 0)::int`,
      feedbackTotal: sql<number | null>`sum(${fb.total})::float8`,
    })
    .from(requestLogs)
    .leftJoin(fb, and(eq(fb.requestId, requestLogs.requestId), eq(fb.serviceId, requestLogs.serviceId), eq(requestLogs.status, 200)))
    .where(
      and(
        eq(requestLogs.serviceId, q.serviceId),
        eq(requestLogs.environment, q.environment),
        eq(requestLogs.shadow, false),
        eq(requestLogs.synthetic, false),
        inArray(requestLogs.releaseId, q.releaseIds),
        gte(requestLogs.at, q.since),
        lt(requestLogs.at, q.until),
        q.excludeFallback ? eq(requestLogs.fallback, false) : undefined,
      ),
    );
  if (!row || !row.requests) return empty;
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  const feedbackCount = Number(row.feedbackCount);
  return {
    releaseNumber: q.releaseNumber,
    requests: row.requests,
    errors: row.errors,
    errorRate: row.errors / row.requests,
    p95LatencyMs: num(row.p95LatencyMs),
    p95TtftMs: num(row.p95TtftMs),
    costPerRequestUsd: Number(row.costUsd) / row.requests,
    feedbackCount,
    feedbackMean: feedbackCount ? Number(row.feedbackTotal) / feedbackCount : null,
    ...(await qualityFigures(db, q)),
  };
}

export interface Judgement {
  verdict: AnalysisResult['verdict'];
  checks: AnalysisCheck[];
  summary: string;
}

// Float noise must not fail a figure that sits exactly on its limit (0.05 − 0.03 > 0.02).
const EPSILON = 1e-9;
const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const points = (v: number) => `${(v * 100).toFixed(1)} points`;
const ms = (v: number) => `${Math.round(v)} ms`;
const usd = (v: number) => `$${v.toLocaleString('en-US', { maximumSignificantDigits: 3, useGrouping: false })}`;
const times = (v: number) => `${v.toFixed(2)}×`;
const score = (v: number) => v.toFixed(2);

const ABSOLUTE: { metric: AnalysisCheck['metric']; label: string; figure: (a: ArmFigures) => number | null; limit: (s: Slos) => number | null | undefined; show: (v: number) => string }[] = [
  { metric: 'error-rate', label: 'error rate', figure: (a) => a.errorRate, limit: (s) => s.maxErrorRate, show: pct },
  { metric: 'p95-latency', label: 'p95 latency', figure: (a) => a.p95LatencyMs, limit: (s) => s.p95LatencyMs, show: ms },
  { metric: 'p95-ttft', label: 'p95 TTFT', figure: (a) => a.p95TtftMs, limit: (s) => s.p95TtftMs, show: ms },
  { metric: 'cost-per-request', label: 'cost per request', figure: (a) => a.costPerRequestUsd, limit: (s) => s.maxCostPerRequestUsd, show: usd },
];

const RATIOS: { metric: AnalysisCheck['metric']; label: string; figure: (a: ArmFigures) => number | null; limit: (s: AnalysisSettings) => number | null; show: (v: number) => string }[] = [
  { metric: 'p95-latency', label: 'p95 latency', figure: (a) => a.p95LatencyMs, limit: (s) => s.maxLatencyRatio, show: ms },
  { metric: 'p95-ttft', label: 'p95 TTFT', figure: (a) => a.p95TtftMs, limit: (s) => s.maxTtftRatio, show: ms },
  { metric: 'cost-per-request', label: 'cost per request', figure: (a) => a.costPerRequestUsd, limit: (s) => s.maxCostRatio, show: usd },
];

/**
 * The verdict on a candidate arm: every SLO it must meet, and, when the stable arm has enough traffic, how far it
 * may be from the stable arm. Below `minSamples` the verdict is inconclusive unless the candidate's errors alone
 * already break the error-rate SLO for the samples needed. Pure.
 */
export function judge(candidate: ArmFigures, baseline: ArmFigures | null, slos: Slos, settings: AnalysisSettings): Judgement {
  const checks: AnalysisCheck[] = [];
  for (const c of ABSOLUTE) {
    const value = c.figure(candidate);
    const limit = c.limit(slos);
    if (!finite(value) || !finite(limit)) continue;
    const passed = value <= limit + EPSILON;
    const message = passed ? `${c.label} ${c.show(value)} within the SLO of ${c.show(limit)}` : `${c.label} ${c.show(value)} is above the SLO of ${c.show(limit)}`;
    checks.push({ metric: c.metric, kind: 'slo', candidate: value, baseline: null, limit, passed, message });
  }

  if (baseline && baseline.requests >= settings.minSamples) {
    const [cand, base, limit] = [candidate.errorRate, baseline.errorRate, settings.maxErrorRateIncrease];
    if (finite(cand) && finite(base) && finite(limit)) {
      const passed = cand - base <= limit + EPSILON;
      const message = passed
        ? `error rate ${pct(cand)} within ${points(limit)} of the stable arm's ${pct(base)}`
        : `error rate ${pct(cand)} is ${points(cand - base)} above the stable arm's ${pct(base)} (limit ${points(limit)})`;
      checks.push({ metric: 'error-rate', kind: 'relative', candidate: cand, baseline: base, limit, passed, message });
    }
    for (const c of RATIOS) {
      const [value, stable, max] = [c.figure(candidate), c.figure(baseline), c.limit(settings)];
      // A stable arm at 0 (free model, instant answers) gives no ratio to compare with.
      if (!finite(value) || !finite(stable) || !finite(max) || stable <= 0) continue;
      const ratio = value / stable;
      const passed = ratio <= max + EPSILON;
      const message = passed
        ? `${c.label} ${c.show(value)} within ${times(max)} of ${c.show(stable)}`
        : `${c.label} ${c.show(value)} is ${times(ratio)} the stable arm's ${c.show(stable)} (limit ${times(max)})`;
      checks.push({ metric: c.metric, kind: 'relative', candidate: value, baseline: stable, limit: max, passed, message });
    }
    const [cm, bm, drop] = [candidate.feedbackMean, baseline.feedbackMean, settings.maxFeedbackDrop];
    const enough = candidate.feedbackCount >= settings.minFeedbackSamples && baseline.feedbackCount >= settings.minFeedbackSamples;
    if (enough && finite(cm) && finite(bm) && finite(drop)) {
      const passed = bm - cm <= drop + EPSILON;
      const message = passed
        ? `mean feedback ${score(cm)} within ${score(drop)} of the stable arm's ${score(bm)}`
        : `mean feedback ${score(cm)} is ${score(bm - cm)} below the stable arm's ${score(bm)} (limit ${score(drop)})`;
      checks.push({ metric: 'feedback', kind: 'relative', candidate: cm, baseline: bm, limit: drop, passed, message });
    }
    // Online evals: the share of sampled live answers that pass the suite's assertions, candidate against stable.
    const [cq, bq, qdrop] = [candidate.qualityPassRate, baseline.qualityPassRate, settings.maxQualityDrop];
    const enoughScores = (candidate.qualityCount ?? 0) >= settings.minQualitySamples && (baseline.qualityCount ?? 0) >= settings.minQualitySamples;
    if (enoughScores && finite(cq) && finite(bq) && finite(qdrop)) {
      const passed = bq - cq <= qdrop + EPSILON;
      const message = passed
        ? `online pass rate ${pct(cq)} within ${points(qdrop)} of the stable arm's ${pct(bq)} (${candidate.qualityCount} and ${baseline.qualityCount} scored answers)`
        : `online pass rate ${pct(cq)} is ${points(bq - cq)} below the stable arm's ${pct(bq)} (limit ${points(qdrop)}; ${candidate.qualityCount} and ${baseline.qualityCount} scored answers)`;
      checks.push({ metric: 'online-quality', kind: 'relative', candidate: cq, baseline: bq, limit: qdrop, passed, message });
    }
  }

  const failed = checks.filter((c) => !c.passed);
  if (candidate.requests < settings.minSamples) {
    // Even if every request still needed succeeded, these errors would keep the error rate above the SLO.
    const errorSlo = checks.find((c) => c.metric === 'error-rate' && c.kind === 'slo');
    if (errorSlo && candidate.errors / settings.minSamples > errorSlo.limit + EPSILON) {
      return {
        verdict: 'fail',
        checks,
        summary: `${errorSlo.message}, and its ${candidate.errors} errors keep it there even if the rest of the ${settings.minSamples} requests needed succeed`,
      };
    }
    return { verdict: 'inconclusive', checks, summary: `not enough traffic to decide: the candidate served ${candidate.requests} of the ${settings.minSamples} requests needed` };
  }
  if (failed.length) return { verdict: 'fail', checks, summary: failed.map((c) => c.message).join('; ') };
  const figures = [`${candidate.requests} requests`];
  if (finite(candidate.errorRate)) figures.push(`error rate ${pct(candidate.errorRate)}`);
  if (finite(candidate.p95LatencyMs)) figures.push(`p95 ${ms(candidate.p95LatencyMs)}`);
  return { verdict: 'pass', checks, summary: `healthy: ${figures.join(', ')}` };
}

export interface AnalyseArmsInput {
  serviceId: string;
  environment: string;
  step: number;
  candidate: { releaseId: string; releaseNumber: number };
  /** The stable arm: the releases the environment ran before the rollout. */
  baseline: { releaseIds: string[]; releaseNumber: number | null } | null;
  window: { since: Date; until: Date };
  /** Where the stable arm's figures come from when not the same window (e.g. before the candidate took traffic). */
  baselineWindow?: { since: Date; until: Date };
  slos: Slos;
  settings: AnalysisSettings;
}

/**
 * Figures for both arms and the verdict on them. The stable arm leaves out fallback rows: those are the candidate's
 * failures answered by a stable release. Without a stable arm only the SLO checks apply.
 */
export async function analyseArms(db: Db, input: AnalyseArmsInput): Promise<AnalysisResult> {
  const { serviceId, environment, window } = input;
  const candidate = await gatherFigures(db, { serviceId, environment, releaseIds: [input.candidate.releaseId], releaseNumber: input.candidate.releaseNumber, ...window, excludeFallback: false });
  // The candidate's own rows never count for the stable arm, even if it was routed before.
  const stableIds = (input.baseline?.releaseIds ?? []).filter((id) => id !== input.candidate.releaseId);
  const baseline = stableIds.length
    ? await gatherFigures(db, { serviceId, environment, releaseIds: stableIds, releaseNumber: input.baseline!.releaseNumber, ...(input.baselineWindow ?? window), excludeFallback: true })
    : null;
  const { verdict, checks, summary } = judge(candidate, baseline, input.slos, input.settings);
  return { at: window.until.toISOString(), step: input.step, verdict, since: window.since.toISOString(), candidate, baseline, checks, summary };
}
