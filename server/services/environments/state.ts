// What an environment runs: the newest history entry at or before a time, with its releases resolved; and where
// a service's releases run now.
import { and, desc, eq, inArray, lte } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environmentHistory, environments, models, modelVersions, releases, type EnvironmentHistoryEntry } from '@/db/schema';

export async function entryAt(db: Db, environmentId: string, at?: Date): Promise<EnvironmentHistoryEntry | null> {
  const [row] = await db
    .select()
    .from(environmentHistory)
    .where(at ? and(eq(environmentHistory.environmentId, environmentId), lte(environmentHistory.at, at)) : eq(environmentHistory.environmentId, environmentId))
    .orderBy(desc(environmentHistory.at), desc(environmentHistory.id))
    .limit(1);
  return row ?? null;
}

/** Adds the model reference of each routed release, for display. */
export async function describeRoutes(db: Db, entry: EnvironmentHistoryEntry | null) {
  if (!entry) return null;
  const ids = entry.routes.map((r) => r.releaseId);
  const rows = ids.length
    ? await db
        .select({ id: releases.id, model: models.name, modelVersion: modelVersions.version, createdAt: releases.createdAt })
        .from(releases)
        .innerJoin(modelVersions, eq(modelVersions.id, releases.modelVersionId))
        .innerJoin(models, eq(models.id, modelVersions.modelId))
        .where(inArray(releases.id, ids))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    ...entry,
    routes: entry.routes.map((r) => ({ ...r, model: byId.get(r.releaseId) ? `${byId.get(r.releaseId)!.model}@${byId.get(r.releaseId)!.modelVersion}` : null })),
  };
}

const STANDARD_ORDER = ['dev', 'staging', 'production'];

/** dev, staging, production first (the order a release travels), then custom environments by creation. */
export function sortEnvironments<T extends { name: string; createdAt: Date }>(list: T[]): T[] {
  const rank = (e: T) => (STANDARD_ORDER.includes(e.name) ? STANDARD_ORDER.indexOf(e.name) : STANDARD_ORDER.length);
  return [...list].sort((a, b) => rank(a) - rank(b) || a.createdAt.getTime() - b.createdAt.getTime() || a.name.localeCompare(b.name));
}

export interface Placement {
  environment: string;
  weight: number;
}

/**
 * Where the releases of some services run now: per release id, each environment routing it with its weight
 * (above 0), environments in the order releases travel. For lists that say where a release runs.
 */
export async function placementsOf(db: Db, serviceIds: string[]): Promise<Map<string, Placement[]>> {
  const byRelease = new Map<string, Placement[]>();
  if (!serviceIds.length) return byRelease;
  const envs = sortEnvironments(await db.select().from(environments).where(inArray(environments.serviceId, serviceIds)));
  const entries = await Promise.all(envs.map(async (e) => ({ env: e.name, entry: await entryAt(db, e.id) })));
  for (const { env, entry } of entries) {
    for (const r of entry?.routes ?? []) {
      if (r.weight <= 0) continue;
      byRelease.set(r.releaseId, [...(byRelease.get(r.releaseId) ?? []), { environment: env, weight: r.weight }]);
    }
  }
  return byRelease;
}
