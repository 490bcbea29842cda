// Reading an environment's containers: per release and slot its replicas (state, health, restarts, port), their
// CPU and memory from the engine, and the last lines of one replica's logs.
import { and, desc, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { containerInstances, models, modelVersions, releases } from '@/db/schema';
import { docker, dockerAvailable } from '@/server/docker/docker';
import { notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { containerLogs, containerStats, type ReplicaStats } from './engine';
import { keepMinutes } from './reconcile';

export const containersInput = z.object({ service: slugSchema, environment: slugSchema });
export const containerLogsInput = containersInput.extend({
  instance: z.uuid({ message: 'must be a container instance id (a UUID)' }),
  lines: z.number().int().min(1, 'must be 1 to 500').max(500, 'must be 1 to 500').default(50),
});

async function environmentOf(ctx: ServiceContext, input: { service: string; environment: string }) {
  const service = await serviceByName(ctx.db, input.service, { allowArchived: true });
  return environmentByName(ctx.db, service, input.environment);
}

/** The environment's runtime and its containers: live ones grouped by release and slot, and the latest removed. */
export async function listContainers(ctx: ServiceContext, input: z.input<typeof containersInput>) {
  requireScope(ctx, 'services:read');
  const data = containersInput.parse(input);
  const env = await environmentOf(ctx, data);
  const cols = { row: containerInstances, releaseNumber: releases.number, model: models.name, modelVersion: modelVersions.version, upstreamModel: modelVersions.upstreamModel };
  const base = () =>
    ctx.db
      .select(cols)
      .from(containerInstances)
      .innerJoin(releases, eq(releases.id, containerInstances.releaseId))
      .innerJoin(modelVersions, eq(modelVersions.id, containerInstances.modelVersionId))
      .innerJoin(models, eq(models.id, modelVersions.modelId));
  const live = await base().where(and(eq(containerInstances.environmentId, env.id), isNull(containerInstances.removedAt)));
  const removed = await base()
    .where(and(eq(containerInstances.environmentId, env.id), isNotNull(containerInstances.removedAt)))
    .orderBy(desc(containerInstances.removedAt))
    .limit(20);
  const view = (r: (typeof live)[number]) => ({
    id: r.row.id,
    replica: r.row.replica,
    containerId: r.row.containerId,
    containerName: r.row.containerName,
    image: r.row.image,
    hostPort: r.row.hostPort,
    state: r.row.state,
    health: r.row.health,
    restarts: r.row.restarts,
    message: r.row.message,
    createdAt: r.row.createdAt,
    removedAt: r.row.removedAt,
  });
  const groups = new Map<string, { releaseId: string; releaseNumber: number; model: string; upstreamModel: string; slot: 'blue' | 'green'; expiresAt: Date | null; replicas: ReturnType<typeof view>[] }>();
  for (const r of live.sort((a, b) => b.releaseNumber - a.releaseNumber || a.row.replica - b.row.replica)) {
    const key = `${r.row.releaseId}:${r.row.slot}`;
    const g = groups.get(key) ?? { releaseId: r.row.releaseId, releaseNumber: r.releaseNumber, model: `${r.model}@${r.modelVersion}`, upstreamModel: r.upstreamModel, slot: r.row.slot, expiresAt: r.row.expiresAt, replicas: [] };
    g.replicas.push(view(r));
    groups.set(key, g);
  }
  return {
    service: data.service,
    environment: env.name,
    runtime: env.runtime,
    keepOldMinutes: env.runtime.kind === 'docker' ? keepMinutes(env) : null,
    releases: [...groups.values()],
    removed: removed.map((r) => ({ ...view(r), releaseNumber: r.releaseNumber, slot: r.row.slot })),
  };
}

/** CPU % and memory of each live replica, one sample each from the engine. */
export async function containersStats(ctx: ServiceContext, input: z.input<typeof containersInput>) {
  requireScope(ctx, 'services:read');
  const data = containersInput.parse(input);
  const env = await environmentOf(ctx, data);
  const rows = await ctx.db
    .select({ id: containerInstances.id, containerId: containerInstances.containerId })
    .from(containerInstances)
    .where(and(eq(containerInstances.environmentId, env.id), isNull(containerInstances.removedAt)));
  const withContainer = rows.filter((r) => r.containerId);
  if (!withContainer.length) return { engine: true, stats: {} as Record<string, ReplicaStats> };
  if (!(await dockerAvailable())) return { engine: false, stats: {} as Record<string, ReplicaStats> };
  const client = docker();
  const stats: Record<string, ReplicaStats> = {};
  await Promise.all(withContainer.map(async (r) => void (stats[r.id] = await containerStats(client, r.containerId!))));
  return { engine: true, stats };
}

/** The last lines one replica wrote (stdout and stderr). */
export async function containersLogs(ctx: ServiceContext, input: z.input<typeof containerLogsInput>) {
  requireScope(ctx, 'services:read');
  const data = containerLogsInput.parse(input);
  const env = await environmentOf(ctx, data);
  const [row] = await ctx.db
    .select()
    .from(containerInstances)
    .where(and(eq(containerInstances.environmentId, env.id), inArray(containerInstances.id, [data.instance])));
  if (!row) throw notFound(`container instance ${data.instance} of ${data.service}/${env.name}`);
  if (!row.containerId || row.removedAt) return { instance: row.id, text: '', removed: !!row.removedAt };
  if (!(await dockerAvailable())) return { instance: row.id, text: '', removed: false, engine: false };
  return { instance: row.id, text: await containerLogs(docker(), row.containerId, data.lines), removed: false };
}
