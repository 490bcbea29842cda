// build-image and push-image: the candidate's container model version built from the service's repository at the
// run's commit (artifacts verified, no pulls, labels naming the source and digests), its log streamed to the run
// page; then pushed to a registry with credentials from the secret store and checked against the registry's
// manifest. Both record on image_builds, the model version's build lineage.
import { and, desc, eq } from 'drizzle-orm';
import { imageBuilds, releases, secrets } from '@/db/schema';
import { parseRegistryCredentials, type RegistryCredentials } from '@/server/docker/registry';
import { parseRegistry } from '@/server/docker/registry-ref';
import { queueImageBuild } from '@/server/services/images/queue';
import { runImageBuild } from '../images/build';
import { pushImageBuild } from '../images/push';
import { readSecretValue } from '@/server/services/secrets/queries';
import { refusalOfUse } from '@/server/services/secrets/scope';
import type { StepContext, StepOutcome } from './types';

const failed = (error: string, outputs: Record<string, unknown> = {}): StepOutcome => ({ status: 'failed', outputs, error });

export async function buildImageStep(ctx: StepContext): Promise<StepOutcome> {
  const { tag } = ctx.step.inputs as { tag?: string };
  const [release] = await ctx.db.select().from(releases).where(eq(releases.id, ctx.release.id));
  // The run's commit; a run testing an existing release builds from the commit that release was made from.
  const commit = ctx.run.trigger.commit ?? release!.gitSha;
  if (!commit) return failed(`nothing to build from: this run names no commit and ${ctx.service.name}#${ctx.release.number} was not made from one`);
  let buildId: string;
  try {
    const queued = await queueImageBuild(ctx.db, {
      modelVersionId: release!.modelVersionId,
      serviceId: ctx.service.id,
      commit,
      pipelineRunId: ctx.run.id,
      stepName: ctx.step.name,
      tag,
      createdBy: `pipeline:${ctx.service.name}#${ctx.run.number}`,
    });
    buildId = queued.id;
  } catch (err) {
    return failed((err as Error).message);
  }
  const build = await runImageBuild(ctx.db, buildId, { log: ctx.log, signal: ctx.signal });
  const outputs = { build: build.id, tag: build.tag, image: build.imageId, sizeBytes: build.sizeBytes, commit };
  return build.status === 'succeeded' ? { status: 'passed', outputs } : failed(build.error ?? 'the build failed', outputs);
}

export async function pushImageStep(ctx: StepContext): Promise<StepOutcome> {
  const { registry, secret: secretName } = ctx.step.inputs as { registry: string; secret?: string };
  const [release] = await ctx.db.select({ modelVersionId: releases.modelVersionId }).from(releases).where(eq(releases.id, ctx.release.id));
  const [build] = await ctx.db
    .select()
    .from(imageBuilds)
    .where(and(eq(imageBuilds.pipelineRunId, ctx.run.id), eq(imageBuilds.modelVersionId, release!.modelVersionId), eq(imageBuilds.status, 'succeeded')))
    .orderBy(desc(imageBuilds.finishedAt))
    .limit(1);
  if (!build) return failed('no build-image step of this run built the candidate’s image before this step');
  const target = parseRegistry(registry);
  let credentials: RegistryCredentials | null = null;
  if (secretName) {
    const [secret] = await ctx.db.select().from(secrets).where(eq(secrets.name, secretName));
    if (!secret) return failed(`no secret named "${secretName}" holds the registry credentials`);
    const refusal = await refusalOfUse(ctx.db, secret, { purpose: 'registry_credentials', service: ctx.service.name, url: target.origin });
    if (refusal) return failed(`not pushed: ${refusal}`);
    try {
      credentials = parseRegistryCredentials(await readSecretValue(ctx.db, secret.id));
    } catch (err) {
      // The parser's messages describe the expected shape, never the value.
      return failed(`secret "${secretName}": ${(err as Error).message}`);
    }
  }
  try {
    const pushed = await pushImageBuild(ctx.db, build.id, { registry, credentials, log: ctx.log, signal: ctx.signal });
    return { status: 'passed', outputs: { build: build.id, image: build.imageId, pushedRef: pushed.pushedRef, digest: pushed.pushedDigest } };
  } catch (err) {
    return failed((err as Error).message, { build: build.id, image: build.imageId });
  }
}
