// Where a release stands with the gates an environment requires: per gate passed, failed, running, stale (the
// baseline moved since it ran), missing, not built yet, or overridden by an admin. Promotion obeys this.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, evalRuns, evalSuites, evalSuiteVersions, gateOverrides, gateResults, releases, services, type Environment, type GateOverride, type GateResult, type Release, type Service, type SuiteType } from '@/db/schema';
import { kindOf, RUNNABLE_SUITE_TYPES, suiteTypeOf } from '@/server/evals/kinds';
import { DomainError, notFound } from '@/server/errors';
import { currentBaseline } from './baseline';

export type GateState = 'passed' | 'failed' | 'missing' | 'running' | 'stale' | 'not-built' | 'overridden';

/** The gate types that can run today (a suite type with its engine); any other required gate blocks until an admin overrides it. */
export const BUILT_GATES: readonly string[] = RUNNABLE_SUITE_TYPES;

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

/** Every gate the environment requires, for one release. */
export async function gateStatus(db: Db, input: { releaseId: string; environmentId: string }): Promise<GateStatus> {
  const [env] = await db.select().from(environments).where(eq(environments.id, input.environmentId));
  if (!env) throw notFound('Environment');
  const [release] = await db.select().from(releases).where(eq(releases.id, input.releaseId));
  if (!release) throw notFound('Release');
  const [service] = await db.select().from(services).where(eq(services.id, release.serviceId));
  const baseline = await currentBaseline(db, env.id);
  const refOf = async (id: string | null) => {
    if (!id) return 'no baseline';
    if (id === baseline?.releaseId) return `#${baseline.number}`;
    const [r] = await db.select({ number: releases.number }).from(releases).where(eq(releases.id, id));
    return r ? `#${r.number}` : 'a release';
  };
  const gates: GateView[] = [];
  for (const gate of env.protection.requiredGates) {
    const [override] = await db
      .select()
      .from(gateOverrides)
      .where(and(eq(gateOverrides.releaseId, release.id), eq(gateOverrides.environmentId, env.id), eq(gateOverrides.gate, gate)))
      .orderBy(desc(gateOverrides.createdAt))
      .limit(1);
    const view: GateView = BUILT_GATES.includes(gate)
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
