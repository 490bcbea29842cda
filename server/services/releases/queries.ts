// Reading releases: the list of a service, one release with its model and prompt versions, and the diff of two;
// each with where it runs now (environments and weights).
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { models, modelVersions, prompts, promptVersions, releasePrompts, releases, secrets, type Service } from '@/db/schema';
import { notFound } from '@/server/errors';
import { diffValues } from '@/server/lib/diff';
import { requireScope, type ServiceContext } from '../context';
import { placementsOf } from '../environments/state';
import { toModelVersionView } from '../models/view';
import { diffPromptContent } from '../prompts/queries';
import { serviceByName, slugSchema } from '../registry-shared';

async function loadRelease(db: Db, service: Service, number: number) {
  const [r] = await db
    .select({ release: releases, version: modelVersions, model: models.name, secret: secrets.name })
    .from(releases)
    .innerJoin(modelVersions, eq(modelVersions.id, releases.modelVersionId))
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
    .where(and(eq(releases.serviceId, service.id), eq(releases.number, number)))
    .limit(1);
  if (!r) throw notFound(`Release ${service.name}#${number}`);
  const promptRows = await db
    .select({ name: prompts.name, version: promptVersions })
    .from(releasePrompts)
    .innerJoin(promptVersions, eq(promptVersions.id, releasePrompts.promptVersionId))
    .innerJoin(prompts, eq(prompts.id, promptVersions.promptId))
    .where(eq(releasePrompts.releaseId, r.release.id))
    .orderBy(asc(prompts.name));
  return {
    ...r.release,
    service: service.name,
    ref: `${service.name}#${r.release.number}`,
    model: toModelVersionView(r.version, r.model, r.secret),
    prompts: promptRows.map((p) => ({ name: p.name, ref: `${p.name}@${p.version.version}`, ...p.version })),
  };
}
export type ReleaseView = Awaited<ReturnType<typeof loadRelease>>;

export const getReleaseInput = z.object({ service: slugSchema, number: z.number().int().positive() });

export async function getRelease(ctx: ServiceContext, input: z.input<typeof getReleaseInput>) {
  requireScope(ctx, 'releases:read');
  const data = getReleaseInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const release = await loadRelease(ctx.db, service, data.number);
  return { ...release, runningIn: (await placementsOf(ctx.db, [service.id])).get(release.id) ?? [] };
}

export const listReleasesInput = z.object({ service: slugSchema, limit: z.number().int().min(1).max(500).default(100) });

export async function listReleases(ctx: ServiceContext, input: z.input<typeof listReleasesInput>) {
  requireScope(ctx, 'releases:read');
  const data = listReleasesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const rows = await ctx.db
    .select({ release: releases, model: models.name, modelVersion: modelVersions.version })
    .from(releases)
    .innerJoin(modelVersions, eq(modelVersions.id, releases.modelVersionId))
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(eq(releases.serviceId, service.id))
    .orderBy(desc(releases.number))
    .limit(data.limit);
  const ids = rows.map((r) => r.release.id);
  const promptRows = ids.length
    ? await ctx.db
        .select({ releaseId: releasePrompts.releaseId, name: prompts.name, version: promptVersions.version })
        .from(releasePrompts)
        .innerJoin(promptVersions, eq(promptVersions.id, releasePrompts.promptVersionId))
        .innerJoin(prompts, eq(prompts.id, promptVersions.promptId))
        .where(inArray(releasePrompts.releaseId, ids))
    : [];
  const placements = await placementsOf(ctx.db, [service.id]);
  return rows.map((r) => ({
    ...r.release,
    ref: `${service.name}#${r.release.number}`,
    runningIn: placements.get(r.release.id) ?? [],
    model: `${r.model}@${r.modelVersion}`,
    prompts: promptRows.filter((p) => p.releaseId === r.release.id).map((p) => `${p.name}@${p.version}`).sort(),
  }));
}

export const diffReleasesInput = z.object({ service: slugSchema, from: z.number().int().positive(), to: z.number().int().positive() });

const MODEL_FIELDS = ['ref', 'providerKind', 'baseUrl', 'upstreamModel', 'defaultParams', 'apiKeySecret', 'artifacts', 'tokenizer', 'imageRef', 'priceInputPer1M', 'priceOutputPer1M', 'contextWindow', 'lineage', 'status'] as const;

/** Model fields that differ, prompts added, removed or changed (with their content diff), and config changes. */
export async function diffReleases(ctx: ServiceContext, input: z.input<typeof diffReleasesInput>) {
  requireScope(ctx, 'releases:read');
  const data = diffReleasesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const [a, b] = await Promise.all([loadRelease(ctx.db, service, data.from), loadRelease(ctx.db, service, data.to)]);
  const pick = (m: ReleaseView['model']) => Object.fromEntries(MODEL_FIELDS.map((f) => [f, m[f]]));
  const names = [...new Set([...a.prompts.map((p) => p.name), ...b.prompts.map((p) => p.name)])].sort();
  const promptChanges = names.map((name) => {
    const pa = a.prompts.find((p) => p.name === name);
    const pb = b.prompts.find((p) => p.name === name);
    if (!pa) return { name, change: 'added' as const, to: pb!.version, from: null, diff: null };
    if (!pb) return { name, change: 'removed' as const, from: pa.version, to: null, diff: null };
    if (pa.contentHash === pb.contentHash) return { name, change: 'unchanged' as const, from: pa.version, to: pb.version, diff: null };
    return { name, change: 'changed' as const, from: pa.version, to: pb.version, diff: diffPromptContent(pa, pb) };
  });
  return { from: a, to: b, model: diffValues(pick(a.model), pick(b.model)), prompts: promptChanges, config: diffValues(a.config, b.config) };
}
