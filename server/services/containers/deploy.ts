// Starting a release's replicas in a Docker environment, health-checked before anything routes to them. Idempotent
// by instance rows: a replay (the rollout function's step run again after a restart) finds the rows it wrote and
// carries on from there instead of starting a second set.
import { randomInt, randomUUID } from 'node:crypto';
import net from 'node:net';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type Docker from 'dockerode';
import type { Db } from '@/db/client';
import { containerInstances, environments, modelVersions, releases, type ContainerInstance, type ContainerSpec, type Environment, type ModelVersion, type RuntimeSettings } from '@/db/schema';
import { requireDocker } from '@/server/docker/docker';
import { env as settings } from '@/server/env';
import { DomainError, precondition } from '@/server/errors';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { logger } from '@/server/logger';
import { containerLogs, DEFAULT_CONTAINER_SPEC, launchReplica, localImage, probeHealth, removeContainer } from './engine';
import { imageForModelVersion } from './image';
import { serially } from './serial';

export type DockerRuntime = Extract<RuntimeSettings, { kind: 'docker' }>;

export interface DockerRelease {
  env: Environment;
  runtime: DockerRuntime;
  release: { id: string; number: number };
  version: ModelVersion;
  spec: ContainerSpec;
}

/** A release that runs as containers in this environment (a container model version, a docker runtime), else null. */
export async function dockerReleaseOf(db: Db, environmentId: string, releaseId: string): Promise<DockerRelease | null> {
  const [row] = await db
    .select({ env: environments, release: { id: releases.id, number: releases.number }, version: modelVersions })
    .from(releases)
    .innerJoin(modelVersions, eq(modelVersions.id, releases.modelVersionId))
    .innerJoin(environments, eq(environments.id, environmentId))
    .where(eq(releases.id, releaseId));
  if (!row || row.env.runtime.kind !== 'docker' || row.version.providerKind !== 'container') return null;
  return { env: row.env, runtime: row.env.runtime, release: row.release, version: row.version, spec: row.version.container ?? DEFAULT_CONTAINER_SPEC };
}

/** The host ports containers may take (SLIPWAY_CONTAINER_PORTS). */
export function portRange(): { from: number; to: number } {
  return settings().SLIPWAY_CONTAINER_PORTS;
}

/** Whether nothing listens on the port on this host (a container with host networking will bind it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port of the range that no live instance holds and nothing on the host listens on, searched from a random point
 * of the range: two installations (or test databases) sharing one engine rarely reach for the same port while the
 * other's container is still starting and not yet listening on it.
 */
async function freePort(db: Db, skip: Set<number>): Promise<number> {
  const live = await db.select({ port: containerInstances.hostPort }).from(containerInstances).where(isNull(containerInstances.removedAt));
  const taken = new Set([...live.map((r) => r.port), ...skip]);
  const { from, to } = portRange();
  const size = to - from + 1;
  const offset = randomInt(size);
  for (let i = 0; i < size; i++) {
    const port = from + ((offset + i) % size);
    if (taken.has(port)) continue;
    if (await portFree(port)) return port;
    skip.add(port);
  }
  throw precondition(`no free host port left in SLIPWAY_CONTAINER_PORTS (${from}-${to}) for another container`);
}

const liveOf = (db: Db, environmentId: string) =>
  db
    .select()
    .from(containerInstances)
    .where(and(eq(containerInstances.environmentId, environmentId), isNull(containerInstances.removedAt)));

/** Blue-green: a release keeps its slot; a new one takes the slot other live releases do not hold (blue when both or none). */
function slotFor(mine: ContainerInstance[], others: ContainerInstance[]): 'blue' | 'green' {
  if (mine[0]) return mine[0].slot;
  const held = new Set(others.map((o) => o.slot));
  return held.has('blue') && !held.has('green') ? 'green' : 'blue';
}

/** Writes rows for the replicas the release lacks (ports allocated, state starting); returns the release's live rows. */
async function claimReplicas(db: Db, d: DockerRelease, image: string): Promise<{ rows: ContainerInstance[]; created: string[] }> {
  const created: string[] = [];
  const skip = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (t) => {
        const tx = t as unknown as Db;
        // One environment's instances change one writer at a time.
        await tx.select({ id: environments.id }).from(environments).where(eq(environments.id, d.env.id)).for('update');
        const live = await liveOf(tx, d.env.id);
        const mine = live.filter((r) => r.releaseId === d.release.id);
        const slot = slotFor(mine, live.filter((r) => r.releaseId !== d.release.id));
        if (mine.some((r) => r.expiresAt)) {
          await tx
            .update(containerInstances)
            .set({ expiresAt: null, updatedAt: new Date() })
            .where(inArray(containerInstances.id, mine.map((r) => r.id)));
        }
        const have = new Set(mine.map((r) => r.replica));
        for (let replica = 0; replica < d.runtime.replicas; replica++) {
          if (have.has(replica)) continue;
          const id = randomUUID();
          const hostPort = await freePort(tx, skip);
          skip.add(hostPort);
          await tx.insert(containerInstances).values({
            id,
            environmentId: d.env.id,
            releaseId: d.release.id,
            modelVersionId: d.version.id,
            slot,
            replica,
            image,
            containerName: `slipway-${id}`,
            hostPort,
          });
          created.push(id);
        }
        return { rows: await liveOf(tx, d.env.id).then((all) => all.filter((r) => r.releaseId === d.release.id)), created: [...created] };
      });
    } catch (err) {
      // Another writer took a port or a replica at the same moment: look again.
      if (attempt < 4 && (err as { code?: string }).code === '23505') {
        created.length = 0;
        continue;
      }
      throw err;
    }
  }
}

/** Starts a row's container if it has none yet; returns its id. */
async function launch(db: Db, client: Docker, d: DockerRelease, row: ContainerInstance): Promise<string> {
  const id = await launchReplica(client, { instanceId: row.id, environmentId: row.environmentId, releaseId: row.releaseId, name: row.containerName, image: row.image, hostPort: row.hostPort, spec: d.spec });
  if (id !== row.containerId) await db.update(containerInstances).set({ containerId: id, updatedAt: new Date() }).where(eq(containerInstances.id, row.id));
  return id;
}

/** Why the container is not running (its exit code and last lines), or null while it runs. */
async function notRunning(client: Docker, containerId: string): Promise<string | null> {
  const info = await client
    .getContainer(containerId)
    .inspect()
    .catch(() => null);
  if (info?.State.Running) return null;
  const tail = info ? (await containerLogs(client, containerId, 5).catch(() => '')).trim().split('\n').slice(-3).join(' | ') : '';
  return info ? `the container exited with code ${info.State.ExitCode}${tail ? `: ${tail}` : ''}` : 'the container is gone';
}

/**
 * Polls the replica's health path until it answers 2xx; fails early when the container exits. A 2xx counts once
 * the container is still running half a second later and the path answers 2xx again: with host networking,
 * something else on the port (a server our container then fails to bind beside) could answer the first probe.
 * Returns null when healthy, else why not (with the last lines the container wrote).
 */
export async function awaitHealthy(client: Docker, containerId: string, port: number, path: string, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last: number | null = null;
  for (let i = 0; ; i++) {
    last = await probeHealth(port, path, 1000);
    if (last !== null && last >= 200 && last < 300) {
      await new Promise((r) => setTimeout(r, 500));
      const stopped = await notRunning(client, containerId);
      if (stopped) return stopped;
      const again = await probeHealth(port, path, 1000);
      if (again !== null && again >= 200 && again < 300) return null;
    }
    if (i % 4 === 3 || Date.now() >= deadline) {
      const stopped = await notRunning(client, containerId);
      if (stopped) return stopped;
    }
    if (Date.now() >= deadline) return `GET ${path} on port ${port} ${last === null ? 'got no answer' : `answered ${last}`} within ${Math.round(timeoutMs / 1000)} s`;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Marks rows removed after removing their containers. */
export async function removeInstances(db: Db, client: Docker | null, rows: ContainerInstance[], message: string): Promise<void> {
  for (const row of rows) {
    await db.update(containerInstances).set({ state: 'removing', updatedAt: new Date() }).where(eq(containerInstances.id, row.id));
    if (client) await removeContainer(client, row.containerId ?? row.containerName);
    await db.update(containerInstances).set({ state: 'removed', health: 'unknown', message, removedAt: new Date(), updatedAt: new Date() }).where(eq(containerInstances.id, row.id));
  }
  if (rows.length) await notifyGateway({ db });
}

export interface Ensured {
  release: number;
  slot: 'blue' | 'green';
  replicas: { replica: number; port: number; containerId: string }[];
  started: number;
}

/**
 * Makes the release's N replicas run and answer their health path in this environment (starting the missing
 * ones); null when the release does not run as containers here. When a replica does not become healthy in time,
 * every replica of the release that is not serving is removed and the error says which one and why.
 */
export function startReleaseContainers(db: Db, environmentId: string, releaseId: string): Promise<Ensured | null> {
  return serially(() => ensureReleaseContainers(db, environmentId, releaseId));
}

/** What startReleaseContainers does, for callers already in the serial queue (a reconcile pass). */
export async function ensureReleaseContainers(db: Db, environmentId: string, releaseId: string): Promise<Ensured | null> {
  const d = await dockerReleaseOf(db, environmentId, releaseId);
  if (!d) return null;
  const client = await requireDocker();
  const image = await localImage(client, await imageForModelVersion(db, d.version));
  const { rows, created } = await claimReplicas(db, d, image);
  const who = `#${d.release.number} in ${d.env.name}`;
  const pending = rows.filter((r) => !(r.state === 'running' && r.health === 'healthy'));
  const failures: string[] = [];
  const ids = new Map<string, string>();
  await Promise.all(
    rows.map(async (row) => {
      try {
        const containerId = row.containerId && !pending.includes(row) ? row.containerId : await launch(db, client, d, row);
        ids.set(row.id, containerId);
        if (!pending.includes(row)) return;
        const problem = await awaitHealthy(client, containerId, row.hostPort, d.spec.healthPath, d.runtime.healthTimeoutSeconds * 1000);
        if (problem) failures.push(`replica ${row.replica + 1} (port ${row.hostPort}): ${problem}`);
        else await db.update(containerInstances).set({ state: 'running', health: 'healthy', message: '', updatedAt: new Date() }).where(eq(containerInstances.id, row.id));
      } catch (err) {
        failures.push(`replica ${row.replica + 1} (port ${row.hostPort}): ${err instanceof DomainError ? err.message : String(err)}`);
      }
    }),
  );
  if (failures.length) {
    const reason = `replicas of ${who} did not become healthy: ${failures.sort().join('; ')}`;
    const fresh = await liveOf(db, environmentId);
    const notServing = fresh.filter((r) => r.releaseId === releaseId && !(r.state === 'running' && r.health === 'healthy' && !created.includes(r.id)));
    await removeInstances(db, client, fresh.filter((r) => r.releaseId === releaseId && (notServing.includes(r) || created.includes(r.id))), reason);
    logger.warn({ release: who }, reason);
    throw precondition(reason);
  }
  if (pending.length) await notifyGateway({ db });
  return {
    release: d.release.number,
    slot: rows[0]!.slot,
    replicas: rows.map((r) => ({ replica: r.replica, port: r.hostPort, containerId: ids.get(r.id) ?? r.containerId ?? '' })).sort((a, b) => a.replica - b.replica),
    started: pending.length,
  };
}
