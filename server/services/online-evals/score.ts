// Online evals: live answers scored with an eval suite's assertions, off the request path. Each pass (the
// `online-evals` cron function, every minute) takes, per environment with online evals on, the requests answered
// since its watermark that kept a sample (live traffic only: not shadow, not synthetic, status 200) and fall in
// the environment's share (chosen by request id, as the gateway chose what to keep), and scores each with the
// suite's assertions that need no test case. Model-graded assertions call their judge while the day's spend is
// under the budget; past it a score uses the deterministic ones alone and says so. Scores land in online_scores
// (one per request, so a pass that runs twice scores nothing twice) with what the judge cost.
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, evalSuites, onlineEvalState, onlineScores, services, type AssertionOutcome, type Environment, type EvalSuiteVersion, type OnlineEvalSettings, type RequestFeatures, type Service } from '@/db/schema';
import { scoreCase, weightedScore } from '@/server/evals/assertions';
import { callPayload, caseRequest, type PreparedTarget } from '@/server/evals/call';
import type { AssertionContext, EvalCase, ModelOutput } from '@/server/evals/types';
import { sampleFractionSql } from '@/server/lib/sampling';
import { logger } from '@/server/logger';
import { checksOf } from '../checks/settings';
import { latestSuiteVersion, preparedJudge } from '../evals/shared';
import { rowsOf } from '../monitoring/read';
import { liveAssertions, type LiveAssertions } from './assertions';

const log = logger.child({ part: 'online-evals' });

/** Requests scored per environment per pass at most; the rest wait for the next pass. */
export const MAX_ROWS_PER_PASS = 200;
/** Judge calls at once per environment. */
const CONCURRENCY = 4;
/** How far back a pass looks before its watermark, for telemetry written late (a request is logged when it ends). */
const LATE_MS = 15 * 60_000;
/** A first pass (or one after a long pause) looks back at most this far. */
const FIRST_LOOKBACK_MS = 3600_000;
const MAX_LOOKBACK_MS = 24 * 3600_000;

export const utcDay = (d: Date) => d.toISOString().slice(0, 10);

export interface OnlineSuite {
  name: string;
  version: EvalSuiteVersion;
  assertions: LiveAssertions;
}

/** The suite online evals score with, and which of its assertions apply; a problem when there is none to use. */
export async function onlineSuite(db: Db, serviceId: string, settings: OnlineEvalSettings): Promise<{ suite: OnlineSuite | null; problem: string | null }> {
  if (!settings.suite) return { suite: null, problem: 'no eval suite is named' };
  const [s] = await db
    .select()
    .from(evalSuites)
    .where(and(eq(evalSuites.serviceId, serviceId), eq(evalSuites.name, settings.suite)));
  if (!s) return { suite: null, problem: `the eval suite "${settings.suite}" does not exist` };
  const version = await latestSuiteVersion(db, s.id);
  if (!version) return { suite: null, problem: `the eval suite "${settings.suite}" has no version` };
  const type = version.spec.type ?? 'eval';
  if (type !== 'eval') return { suite: null, problem: `"${settings.suite}" is a ${type} suite; online evals need an eval suite` };
  const assertions = liveAssertions(version.spec.assertions ?? []);
  const suite = { name: s.name, version, assertions };
  if (!assertions.deterministic.length && !assertions.modelGraded.length) return { suite, problem: `none of the assertions of "${settings.suite}" can score live answers` };
  return { suite, problem: null };
}

interface CandidateRow {
  id: number;
  at: Date;
  requestId: string;
  releaseId: string | null;
  releaseNumber: number | null;
  latencyMs: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  features: RequestFeatures;
  sample: { input: string; output: string };
  /** Read by an earlier pass (and left unscored: its judge failed). */
  seen: boolean;
}

export interface EnvironmentPass {
  service: string;
  environment: string;
  considered: number;
  scored: number;
  budgetSkipped: number;
  costUsd: number;
  problem: string | null;
}

export interface PassResult {
  at: string;
  environments: EnvironmentPass[];
}

/**
 * The requests of an environment a pass scores: sampled live answers in the share, not scored yet, at most `max`.
 * Those the passes before read (at or before the watermark, and written by then: id up to its id) come after all
 * the others: an answer left unscored because its judge failed is tried again only with room to spare, so a judge
 * that is down cannot hold a full batch of the same answers at the front for ever while newer ones wait.
 */
async function candidates(db: Db, service: Service, env: Environment, percent: number, since: Date, until: Date, mark: { at: Date; id: number }, max: number): Promise<CandidateRow[]> {
  const seen = sql`(l.at <= ${mark.at} and l.id <= ${mark.id})`;
  const result = await db.execute(sql`
    select l.id, l.at, l.request_id as "requestId", l.release_id as "releaseId", l.release_number as "releaseNumber", l.latency_ms as "latencyMs",
      l.cost_usd as "costUsd", l.input_tokens as "inputTokens", l.output_tokens as "outputTokens", l.features, l.sample, ${seen} as seen
    from request_logs l
    where l.service_id = ${service.id} and l.environment = ${env.name} and l.at >= ${since} and l.at <= ${until}
      and l.status = 200 and not l.shadow and not l.synthetic and l.sample is not null
      and ${sql.raw(sampleFractionSql('l.request_id'))} * 100 < ${percent}
      and not exists (select 1 from online_scores o where o.request_id = l.request_id)
    order by ${seen}, l.at, l.id
    limit ${max}`);
  return rowsOf<Omit<CandidateRow, 'seen'> & { at: Date | string; id: number | string; costUsd: number | string; latencyMs: number | string; seen: boolean | string }>(result).map((r) => ({
    ...r,
    seen: r.seen === true || r.seen === 't',
    id: Number(r.id),
    at: new Date(r.at),
    latencyMs: Number(r.latencyMs),
    costUsd: Number(r.costUsd),
  }));
}

/** A live answer as assertions see a case's output: the kept (redacted) texts and the request's own figures. */
function asCase(row: CandidateRow): { testCase: EvalCase; output: ModelOutput } {
  return {
    testCase: { index: 0, input: { messages: [{ role: 'user', content: row.sample.input }] }, expected: null, tags: [], metadata: {} },
    output: {
      content: row.sample.output,
      finishReason: row.features?.finishReason ?? null,
      latencyMs: row.latencyMs,
      costUsd: row.costUsd,
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
    },
  };
}

/** The environment's state row, made at its first pass; the day's spend starts again at 0 on a new UTC day. */
async function stateOf(db: Db, environmentId: string, now: Date) {
  await db
    .insert(onlineEvalState)
    .values({ environmentId, watermarkAt: new Date(now.getTime() - FIRST_LOOKBACK_MS + LATE_MS), watermarkId: 0, spendDay: utcDay(now), spentUsd: 0 })
    .onConflictDoNothing();
  const [state] = await db.select().from(onlineEvalState).where(eq(onlineEvalState.environmentId, environmentId));
  return { ...state!, spentUsd: state!.spendDay === utcDay(now) ? state!.spentUsd : 0 };
}

/** One pass over one environment. */
export async function scoreEnvironment(db: Db, service: Service, env: Environment, now = new Date(), opts: { maxRows?: number } = {}): Promise<EnvironmentPass> {
  const maxRows = opts.maxRows ?? MAX_ROWS_PER_PASS;
  const settings = checksOf(env).onlineEvals;
  const pass: EnvironmentPass = { service: service.name, environment: env.name, considered: 0, scored: 0, budgetSkipped: 0, costUsd: 0, problem: null };
  const state = await stateOf(db, env.id, now);
  const { suite, problem } = await onlineSuite(db, service.id, settings);
  if (!suite || problem) {
    pass.problem = problem;
    return pass;
  }
  const day = utcDay(now);
  const since = new Date(Math.max(state.watermarkAt.getTime() - LATE_MS, now.getTime() - MAX_LOOKBACK_MS));
  const { deterministic, modelGraded } = suite.assertions;
  // A suite of model-graded assertions alone scores nothing once the day's budget is spent: those answers are passed over.
  const rows = !deterministic.length && state.spentUsd >= settings.dailyBudgetUsd ? [] : await candidates(db, service, env, settings.samplePercent, since, now, { at: state.watermarkAt, id: state.watermarkId }, maxRows);
  pass.considered = rows.length;
  let spent = state.spentUsd;

  const judges = new Map<string, Promise<PreparedTarget>>();
  const judgeTarget = (ref: string) => {
    let p = judges.get(ref);
    if (!p) judges.set(ref, (p = preparedJudge(db, service.id, ref)));
    return p;
  };

  const scoreOne = async (row: CandidateRow) => {
    // The budget is checked before each answer's model-graded assertions: a pass overshoots it by at most the
    // judge calls already under way.
    const withJudge = modelGraded.length > 0 && spent < settings.dailyBudgetUsd;
    const specs = [...deterministic, ...(withJudge ? modelGraded : [])].sort((a, b) => a.index - b.index).map((a) => a.spec);
    if (!specs.length) return;
    let cost = 0;
    // Whether each judge call failed, in order: a model-graded assertion calls its judge once.
    const judgeFailed: boolean[] = [];
    const judge: AssertionContext['judge'] = async (ref, messages) => {
      try {
        const target = await judgeTarget(ref);
        const { payload, messages: sent } = caseRequest(target, { index: 0, input: { messages }, expected: null, tags: [], metadata: {} });
        const answer = await callPayload(db, target, payload, sent, { retry: { attempts: 2, baseMs: 500, maxMs: 2000 } });
        if (!answer.cached) cost += answer.output.costUsd;
        judgeFailed.push(false);
        return answer.output.content;
      } catch (err) {
        judgeFailed.push(true);
        throw err;
      }
    };
    const { testCase, output } = asCase(row);
    const threshold = suite.version.spec.threshold ?? 0.5;
    let scored = await scoreCase(specs, threshold, testCase, output, { judge });
    spent += cost;
    if (judgeFailed.some(Boolean)) {
      // A judge that could not be reached says nothing about the answer: its assertion is shown, weighted 0, and the
      // score is the rest's. With nothing else to go on the answer is left for a later pass (within the look-back).
      let call = 0;
      const modelGradedAt = new Set(specs.flatMap((spec, i) => (modelGraded.some((m) => m.spec === spec) ? [i] : [])));
      const kept: AssertionOutcome[] = [];
      const outcomes = scored.outcomes.map((o, i) => {
        if (modelGradedAt.has(i) && judgeFailed[call++]) return { ...o, weight: 0, reason: `not counted: ${o.reason}` };
        kept.push(o);
        return o;
      });
      if (!kept.length) return;
      const score = weightedScore(kept);
      scored = { score, pass: score >= threshold, outcomes };
    }
    const budgetSkipped = modelGraded.length > 0 && !withJudge;
    const inserted = await db.transaction(async (tx) => {
      const [ins] = await tx
        .insert(onlineScores)
        .values({
          at: row.at,
          requestId: row.requestId,
          serviceId: service.id,
          environmentId: env.id,
          environment: env.name,
          releaseId: row.releaseId,
          releaseNumber: row.releaseNumber,
          suiteVersionId: suite.version.id,
          score: scored.score,
          pass: scored.pass,
          outcomes: scored.outcomes as AssertionOutcome[],
          costUsd: cost,
          budgetSkipped,
        })
        .onConflictDoNothing()
        .returning({ id: onlineScores.id });
      // Spend is recorded even when another pass scored the request first: the judge was paid either way.
      if (cost > 0) {
        await tx
          .update(onlineEvalState)
          .set({
            spentUsd: sql`case when ${onlineEvalState.spendDay} = ${day} then ${onlineEvalState.spentUsd} + ${cost} else ${cost} end`,
            spendDay: day,
            updatedAt: new Date(),
          })
          .where(eq(onlineEvalState.environmentId, env.id));
      }
      return Boolean(ins);
    });
    pass.costUsd += cost;
    if (inserted) {
      pass.scored++;
      if (budgetSkipped) pass.budgetSkipped++;
    }
  };

  // A few at once: judge calls are the slow part.
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      try {
        await scoreOne(row);
      } catch (err) {
        log.warn({ err, requestId: row.requestId, environment: env.name }, 'online evals: an answer could not be scored');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));

  // A batch full of answers not read before leaves the rest for the next pass: the watermark stops at the last of
  // them. Answers read before (their judge failed) never hold it back.
  const fresh = rows.filter((r) => !r.seen);
  const full = fresh.length >= maxRows;
  const watermarkAt = full ? fresh.at(-1)!.at : now;
  const watermarkId = rows.reduce((m, r) => Math.max(m, r.id), state.watermarkId);
  await db
    .update(onlineEvalState)
    .set({
      watermarkAt: new Date(Math.max(watermarkAt.getTime(), state.watermarkAt.getTime())),
      watermarkId,
      // A new day starts its spend afresh even when this pass paid nothing.
      ...(state.spendDay !== day && pass.costUsd === 0 ? { spendDay: day, spentUsd: 0 } : {}),
      updatedAt: new Date(),
    })
    .where(eq(onlineEvalState.environmentId, env.id));
  return pass;
}

/** One pass over every environment with online evals on (services not archived). */
export async function runOnlineEvals(db: Db, opts: { now?: Date } = {}): Promise<PassResult> {
  const now = opts.now ?? new Date();
  const rows = await db
    .select({ env: environments, service: services })
    .from(environments)
    .innerJoin(services, eq(services.id, environments.serviceId))
    .where(and(isNotNull(environments.checks), sql`${services.archivedAt} is null`));
  const out: EnvironmentPass[] = [];
  for (const { env, service } of rows) {
    if (!checksOf(env).onlineEvals.enabled) continue;
    try {
      out.push(await scoreEnvironment(db, service, env, now));
    } catch (err) {
      log.error({ err, service: service.name, environment: env.name }, 'online evals: the pass failed');
      out.push({ service: service.name, environment: env.name, considered: 0, scored: 0, budgetSkipped: 0, costUsd: 0, problem: (err as Error).message });
    }
  }
  return { at: now.toISOString(), environments: out };
}
