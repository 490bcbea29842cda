// Image builds are recorded before they run: what may be built (a container model version with a build context,
// from a full commit of a service's repository), the build queued, and a build started by hand (models:write).
// The engine that runs them is server/pipelines/images.
import { and, eq, inArray, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { imageBuilds, models, modelVersions, type ImageBuild, type ModelVersion } from '@/db/schema';
import { IMAGE_TAG } from '@/server/docker/registry-ref';
import { invalid, precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, parseRef, serviceByName } from '../registry-shared';
import { repositoryOf } from '../repositories/shared';
import { modelVersionOf, toBuildView } from './queries';

/** What a model version must be for a build: a container with a build context. */
export function buildProblem(v: Pick<ModelVersion, 'providerKind' | 'container' | 'imageRef'>, ref: string): string | null {
  if (v.providerKind !== 'container') return `${ref} is an OpenAI-compatible endpoint; only container model versions are built`;
  if (!v.container?.build) return `${ref} names an existing image (${v.imageRef ?? 'imageRef'}) instead of a build context (container.build); there is nothing to build`;
  return null;
}

export interface BuildRequest {
  modelVersionId: string;
  serviceId: string;
  commit: string;
  pipelineRunId: string | null;
  stepName: string;
  /** Image name and tag; default `slipway-models/<model>:v<version>-<commit 12>`. */
  tag?: string;
  createdBy: string;
}

/** Checks the request and records the build as queued. */
export async function queueImageBuild(db: Db, req: BuildRequest): Promise<ImageBuild> {
  const [row] = await db
    .select({ v: modelVersions, model: models.name })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(eq(modelVersions.id, req.modelVersionId));
  if (!row) throw precondition('the model version no longer exists');
  const ref = `${row.model}@${row.v.version}`;
  const problem = buildProblem(row.v, ref);
  if (problem) throw precondition(problem);
  if (!/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(req.commit)) throw invalid('ref', `"${req.commit}" is not a full commit id (40 hex characters)`);
  if (req.tag !== undefined && !IMAGE_TAG.test(req.tag)) throw invalid('tag', 'must be an image name with an optional tag, lowercase: registry/team/name:tag');
  const repo = await repositoryOf(db, req.serviceId);
  if (!repo) throw precondition('the service has no repository to build from; set one in its repository settings');
  const tag = req.tag ?? `slipway-models/${row.model}:v${row.v.version}-${req.commit.slice(0, 12)}`;
  const [build] = await db
    .insert(imageBuilds)
    .values({ modelVersionId: req.modelVersionId, serviceId: req.serviceId, pipelineRunId: req.pipelineRunId, stepName: req.stepName, sourceRepository: repo.url, sourceCommit: req.commit, tag, status: 'queued', createdBy: req.createdBy })
    .returning();
  return build!;
}

export const startImageBuildInput = z.object({
  /** `model@version`. */
  modelVersion: z.string().trim().regex(/^[a-z0-9-]+@\d+$/, 'must be model@version, e.g. served-llm@2'),
  /** The service whose repository holds the build context. */
  service: z.string().trim().min(1, 'is required'),
  /** The full commit id to build from. */
  ref: z.string().trim().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit id'),
  tag: z.string().trim().regex(IMAGE_TAG, 'must be an image name with an optional tag, lowercase: team/name:tag').optional(),
});

/** Records a build started by hand; the caller runs it once this returns (the API does, in the background). */
export async function startImageBuild(ctx: ServiceContext, input: z.input<typeof startImageBuildInput>) {
  requireScope(ctx, 'models:write');
  const data = startImageBuildInput.parse(input);
  const { name, version } = parseRef(data.modelVersion, 'modelVersion');
  return withTransaction(ctx, async (tx) => {
    const { v } = await modelVersionOf(tx.db, name, version!);
    const service = await serviceByName(tx.db, data.service);
    const build = await queueImageBuild(tx.db, { modelVersionId: v.id, serviceId: service.id, commit: data.ref, pipelineRunId: null, stepName: 'manual', tag: data.tag, createdBy: by(ctx) });
    await recordAudit(tx, {
      action: 'image.build',
      target: { kind: 'model_version', id: v.id, label: data.modelVersion },
      summary: `Started a build of ${data.modelVersion} from ${service.name} at ${data.ref.slice(0, 12)}`,
    });
    return toBuildView(build, { ref: data.modelVersion, pipelineRunNumber: null }, false);
  });
}

/**
 * Builds left queued or running by a process that stopped will not finish. At start, those older than `olderThanMs`
 * (longer than any build step may take; another instance may still be running younger ones) are marked failed.
 */
export async function failInterruptedBuilds(db: Db, olderThanMs = 2 * 60 * 60 * 1000): Promise<number> {
  const rows = await db
    .update(imageBuilds)
    .set({ status: 'failed', error: 'interrupted: the app stopped while it was building', finishedAt: new Date() })
    .where(and(inArray(imageBuilds.status, ['queued', 'running']), lt(imageBuilds.createdAt, new Date(Date.now() - olderThanMs))))
    .returning({ id: imageBuilds.id });
  return rows.length;
}
