// The changes that explain a chart: deploys, rollout steps, rollbacks and admin bypasses from the environment's
// routing history, and rollouts that ended aborted or failed, each with who did it and why.
import { and, asc, desc, eq, gte, inArray, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environmentHistory, rolloutEvents, rollouts, type Environment, type EnvironmentHistoryEntry, type RouteEntry } from '@/db/schema';
import type { Marker } from './types';

const ENDED_BADLY = ['aborted', 'failed'] as const;

function routesWords(routes: RouteEntry[]): string {
  const live = routes.filter((r) => r.weight > 0);
  return live.length ? live.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', ') : 'no traffic';
}

/** The release a change sent traffic to: the rollout's, else the route with the most weight (newest on a tie). */
function mainRelease(routes: RouteEntry[]): number | null {
  const top = [...routes].filter((r) => r.weight > 0).sort((a, b) => b.weight - a.weight || b.releaseNumber - a.releaseNumber)[0];
  return top?.releaseNumber ?? null;
}

function historyMarker(h: EnvironmentHistoryEntry, rollout: { number: number; releaseNumber: number } | undefined): Marker {
  const base = { t: h.at.toISOString(), actor: h.actorLabel, reason: h.reason || null, release: rollout?.releaseNumber ?? mainRelease(h.routes) };
  if (h.bypassReason) return { ...base, kind: 'bypass', label: `Admin change outside the release flow: ${routesWords(h.routes)}`, reason: h.bypassReason };
  if (h.kind === 'rollback') return { ...base, kind: 'rollback', label: `Rolled back to ${routesWords(h.routes)}` };
  if (rollout) return { ...base, kind: 'rollout-step', label: `Rollout ${rollout.number} of #${rollout.releaseNumber}: ${routesWords(h.routes)}` };
  if (h.kind === 'restore') return { ...base, kind: 'deploy', label: `Restored ${routesWords(h.routes)}` };
  return { ...base, kind: 'deploy', label: h.kind === 'deploy' ? `Deployed ${routesWords(h.routes)}` : `Weights set to ${routesWords(h.routes)}` };
}

export async function environmentMarkers(db: Db, env: Environment, from: Date, to: Date): Promise<Marker[]> {
  const history = await db
    .select()
    .from(environmentHistory)
    .where(and(eq(environmentHistory.environmentId, env.id), gte(environmentHistory.at, from), lt(environmentHistory.at, to)))
    .orderBy(asc(environmentHistory.at), asc(environmentHistory.id));
  const rolloutIds = [...new Set(history.map((h) => h.rolloutId).filter((id): id is string => id !== null))];
  const byId = new Map(
    rolloutIds.length ? (await db.select({ id: rollouts.id, number: rollouts.number, releaseNumber: rollouts.releaseNumber }).from(rollouts).where(inArray(rollouts.id, rolloutIds))).map((r) => [r.id, r]) : [],
  );
  const markers = history.map((h) => historyMarker(h, h.rolloutId ? byId.get(h.rolloutId) : undefined));
  const ended = await db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.environmentId, env.id), inArray(rollouts.status, [...ENDED_BADLY]), gte(rollouts.endedAt, from), lt(rollouts.endedAt, to)));
  for (const r of ended) {
    // Who ended it: the actor of its last event (a person for an abort, the engine for a failure).
    const [last] = await db.select({ actorLabel: rolloutEvents.actorLabel }).from(rolloutEvents).where(eq(rolloutEvents.rolloutId, r.id)).orderBy(desc(rolloutEvents.id)).limit(1);
    markers.push({
      t: r.endedAt!.toISOString(),
      kind: 'abort',
      label: `Rollout ${r.number} of #${r.releaseNumber} ${r.status === 'aborted' ? 'aborted' : 'failed'}`,
      actor: last?.actorLabel ?? null,
      reason: r.reason,
      release: r.releaseNumber,
    });
  }
  return markers.sort((a, b) => a.t.localeCompare(b.t));
}
