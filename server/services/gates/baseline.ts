// The baseline a gate result is measured against: the release the environment's stable arm serves now. Also
// whether a release already served an environment (going back to it is a rollback, not a promotion).
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environmentHistory, type RouteEntry } from '@/db/schema';
import { activeRollout } from '@/server/rollouts/records';
import { entryAt } from '../environments/state';

/**
 * The gateway's stable arm is the oldest release routed (server/gateway/choose.ts); while a rollout is under
 * way its candidate is not the stable arm, whatever its number, so it is left out first.
 */
export function stableOf(routes: RouteEntry[], exclude?: string | null): RouteEntry | null {
  const live = routes.filter((r) => r.weight > 0 && r.releaseId !== exclude);
  return [...live].sort((a, b) => a.releaseNumber - b.releaseNumber)[0] ?? null;
}

export async function currentBaseline(db: Db, environmentId: string): Promise<{ releaseId: string; number: number } | null> {
  const entry = await entryAt(db, environmentId);
  if (!entry) return null;
  const active = await activeRollout(db, environmentId);
  const stable = stableOf(entry.routes, active?.releaseId ?? null);
  return stable ? { releaseId: stable.releaseId, number: stable.releaseNumber } : null;
}

/**
 * True when the release once served the environment: all of its traffic, or the stable arm of a split set by
 * hand. A rollout's intermediate steps do not count (a canary that took a share and was rolled back never
 * served), whatever the release numbers.
 */
export async function hasServed(db: Db, environmentId: string, releaseId: string): Promise<boolean> {
  const entries = await db
    .select({ routes: environmentHistory.routes, rolloutId: environmentHistory.rolloutId })
    .from(environmentHistory)
    .where(and(eq(environmentHistory.environmentId, environmentId), sql`${environmentHistory.routes} @> ${JSON.stringify([{ releaseId }])}::jsonb`))
    .limit(1000);
  return entries.some((e) => {
    const live = e.routes.filter((r) => r.weight > 0);
    if (live.length === 1) return live[0]!.releaseId === releaseId;
    return e.rolloutId === null && stableOf(live)?.releaseId === releaseId;
  });
}
