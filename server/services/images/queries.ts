// Reading image builds: a model version's builds newest first, one build with its log, and the image a model
// version "has" — its newest succeeded build — for the deploy target to run.
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { imageBuilds, models, modelVersions, pipelineRuns, type ImageBuild } from '@/db/schema';
import { notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { modelByName } from '../registry-shared';

export interface BuiltImage {
  buildId: string;
  /** `sha256:<64 hex>`, the engine's image id. */
  imageId: string;
  tag: string | null;
  sizeBytes: number | null;
  labels: Record<string, string>;
  sourceCommit: string;
  /** `registry/name@sha256:…` once pushed. */
  pushedRef: string | null;
  pushedDigest: string | null;
  finishedAt: Date | null;
}

/** The newest succeeded build of a model version, or null when it has none. */
export async function latestBuiltImage(db: Db, modelVersionId: string): Promise<BuiltImage | null> {
  const [b] = await db
    .select()
    .from(imageBuilds)
    .where(and(eq(imageBuilds.modelVersionId, modelVersionId), eq(imageBuilds.status, 'succeeded')))
    .orderBy(desc(imageBuilds.finishedAt), desc(imageBuilds.createdAt))
    .limit(1);
  if (!b) return null;
  return { buildId: b.id, imageId: b.imageId!, tag: b.tag, sizeBytes: b.sizeBytes, labels: b.labels, sourceCommit: b.sourceCommit, pushedRef: b.pushedRef, pushedDigest: b.pushedDigest, finishedAt: b.finishedAt };
}

export function toBuildView(b: ImageBuild, extra: { ref: string; pipelineRunNumber: number | null }, withLog: boolean) {
  const { log, ...rest } = b;
  return { ...rest, modelVersion: extra.ref, pipelineRunNumber: extra.pipelineRunNumber, ...(withLog ? { log } : { log: null as string | null }) };
}
export type ImageBuildView = ReturnType<typeof toBuildView>;

export const modelVersionRefInput = z.object({ model: z.string().trim().min(1, 'is required').max(100), version: z.number().int().min(1, 'must be 1 or more') });

async function versionOf(db: Db, model: string, version: number) {
  const m = await modelByName(db, model);
  const [v] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.modelId, m.id), eq(modelVersions.version, version)));
  if (!v) throw notFound(`Model version ${model}@${version}`);
  return { m, v };
}

/** A model version's builds, newest first, without their logs. */
export async function listImageBuilds(ctx: ServiceContext, input: z.input<typeof modelVersionRefInput>): Promise<ImageBuildView[]> {
  requireScope(ctx, 'models:read');
  const data = modelVersionRefInput.parse(input);
  const { v } = await versionOf(ctx.db, data.model, data.version);
  const rows = await ctx.db
    .select({ b: imageBuilds, run: pipelineRuns.number })
    .from(imageBuilds)
    .leftJoin(pipelineRuns, eq(pipelineRuns.id, imageBuilds.pipelineRunId))
    .where(eq(imageBuilds.modelVersionId, v.id))
    .orderBy(desc(imageBuilds.createdAt))
    .limit(100);
  return rows.map((r) => toBuildView(r.b, { ref: `${data.model}@${data.version}`, pipelineRunNumber: r.run }, false));
}

export const imageBuildIdInput = z.object({ id: z.uuid('must be a build id') });

/** One build with its log. */
export async function getImageBuild(ctx: ServiceContext, input: z.input<typeof imageBuildIdInput>): Promise<ImageBuildView> {
  requireScope(ctx, 'models:read');
  const { id } = imageBuildIdInput.parse(input);
  const [r] = await ctx.db
    .select({ b: imageBuilds, run: pipelineRuns.number, model: models.name, version: modelVersions.version })
    .from(imageBuilds)
    .innerJoin(modelVersions, eq(modelVersions.id, imageBuilds.modelVersionId))
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(pipelineRuns, eq(pipelineRuns.id, imageBuilds.pipelineRunId))
    .where(eq(imageBuilds.id, id));
  if (!r) throw notFound('Image build');
  return toBuildView(r.b, { ref: `${r.model}@${r.version}`, pipelineRunNumber: r.run }, true);
}

export { versionOf as modelVersionOf };
