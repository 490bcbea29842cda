// Where a release stands with the gates an environment requires: per gate passed, failed, running, stale (the
// baseline moved since it ran), missing, not built yet, or overridden by an admin. Promotion obeys this. Suite
// gates are decided by eval runs; the load-test gate by the release's newest load test through the environment.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, evalRuns, evalSuites, evalSuiteVersions, gateOverrides, gateResults, loadTests, releases, services, type Environment, type GateOverride, type GateResult, type LoadTest, type Release, type Service, type SuiteType } from '@/db/schema';
import { kindOf, RUNNABLE_SUITE_TYPES, suiteTypeOf } from '@/server/evals/kinds';
import { DomainError, notFound } from '@/server/errors';
import { loadTestBudgetSeconds } from '../load-tests/settings';
import { currentBaseline } from './baseline';

export type GateState = 'passed' | 'failed' | 'missing' | 'running' | 'stale' | 'not-built' | 'overridden';

/** The suite gates: a suite type with its engine, decided by eval runs. */
const SUITE_GATES: readonly string[] = RUNNABLE_SUITE_TYPES;
/** The gate decided by load tests (`slipway loadtest run`, or a pipeline's load-test step). */
export const LOAD_TEST_GATE = 'load-test';
/** The gate types that can be decided today; any other required gate blocks until an admin overrides it. */
export const BUILT_GATES: readonly string[] = [...SUITE_GATES, LOAD_TEST_GATE];

export interface SuiteGate {
  suite: string;
  suiteVersion: number;
  state: Exclude<GateState, 'not-built' | 'overridden'>;
  message: string;
  result: GateResult | null;
  /** The run behind the result, or the run under way. */
  run: { number: number; status: string } | null;
}

export interface GateView {
  gate: string;
  state: GateState;
  message: string;
  /** The deciding result (the blocking suite's, or the first suite's when all passed). */
  result?: GateResult;
  override?: GateOverride;
  /** Suite gates: one entry per suite of the gate's type that applies to the environment. */
  suites?: SuiteGate[];
  /** The load-test gate: the test behind its state (the deciding one, or the one under way). */
  loadTest?: { id: string; status: LoadTest['status']; createdAt: Date };
}

export interface GateStatus {
  baseline: { releaseId: string; number: number } | null;
  passed: boolean;
  gates: GateView[];
}

const pct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${(n * 100).toFixed(1)}%`);

/** The newest version of each of the service's suites of a type that decides the environment's gate of that type. */
export async function suitesFor(db: Db, serviceId: string, envName: string, type: SuiteType = 'eval') {
  const rows = await db
    .select({ suite: evalSuites.name, suiteId: evalSuites.id, versionId: evalSuiteVersions.id, version: evalSuiteVersions.version, spec: evalSuiteVersions.spec })
    .from(evalSuiteVersions)
    .innerJoin(evalSuites, eq(evalSuites.id, evalSuiteVersions.suiteId))
    .where(eq(evalSuites.serviceId, serviceId))
    .orderBy(evalSuites.name, desc(evalSuiteVersions.version));
  const newest = new Map<string, (typeof rows)[number]>();
  for (const r of rows) if (!newest.has(r.suiteId)) newest.set(r.suiteId, r);
  return [...newest.values()].filter((r) => suiteTypeOf(r.spec) === type && (r.spec.environments === null || r.spec.environments.includes(envName)));
}

async function suiteGate(db: Db, type: SuiteType, service: Service, env: Environment, release: Release, baseline: GateStatus['baseline'], refOf: (id: string | null) => Promise<string>): Promise<Omit<GateView, 'gate'>> {
  const suites = await suitesFor(db, service.id, env.name, type);
  if (!suites.length) {
    const kind = type === 'eval' ? 'a suite' : `a suite of type ${type}`;
    return { state: 'missing', message: `no ${type} suite applies to ${env.name}: add ${kind} whose environments include ${env.name} (or list none)`, suites: [] };
  }
  // A type that calls no model has no baseline: its verdict does not go stale when the environment moves.
  const comparedWith = kindOf(type).callsModel ? baseline : null;
  const views: SuiteGate[] = [];
  for (const s of suites) {
    const label = `${s.suite}@${s.version}`;
    const [result] = await db
      .select()
      .from(gateResults)
      .where(and(eq(gateResults.releaseId, release.id), eq(gateResults.environmentId, env.id), eq(gateResults.gate, type), eq(gateResults.suiteVersionId, s.versionId)))
      .orderBy(desc(gateResults.createdAt))
      .limit(1);
    const [active] = await db
      .select({ number: evalRuns.number, status: evalRuns.status })
      .from(evalRuns)
      .where(and(eq(evalRuns.releaseId, release.id), eq(evalRuns.environmentId, env.id), eq(evalRuns.suiteVersionId, s.versionId), inArray(evalRuns.status, ['queued', 'running'])))
      .orderBy(desc(evalRuns.createdAt))
      .limit(1);
    const resultRun = result?.runId ? (await db.select({ number: evalRuns.number, status: evalRuns.status }).from(evalRuns).where(eq(evalRuns.id, result.runId)))[0] ?? null : null;
    const current = result && (result.baselineReleaseId ?? null) === (comparedWith?.releaseId ?? null);
    if (result && current && result.passed) {
      views.push({ suite: s.suite, suiteVersion: s.version, state: 'passed', result, run: resultRun, message: `${label} passed: score ${pct(result.score)}${result.baselineScore !== null ? ` vs ${pct(result.baselineScore)}` : ''}` });
    } else if (active) {
      views.push({ suite: s.suite, suiteVersion: s.version, state: 'running', result: result ?? null, run: active, message: `${label}: run ${active.number} is ${active.status}` });
    } else if (!result) {
      views.push({ suite: s.suite, suiteVersion: s.version, state: 'missing', result: null, run: null, message: `${label} has not run on #${release.number} for ${env.name}` });
    } else if (!current) {
      const from = await refOf(result.baselineReleaseId);
      const to = baseline ? `#${baseline.number}` : 'nothing';
      views.push({ suite: s.suite, suiteVersion: s.version, state: 'stale', result, run: resultRun, message: `${label} ran against ${from}, but ${env.name} now serves ${to}: the baseline moved; run the gate again` });
    } else {
      views.push({ suite: s.suite, suiteVersion: s.version, state: 'failed', result, run: resultRun, message: `${label} failed: ${result.reasons.join('; ') || `score ${pct(result.score)}`}` });
    }
  }
  const rank: SuiteGate['state'][] = ['failed', 'running', 'stale', 'missing'];
  const blocking = rank.map((st) => views.find((v) => v.state === st)).find(Boolean);
  const decider = blocking ?? views[0]!;
  const message = blocking ? views.filter((v) => v.state !== 'passed').map((v) => v.message).join('; ') : views.map((v) => v.message).join('; ');
  return { state: decider.state, message, result: decider.result ?? undefined, suites: views };
}

/** Names a release a result was compared with, for messages. */
const releaseRefs =
  (db: Db, baseline: GateStatus['baseline']) =>
  async (id: string | null): Promise<string> => {
    if (!id) return 'no baseline';
    if (id === baseline?.releaseId) return `#${baseline.number}`;
    const [r] = await db.select({ number: releases.number }).from(releases).where(eq(releases.id, id));
    return r ? `#${r.number}` : 'a release';
  };

/** The load-test gate of a release in an environment, whether the environment requires it or not. */
export async function loadTestGateOf(db: Db, env: Environment, release: Release): Promise<GateView> {
  const baseline = await currentBaseline(db, env.id);
  return { gate: LOAD_TEST_GATE, ...(await loadTestGate(db, env, release, baseline, releaseRefs(db, baseline))) };
}

/**
 * The load-test gate: the release's newest load test that ended, through this environment's gateway, against the
 * release the environment serves now (a test against an earlier stable release is stale: the baseline moved). A
 * test under way shows as running; one still marked running long past its time was cut off (its process stopped)
 * and does not count.
 */
async function loadTestGate(db: Db, env: Environment, release: Release, baseline: GateStatus['baseline'], refOf: (id: string | null) => Promise<string>): Promise<Omit<GateView, 'gate'>> {
  const tests = await db
    .select({ id: loadTests.id, status: loadTests.status, createdAt: loadTests.createdAt, startedAt: loadTests.startedAt, settings: loadTests.settings, baselineReleaseId: loadTests.baselineReleaseId, verdict: loadTests.verdict, error: loadTests.error })
    .from(loadTests)
    .where(and(eq(loadTests.candidateReleaseId, release.id), eq(loadTests.environmentId, env.id)))
    .orderBy(desc(loadTests.createdAt))
    .limit(50);
  const now = Date.now();
  const cutOff = (t: (typeof tests)[number]) => now - (t.startedAt ?? t.createdAt).getTime() > (loadTestBudgetSeconds(t.settings) + 60) * 1000;
  const active = tests.find((t) => t.status === 'running' && !cutOff(t));
  const ended = tests.find((t) => t.status !== 'running');
  const ref = (t: (typeof tests)[number]) => ({ id: t.id, status: t.status, createdAt: t.createdAt });
  const what = `#${release.number}'s load test in ${env.name}`;
  // A test compares with the release the environment serves, or with the objectives only when that is the release itself.
  const comparedWith = baseline && baseline.releaseId !== release.id ? baseline.releaseId : null;
  const current = ended && (ended.baselineReleaseId ?? null) === comparedWith;
  if (ended && current && ended.status === 'passed') {
    return { state: 'passed', message: `${what} passed: ${ended.verdict?.reasons.join('; ') || 'within its margins'}`, loadTest: ref(ended) };
  }
  if (active) return { state: 'running', message: `${what} is running`, loadTest: ref(active) };
  if (!ended) return { state: 'missing', message: `#${release.number} has no load test in ${env.name}: run one (slipway loadtest run, or a pipeline's load-test step)` };
  if (!current) {
    const from = await refOf(ended.baselineReleaseId);
    const to = baseline ? `#${baseline.number}` : 'nothing';
    return { state: 'stale', message: `${what} ran against ${from}, but ${env.name} now serves ${to}: the baseline moved; run it again`, loadTest: ref(ended) };
  }
  const why = ended.status === 'error' ? ended.error ?? 'it did not finish' : ended.verdict?.reasons.join('; ') || ended.status;
  return { state: 'failed', message: `${what} ${ended.status === 'inconclusive' ? 'was inconclusive' : ended.status === 'error' ? 'did not finish' : 'failed'}: ${why}`, loadTest: ref(ended) };
}

/** Every gate the environment requires, for one release. */
export async function gateStatus(db: Db, input: { releaseId: string; environmentId: string }): Promise<GateStatus> {
  const [env] = await db.select().from(environments).where(eq(environments.id, input.environmentId));
  if (!env) throw notFound('Environment');
  const [release] = await db.select().from(releases).where(eq(releases.id, input.releaseId));
  if (!release) throw notFound('Release');
  const [service] = await db.select().from(services).where(eq(services.id, release.serviceId));
  const baseline = await currentBaseline(db, env.id);
  const refOf = releaseRefs(db, baseline);
  const gates: GateView[] = [];
  for (const gate of env.protection.requiredGates) {
    const [override] = await db
      .select()
      .from(gateOverrides)
      .where(and(eq(gateOverrides.releaseId, release.id), eq(gateOverrides.environmentId, env.id), eq(gateOverrides.gate, gate)))
      .orderBy(desc(gateOverrides.createdAt))
      .limit(1);
    const view: GateView =
      gate === LOAD_TEST_GATE
        ? { gate, ...(await loadTestGate(db, env, release, baseline, refOf)) }
        : SUITE_GATES.includes(gate)
          ? { gate, ...(await suiteGate(db, gate as SuiteType, service!, env, release, baseline, refOf)) }
          : { gate, state: 'not-built', message: `the ${gate} gate is not built yet; an admin may override` };
    if (override && view.state !== 'passed') {
      view.override = override;
      view.state = 'overridden';
      view.message = `overridden by ${override.actorLabel}: ${override.reason}`;
    }
    gates.push(view);
  }
  return { baseline, passed: gates.every((g) => g.state === 'passed' || g.state === 'overridden'), gates };
}

/**
 * Refuses a release's entry into an environment unless every required gate passed against the current baseline
 * or was overridden. Returns the overrides it relied on, for the history and the audit.
 */
export async function assertGatesPass(db: Db, input: { service: Service; env: Environment; release: Release }): Promise<GateView[]> {
  if (!input.env.protection.requiredGates.length) return [];
  const status = await gateStatus(db, { releaseId: input.release.id, environmentId: input.env.id });
  const blocking = status.gates.filter((g) => g.state !== 'passed' && g.state !== 'overridden');
  if (blocking.length) {
    const what = blocking.map((g) => `${g.gate} ${g.state === 'not-built' ? 'gate' : `gate ${g.state}`}: ${g.message}`).join(' | ');
    throw new DomainError('precondition', `${input.service.name}#${input.release.number} may not enter ${input.env.name} until its required gates pass — ${what}`, 'gates');
  }
  return status.gates.filter((g) => g.state === 'overridden');
}

/** Says how the overrides a change relied on read in histories and audit summaries. */
export const describeOverrides = (overridden: GateView[]) => overridden.map((g) => `${g.gate} gate overridden by ${g.override!.actorLabel} (${g.override!.reason})`).join('; ');
