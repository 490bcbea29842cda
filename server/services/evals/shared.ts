// Shared lookups of the eval verbs: suites and their versions by name, runs by number, releases with what a
// call needs (model version, prompt versions, config), and the stable release an environment serves now.
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalRuns, evalSuites, evalSuiteVersions, releasePrompts, releases, type EvalRun, type EvalSuite, type EvalSuiteVersion, type Release, type Service } from '@/db/schema';
import { buildArms } from '@/server/gateway/choose';
import { invalid, notFound } from '@/server/errors';
import { entryAt } from '../environments/state';
import { resolveModelVersion } from '../models/queries';
import { parseRef } from '../registry-shared';
import { prepareTarget, type PreparedTarget } from '@/server/evals/call';

export async function suiteByName(db: Db, service: Service, name: string): Promise<EvalSuite> {
  const [s] = await db
    .select()
    .from(evalSuites)
    .where(and(eq(evalSuites.serviceId, service.id), eq(evalSuites.name, name)))
    .limit(1);
  if (!s) throw notFound(`Eval suite "${name}" of ${service.name}`);
  return s;
}

export async function latestSuiteVersion(db: Db, suiteId: string): Promise<EvalSuiteVersion | null> {
  const [v] = await db.select().from(evalSuiteVersions).where(eq(evalSuiteVersions.suiteId, suiteId)).orderBy(desc(evalSuiteVersions.version)).limit(1);
  return v ?? null;
}

/** A suite's version by number, or its newest. */
export async function suiteVersion(db: Db, suite: EvalSuite, version?: number): Promise<EvalSuiteVersion> {
  const [v] = await db
    .select()
    .from(evalSuiteVersions)
    .where(and(eq(evalSuiteVersions.suiteId, suite.id), version ? eq(evalSuiteVersions.version, version) : undefined))
    .orderBy(desc(evalSuiteVersions.version))
    .limit(1);
  if (!v) throw notFound(version ? `Version ${version} of eval suite "${suite.name}"` : `Any version of eval suite "${suite.name}"`);
  return v;
}

export async function releaseByNumber(db: Db, service: Service, number: number, field = 'release'): Promise<Release> {
  const [r] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.serviceId, service.id), eq(releases.number, number)))
    .limit(1);
  if (!r) throw invalid(field, `${service.name} has no release #${number}`);
  return r;
}

/** What a call of the release needs: its model version, its prompt versions and its config. */
export async function releaseCallTarget(db: Db, release: Release) {
  const rows = await db.select({ id: releasePrompts.promptVersionId }).from(releasePrompts).where(eq(releasePrompts.releaseId, release.id)).orderBy(asc(releasePrompts.promptVersionId));
  return { modelVersionId: release.modelVersionId, promptVersionIds: rows.map((r) => r.id), config: release.config, serviceId: release.serviceId };
}

/**
 * The release an environment's stable arm serves now, as the gateway defines it: of the releases routed with
 * weight, the oldest (the one a canary is measured against). Null when the environment serves nothing.
 */
export async function stableRelease(db: Db, environmentId: string): Promise<{ releaseId: string; number: number } | null> {
  const entry = await entryAt(db, environmentId);
  const live = (entry?.routes ?? []).filter((r) => r.weight > 0);
  if (!live.length) return null;
  const { stable } = buildArms(live.map((r) => ({ releaseNumber: r.releaseNumber, weight: r.weight, target: r.releaseId })));
  return { releaseId: stable.target, number: stable.releaseNumber };
}

export async function runByNumber(db: Db, service: Service, number: number): Promise<EvalRun> {
  const [run] = await db
    .select()
    .from(evalRuns)
    .where(and(eq(evalRuns.serviceId, service.id), eq(evalRuns.number, number)))
    .limit(1);
  if (!run) throw notFound(`Eval run ${number} of ${service.name}`);
  return run;
}

export const ENDED_RUN_STATUSES = ['passed', 'failed', 'error', 'cancelled'] as const;
export const isEnded = (status: string) => (ENDED_RUN_STATUSES as readonly string[]).includes(status);

/** A judge named `grader@1`, `grader:prod` or `grader` (its newest version), asked at temperature 0 so that the same question gets the same verdict. */
export async function preparedJudge(db: Db, serviceId: string, ref: string): Promise<PreparedTarget> {
  const parsed = parseRef(ref, 'judge');
  const { row } = await resolveModelVersion(db, parsed.name, parsed);
  return prepareTarget(db, { modelVersionId: row.id, promptVersionIds: [], params: { temperature: 0 }, serviceId });
}
