// Builds a container model version's image: the service's repository at one commit (the build context), the
// version's artifacts and tokenizer verified by sha256, the base image made locally (never pulled), OCI labels
// naming the source and every digest; the result (image id, size, labels, log) is recorded in image_builds.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { imageBuilds, models, modelVersions, type ImageBuild } from '@/db/schema';
import { ensureNodeBaseImage } from '@/server/docker/base-image';
import { dockerEndpoint, engineMessage, followProgress, isNotFound, requireDocker, type ProgressMessage } from '@/server/docker/docker';
import { tarStream } from '@/server/docker/tar';
import { withCheckout } from '../git';
import { sourceSettings } from '../source';
import { assembleContext, BuildError, fetchVerified, fromImages, MAX_CONTEXT_BYTES, pinnedFiles, readContextDir } from './context';
import { BuildLog } from './log';

/** `org.slipway.artifact.<name>.sha256`: the artifact's path in the context, in the characters label keys use. */
export function artifactLabelKey(contextPath: string): string {
  return `org.slipway.artifact.${contextPath.toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}.sha256`;
}

/**
 * Runs a queued build to its end and returns the recorded row: succeeded with the image's id, size and labels, or
 * failed with the error (a wrong sha256 names the file, the expected and the actual digest). `log` receives every
 * line as it comes (the run page's live log); the row keeps the last 200 KB.
 */
export async function runImageBuild(db: Db, buildId: string, opts: { log?: (line: string) => void; signal?: AbortSignal } = {}): Promise<ImageBuild> {
  const [build] = await db.select().from(imageBuilds).where(eq(imageBuilds.id, buildId));
  if (!build) throw new Error(`image build ${buildId} not found`);
  const log = new BuildLog(opts.log, (text) => db.update(imageBuilds).set({ log: text }).where(eq(imageBuilds.id, buildId)).then(() => undefined));
  await db.update(imageBuilds).set({ status: 'running', startedAt: new Date() }).where(eq(imageBuilds.id, buildId));
  try {
    const [row] = await db
      .select({ v: modelVersions, model: models.name })
      .from(modelVersions)
      .innerJoin(models, eq(models.id, modelVersions.modelId))
      .where(eq(modelVersions.id, build.modelVersionId));
    const v = row!.v;
    const ref = `${row!.model}@${v.version}`;
    const spec = v.container!.build!;
    const client = await requireDocker();
    log.line(`Docker engine at ${dockerEndpoint().label}`);
    // The base image is made from this host's Node.js runtime when missing, so a Dockerfile FROM it works on a fresh engine.
    const base = await ensureNodeBaseImage(client, { log: (l) => log.line(l) });
    log.line(`base image ${base.ref} is ${base.id}`);
    const settings = await sourceSettings(db, build.serviceId);
    log.line(`reading ${spec.context} of ${settings.url} at ${build.sourceCommit}`);
    const { entries, verified } = await withCheckout(settings, build.sourceCommit, async (dir) => {
      const ctx = await readContextDir(dir, spec.context);
      const pinned = await fetchVerified(pinnedFiles(v.artifacts, v.tokenizer), dir, MAX_CONTEXT_BYTES - ctx.bytes, (l) => log.line(l), opts.signal);
      return { entries: assembleContext(ctx.entries, pinned.entries, spec.dockerfile), verified: pinned.verified };
    });
    const dockerfile = entries.find((e) => e.path === spec.dockerfile)!.data!.toString('utf8');
    // Builds never pull: every image the Dockerfile starts FROM must be on the engine already; their ids are labels.
    const bases: string[] = [];
    for (const image of fromImages(dockerfile)) {
      if (image.includes('$')) throw new BuildError(`${spec.dockerfile}: FROM ${image} uses a build argument; name the base image itself so it is pinned`);
      try {
        const info = await client.getImage(image).inspect();
        bases.push(`${image}@${info.Id}`);
      } catch (err) {
        if (isNotFound(err)) throw new BuildError(`${spec.dockerfile}: FROM ${image} is not on the Docker engine, and builds never pull; make or load it there first (${base.ref} is made for you)`);
        throw err;
      }
    }
    const labels: Record<string, string> = {
      'org.opencontainers.image.revision': build.sourceCommit,
      'org.opencontainers.image.source': build.sourceRepository,
      'org.opencontainers.image.title': row!.model,
      'org.opencontainers.image.version': String(v.version),
      'org.slipway.model-version': ref,
      'org.slipway.base-images': bases.join(' '),
    };
    for (const a of verified) labels[artifactLabelKey(a.path)] = a.sha256;
    if (v.tokenizer) labels['org.slipway.tokenizer.sha256'] = v.tokenizer.sha256;
    // One LABEL instruction at the end of the Dockerfile (its last stage): the engine's `labels` parameter would add
    // a step, and an intermediate container, per label.
    const dfEntry = entries.find((e) => e.path === spec.dockerfile)!;
    const labelLine = `LABEL ${Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, val]) => `${k}=${JSON.stringify(val)}`)
      .join(' ')}`;
    dfEntry.data = Buffer.from(`${dockerfile.replace(/\s*$/, '')}\n${labelLine}\n`);
    log.line(`building ${build.tag} from ${entries.length} context entries`);
    const stream = (await client.buildImage(tarStream(entries), { t: build.tag!, dockerfile: spec.dockerfile, rm: true, forcerm: true, abortSignal: opts.signal } as never)) as unknown as NodeJS.ReadableStream;
    let builtId: string | null = null;
    const messages = await followProgress(stream, (m: ProgressMessage) => {
      if (m.aux?.ID) builtId = m.aux.ID;
      if (m.stream) log.text(m.stream);
      else if (m.status) log.line(`${m.id ? `${m.id}: ` : ''}${m.status}${m.progress ? ` ${m.progress}` : ''}`);
      if (m.error) log.line(`error: ${m.errorDetail?.message ?? m.error}`);
    });
    const failure = messages.find((m) => m.error);
    if (failure) throw new BuildError(`the build failed: ${(failure.errorDetail?.message ?? failure.error ?? '').trim()}`);
    const info = await client.getImage(builtId ?? build.tag!).inspect();
    log.line(`built ${info.Id} (${info.Size} bytes)`);
    await log.flush();
    const [done] = await db
      .update(imageBuilds)
      .set({ status: 'succeeded', imageId: info.Id, sizeBytes: info.Size, labels: (info.Config?.Labels ?? {}) as Record<string, string>, artifacts: verified, log: log.contents(), finishedAt: new Date() })
      .where(eq(imageBuilds.id, buildId))
      .returning();
    return done!;
  } catch (err) {
    const message = (err as { statusCode?: number }).statusCode ? `the Docker engine: ${engineMessage(err)}` : err instanceof Error ? err.message : String(err);
    log.line(`error: ${message}`);
    await log.flush();
    const [failed] = await db.update(imageBuilds).set({ status: 'failed', error: message.slice(0, 4000), log: log.contents(), finishedAt: new Date() }).where(eq(imageBuilds.id, buildId)).returning();
    return failed!;
  }
}
