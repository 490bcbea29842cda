// Reading the model registry: search and filter, one model with its versions (each with the releases that pin it
// and where they run), labels, one version.
import { and, asc, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { labels, models, modelVersions, releases, secrets, services, type Model } from '@/db/schema';
import { notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { placementsOf } from '../environments/state';
import { modelByName, slugSchema } from '../registry-shared';
import { toModelVersionView } from './view';

export const listModelsInput = z
  .object({
    search: z.string().trim().max(100).optional(),
    status: z.enum(['registered', 'validated', 'deprecated', 'archived']).optional(),
    providerKind: z.enum(['openai-compatible', 'container']).optional(),
    tag: z.string().trim().max(100).optional(),
  })
  .default({});

/** Models whose versions match the filters, each with its newest matching version and its labels. */
export async function listModels(ctx: ServiceContext, input: z.input<typeof listModelsInput>) {
  requireScope(ctx, 'models:read');
  const q = listModelsInput.parse(input);
  const where: SQL[] = [];
  if (q.search) {
    const like = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(models.name, like), ilike(models.description, like), ilike(modelVersions.upstreamModel, like), ilike(modelVersions.description, like))!);
  }
  if (q.status) where.push(eq(modelVersions.status, q.status));
  if (q.providerKind) where.push(eq(modelVersions.providerKind, q.providerKind));
  if (q.tag) where.push(sql`${modelVersions.tags} ? ${q.tag}`);
  const rows = await ctx.db
    .select({ model: models, version: modelVersions, secret: secrets.name })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(models.name), desc(modelVersions.version));
  const byModel = new Map<string, { model: Model; latest: ReturnType<typeof toModelVersionView>; matching: number }>();
  for (const r of rows) {
    const seen = byModel.get(r.model.id);
    if (seen) seen.matching += 1;
    else byModel.set(r.model.id, { model: r.model, latest: toModelVersionView(r.version, r.model.name, r.secret), matching: 1 });
  }
  const ids = [...byModel.keys()];
  const labelRows = ids.length ? await ctx.db.select().from(labels).where(inArray(labels.modelId, ids)) : [];
  return [...byModel.values()].map((m) => ({ ...m.model, latest: m.latest, matchingVersions: m.matching, labels: labelRows.filter((l) => l.modelId === m.model.id).map((l) => ({ name: l.name, version: l.version, protected: l.protected })) }));
}

export const getModelInput = z.object({ name: slugSchema });

export async function getModel(ctx: ServiceContext, input: z.input<typeof getModelInput>) {
  requireScope(ctx, 'models:read');
  const { name } = getModelInput.parse(input);
  const model = await modelByName(ctx.db, name);
  const versions = await ctx.db
    .select({ version: modelVersions, secret: secrets.name })
    .from(modelVersions)
    .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
    .where(eq(modelVersions.modelId, model.id))
    .orderBy(desc(modelVersions.version));
  const labelRows = await ctx.db.select().from(labels).where(eq(labels.modelId, model.id)).orderBy(asc(labels.name));
  const usedBy = await releasesUsing(ctx.db, versions.map((v) => v.version.id));
  return {
    ...model,
    versions: versions.map((v) => ({ ...toModelVersionView(v.version, model.name, v.secret), releases: usedBy.filter((r) => r.modelVersionId === v.version.id).map(({ modelVersionId: _v, ...r }) => r) })),
    labels: labelRows.map((l) => ({ name: l.name, version: l.version, protected: l.protected, updatedAt: l.updatedAt })),
  };
}

/** The releases pinning these model versions, newest first per service, each with where it runs now. */
async function releasesUsing(db: Db, versionIds: string[]) {
  if (!versionIds.length) return [];
  const rows = await db
    .select({ id: releases.id, modelVersionId: releases.modelVersionId, number: releases.number, serviceId: releases.serviceId, service: services.name, createdAt: releases.createdAt })
    .from(releases)
    .innerJoin(services, eq(services.id, releases.serviceId))
    .where(inArray(releases.modelVersionId, versionIds))
    .orderBy(asc(services.name), desc(releases.number));
  const placements = await placementsOf(db, [...new Set(rows.map((r) => r.serviceId))]);
  return rows.map((r) => ({ modelVersionId: r.modelVersionId, service: r.service, number: r.number, ref: `${r.service}#${r.number}`, createdAt: r.createdAt, runningIn: placements.get(r.id) ?? [] }));
}

/** Resolves `version` or `label` (or the newest version) of a model. */
export async function resolveModelVersion(db: Db, modelName: string, ref: { version?: number; label?: string }) {
  const model = await modelByName(db, modelName);
  let version = ref.version;
  if (ref.label) {
    const [l] = await db.select().from(labels).where(and(eq(labels.modelId, model.id), eq(labels.name, ref.label))).limit(1);
    if (!l) throw notFound(`Label "${ref.label}" on model ${model.name}`);
    version = l.version;
  }
  const [row] = await db
    .select({ version: modelVersions, secret: secrets.name })
    .from(modelVersions)
    .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
    .where(and(eq(modelVersions.modelId, model.id), version ? eq(modelVersions.version, version) : undefined))
    .orderBy(desc(modelVersions.version))
    .limit(1);
  if (!row) throw notFound(version ? `Model version ${model.name}@${version}` : `Any version of model ${model.name}`);
  return { model, row: row.version, view: toModelVersionView(row.version, model.name, row.secret) };
}

export const getModelVersionInput = z.object({ model: slugSchema, version: z.number().int().positive().optional(), label: slugSchema.optional() });

export async function getModelVersion(ctx: ServiceContext, input: z.input<typeof getModelVersionInput>) {
  requireScope(ctx, 'models:read');
  const data = getModelVersionInput.parse(input);
  return (await resolveModelVersion(ctx.db, data.model, data)).view;
}
