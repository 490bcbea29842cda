// Reading gates: one release's status for one environment (the promote dialog, the approval page, the CLI), and
// for every environment that requires gates (the release page), with the overrides ever given.
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { environments, gateOverrides, releases, type Release, type Service } from '@/db/schema';
import { invalid } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { sortEnvironments } from '../environments/state';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { gateStatus, type GateStatus } from './status';

export const gateStatusInput = z.object({ service: slugSchema, release: z.number().int().positive('must be a release number'), environment: slugSchema });
export const releaseGatesInput = z.object({ service: slugSchema, release: z.number().int().positive('must be a release number') });

export async function releaseByNumber(db: Db, service: Service, number: number): Promise<Release> {
  const [release] = await db
    .select()
    .from(releases)
    .where(and(eq(releases.serviceId, service.id), eq(releases.number, number)));
  if (!release) throw invalid('release', `${service.name} has no release #${number}`);
  return release;
}

/** The status with release numbers beside ids, so readers need no second lookup. */
export async function describeStatus(db: Db, status: GateStatus) {
  const ids = [...new Set(status.gates.flatMap((g) => (g.suites ?? []).map((s) => s.result?.baselineReleaseId)).filter((id): id is string => Boolean(id)))];
  const numbers = new Map((ids.length ? await db.select({ id: releases.id, number: releases.number }).from(releases).where(inArray(releases.id, ids)) : []).map((r) => [r.id, r.number]));
  return {
    ...status,
    gates: status.gates.map((g) => ({
      gate: g.gate,
      state: g.state,
      message: g.message,
      override: g.override ? { by: g.override.actorLabel, reason: g.override.reason, at: g.override.createdAt } : null,
      loadTest: g.loadTest ?? null,
      suites: (g.suites ?? []).map((s) => ({
        suite: s.suite,
        suiteVersion: s.suiteVersion,
        state: s.state,
        message: s.message,
        run: s.run,
        result: s.result
          ? {
              passed: s.result.passed,
              score: s.result.score,
              baselineScore: s.result.baselineScore,
              baselineRelease: s.result.baselineReleaseId ? (numbers.get(s.result.baselineReleaseId) ?? null) : null,
              pValue: s.result.pValue,
              reasons: s.result.reasons,
              at: s.result.createdAt,
            }
          : null,
      })),
    })),
  };
}

export type DescribedGateStatus = Awaited<ReturnType<typeof describeStatus>>;

export async function getGateStatus(ctx: ServiceContext, input: z.input<typeof gateStatusInput>) {
  requireScope(ctx, 'releases:read');
  const data = gateStatusInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const release = await releaseByNumber(ctx.db, service, data.release);
  return { release: `${service.name}#${release.number}`, environment: env.name, requiredGates: env.protection.requiredGates, ...(await describeStatus(ctx.db, await gateStatus(ctx.db, { releaseId: release.id, environmentId: env.id }))) };
}

/** The release page: each environment that requires gates, and every override ever given to the release. */
export async function releaseGates(ctx: ServiceContext, input: z.input<typeof releaseGatesInput>) {
  requireScope(ctx, 'releases:read');
  const data = releaseGatesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const release = await releaseByNumber(ctx.db, service, data.release);
  const envs = sortEnvironments(await ctx.db.select().from(environments).where(eq(environments.serviceId, service.id))).filter((e) => e.protection.requiredGates.length);
  const statuses = [];
  for (const env of envs) statuses.push({ environment: env.name, ...(await describeStatus(ctx.db, await gateStatus(ctx.db, { releaseId: release.id, environmentId: env.id }))) });
  const overrides = await ctx.db
    .select({ gate: gateOverrides.gate, reason: gateOverrides.reason, by: gateOverrides.actorLabel, at: gateOverrides.createdAt, environment: environments.name })
    .from(gateOverrides)
    .innerJoin(environments, eq(environments.id, gateOverrides.environmentId))
    .where(eq(gateOverrides.releaseId, release.id))
    .orderBy(desc(gateOverrides.createdAt));
  return { release: `${service.name}#${release.number}`, environments: statuses, overrides };
}
