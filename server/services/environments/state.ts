// What an environment runs: the newest history entry at or before a time, with its releases resolved.
import { and, desc, eq, inArray, lte } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environmentHistory, models, modelVersions, releases, type EnvironmentHistoryEntry } from '@/db/schema';

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
