// Keeps the engine and the instance rows in agreement: removes slots whose rollback window ran out, replaces dead
// replicas of releases that still have traffic, and (at start, or every minute) removes managed containers this
// database does not know or has marked removed, so that a crash never leaves containers behind.
import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type Docker from 'dockerode';
import type { Db } from '@/db/client';
import { ACTIVE_ROLLOUT_STATUSES, containerInstances, environmentHistory, environments, loadTests, modelVersions, rollouts, type ContainerInstance, type Environment } from '@/db/schema';
import { dockerAvailable, docker } from '@/server/docker/docker';
import { DomainError } from '@/server/errors';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { logger } from '@/server/logger';
import { ensureReleaseContainers, removeInstances, type DockerRuntime } from './deploy';
import { serially } from './serial';
import { DEFAULT_CONTAINER_SPEC, LABEL_ENVIRONMENT, LABEL_INSTANCE, LABEL_MANAGED, probeHealth, removeContainer } from './engine';

/** How long a release that lost its traffic keeps its containers: the runtime's keepOldMinutes, else the rollback window. */
export function keepMinutes(env: Environment): number {
  const runtime = env.runtime as DockerRuntime;
  if (runtime.keepOldMinutes !== undefined && runtime.keepOldMinutes !== null) return runtime.keepOldMinutes;
  return env.rollout.strategy === 'blue-green' ? (env.rollout.rollbackWindowMinutes ?? 10) : 10;
}

/** Releases that must run: routed with weight now, or the candidate of a rollout that is running or paused. */
async function wanted(db: Db, env: Environment): Promise<{ ids: Set<string>; lostAt: (releaseId: string, fallback: Date) => Date }> {
  const history = await db
    .select({ at: environmentHistory.at, routes: environmentHistory.routes })
    .from(environmentHistory)
    .where(eq(environmentHistory.environmentId, env.id))
    .orderBy(desc(environmentHistory.at), desc(environmentHistory.id))
    .limit(500);
  const ids = new Set((history[0]?.routes ?? []).filter((r) => r.weight > 0).map((r) => r.releaseId));
  const active = await db
    .select({ releaseId: rollouts.releaseId, status: rollouts.status })
    .from(rollouts)
    .where(and(eq(rollouts.environmentId, env.id), inArray(rollouts.status, [...ACTIVE_ROLLOUT_STATUSES])));
  for (const r of active) if (r.status === 'running' || r.status === 'paused') ids.add(r.releaseId);
  // A load test's releases run while it does (a candidate is started for it without traffic).
  const testing = await db.select({ candidate: loadTests.candidateReleaseId, baseline: loadTests.baselineReleaseId }).from(loadTests).where(and(eq(loadTests.environmentId, env.id), eq(loadTests.status, 'running')));
  for (const t of testing) for (const id of [t.candidate, t.baseline]) if (id) ids.add(id);
  // When a release stopped having traffic: the entry after the newest one that gave it weight.
  const lostAt = (releaseId: string, fallback: Date) => {
    const i = history.findIndex((h) => h.routes.some((r) => r.releaseId === releaseId && r.weight > 0));
    if (i <= 0) return fallback;
    return history[i - 1]!.at;
  };
  return { ids, lostAt };
}

export interface ReconcileReport {
  removedContainers: number;
  expired: number;
  replaced: number;
  started: number;
  healthChanged: number;
  problems: string[];
}

const STARTING_GRACE_MS = 30_000;


/**
 * One pass over every environment's containers. `startup`: the app just started, so no replica is being started
 * by anyone (rows left `starting` by a crash are checked like the rest). Passes in one process run one at a time.
 */
export function reconcileContainers(db: Db, opts: { now?: Date; startup?: boolean; client?: Docker } = {}): Promise<ReconcileReport> {
  return serially(() => reconcileOnce(db, opts));
}

/** A pass in the background, after a routing change in a Docker environment; problems are logged. */
export function reconcileSoon(db: Db): void {
  reconcileContainers(db).catch((err: unknown) => logger.warn({ err }, 'could not reconcile containers after a routing change; the next scheduled pass tries again'));
}

async function reconcileOnce(db: Db, opts: { now?: Date; startup?: boolean; client?: Docker }): Promise<ReconcileReport> {
  const now = opts.now ?? new Date();
  const report: ReconcileReport = { removedContainers: 0, expired: 0, replaced: 0, started: 0, healthChanged: 0, problems: [] };
  const envRows = await db.select().from(environments);
  const live = await db.select().from(containerInstances).where(isNull(containerInstances.removedAt));
  const dockerEnvs = envRows.filter((e) => e.runtime.kind === 'docker');
  // Every container is claimed as a row before it is created, so with no live row and no Docker environment there is
  // nothing of ours on any engine: the app starts without asking one (which may not answer at all).
  if (!live.length && !dockerEnvs.length) return report;
  const client = opts.client ?? docker();
  if (!opts.client && !(await dockerAvailable())) {
    if (live.length || dockerEnvs.length) report.problems.push('the Docker engine does not answer; containers are reconciled when it does');
    return report;
  }
  const envIds = new Set(envRows.map((e) => e.id));
  const liveById = new Map(live.map((r) => [r.id, r]));

  // 1. Containers with our labels that no live row owns (a crash between start and record, or a row marked removed).
  const listed = await client.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`] } });
  const running = new Map<string, boolean>();
  for (const c of listed) {
    // Another installation's containers (its environments are not ours) are left alone.
    if (!envIds.has(c.Labels[LABEL_ENVIRONMENT] ?? '')) continue;
    const row = liveById.get(c.Labels[LABEL_INSTANCE] ?? '');
    const starting = row?.state === 'starting' && !row.containerId && !opts.startup && now.getTime() - row.updatedAt.getTime() < STARTING_GRACE_MS;
    if (!row || (row.containerId && row.containerId !== c.Id && !starting)) {
      await removeContainer(client, c.Id);
      report.removedContainers++;
      continue;
    }
    running.set(c.Id, c.State === 'running');
  }

  let changed = false;
  // A removal a crash interrupted is finished.
  const interrupted = live.filter((r) => r.state === 'removing');
  if (interrupted.length) {
    await removeInstances(db, client, interrupted, 'removed (a removal was interrupted)');
    report.expired += interrupted.length;
  }
  for (const env of envRows) {
    const rows = live.filter((r) => r.environmentId === env.id && r.state !== 'removing');
    if (!rows.length && env.runtime.kind !== 'docker') continue;
    if (env.runtime.kind !== 'docker') {
      await removeInstances(db, client, rows, `${env.name} no longer runs containers (runtime: endpoints)`);
      report.expired += rows.length;
      continue;
    }
    const want = await wanted(db, env);
    const keepMs = keepMinutes(env) * 60_000;
    const byRelease = new Map<string, ContainerInstance[]>();
    for (const r of rows) byRelease.set(r.releaseId, [...(byRelease.get(r.releaseId) ?? []), r]);

    // 2. Releases without traffic: start their window, remove them when it ran out.
    for (const [releaseId, mine] of byRelease) {
      if (want.ids.has(releaseId)) {
        if (mine.some((r) => r.expiresAt)) {
          await db.update(containerInstances).set({ expiresAt: null, updatedAt: now }).where(inArray(containerInstances.id, mine.map((r) => r.id)));
          changed = true;
        }
        continue;
      }
      const expiresAt = mine[0]!.expiresAt ?? new Date(want.lostAt(releaseId, now).getTime() + keepMs);
      if (now.getTime() >= expiresAt.getTime()) {
        await removeInstances(db, client, mine, `no traffic since ${new Date(expiresAt.getTime() - keepMs).toISOString()}; kept ${keepMinutes(env)} min for a rollback`);
        report.expired += mine.length;
      } else if (!mine[0]!.expiresAt) {
        await db.update(containerInstances).set({ expiresAt, updatedAt: now }).where(inArray(containerInstances.id, mine.map((r) => r.id)));
        changed = true;
      }
      byRelease.delete(releaseId);
    }

    // 3. Replicas of wanted releases whose container died or vanished: replaced in place (same row, same port).
    for (const mine of byRelease.values()) {
      for (const row of mine) {
        // A start in progress, or one a crash cut short: the pass below carries it on, adopting the container it made.
        if (row.state === 'starting') continue;
        const alive = row.containerId ? running.get(row.containerId) : undefined;
        if (alive) continue;
        const why = alive === false ? 'its container stopped' : 'its container vanished';
        if (row.containerId) await removeContainer(client, row.containerId);
        await db
          .update(containerInstances)
          .set({ containerId: null, state: 'starting', health: 'unknown', restarts: row.restarts + (row.containerId ? 1 : 0), message: `replaced: ${why}`, updatedAt: now })
          .where(eq(containerInstances.id, row.id));
        report.replaced++;
        changed = true;
      }
    }

    // 4. Every wanted release has its replicas (dead ones were just reset to starting; a rollback past the window starts them anew).
    for (const releaseId of want.ids) {
      try {
        const ensured = await ensureReleaseContainers(db, env.id, releaseId);
        if (ensured) report.started += ensured.started;
      } catch (err) {
        report.problems.push(err instanceof DomainError ? err.message : String(err));
      }
    }

    // 5. Health of the replicas that serve: a change reloads the gateway.
    const serving = await db
      .select({ row: containerInstances, spec: modelVersions.container })
      .from(containerInstances)
      .innerJoin(modelVersions, eq(modelVersions.id, containerInstances.modelVersionId))
      .where(and(eq(containerInstances.environmentId, env.id), isNull(containerInstances.removedAt), eq(containerInstances.state, 'running')));
    for (const { row, spec } of serving) {
      const status = await probeHealth(row.hostPort, (spec ?? DEFAULT_CONTAINER_SPEC).healthPath, 2000);
      const health = status !== null && status >= 200 && status < 300 ? 'healthy' : 'unhealthy';
      if (health !== row.health) {
        await db.update(containerInstances).set({ health, updatedAt: new Date() }).where(eq(containerInstances.id, row.id));
        report.healthChanged++;
        changed = true;
      }
    }
  }
  if (changed) await notifyGateway({ db });
  if (report.removedContainers || report.expired || report.replaced || report.started || report.problems.length) logger.info({ ...report }, 'containers reconciled');
  return report;
}
