// A build started by hand (`slipway images build`, the API): recorded as queued in the caller's transaction, then
// run in this process once committed; the caller follows it by its id. Builds a crash interrupted are marked failed
// when the app starts again.
import { and, inArray, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { imageBuilds } from '@/db/schema';
import { logger } from '@/server/logger';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { by, parseRef, serviceByName } from '../registry-shared';
import { IMAGE_TAG } from '@/server/docker/registry-ref';
import { queueImageBuild, runImageBuild } from './build';
import { modelVersionOf, toBuildView } from './queries';

export const startImageBuildInput = z.object({
  /** `model@version`. */
  modelVersion: z.string().trim().regex(/^[a-z0-9-]+@\d+$/, 'must be model@version, e.g. served-llm@2'),
  /** The service whose repository holds the build context. */
  service: z.string().trim().min(1, 'is required'),
  /** The full commit id to build from. */
  ref: z.string().trim().regex(/^[0-9a-f]{40}$/, 'must be a full 40-character commit id'),
  tag: z.string().trim().regex(IMAGE_TAG, 'must be an image name with an optional tag, lowercase: team/name:tag').optional(),
});

const running = new Set<Promise<unknown>>();

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
    const db = ctx.outerDb ?? ctx.db;
    await onCommit(tx, () => {
      const p = runImageBuild(db, build.id, { serviceId: service.id })
        .catch((err: unknown) => logger.error({ err, build: build.id }, 'image build failed to record'))
        .finally(() => running.delete(p));
      running.add(p);
    });
    return toBuildView(build, { ref: data.modelVersion, pipelineRunNumber: null }, false);
  });
}

/** Waits for builds started here (tests, shutdown). */
export async function settleManualBuilds(): Promise<void> {
  await Promise.all([...running]);
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

