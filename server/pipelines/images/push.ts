// Pushes a built image to a registry through the engine (credentials in the engine's X-Registry-Auth header only),
// then reads the manifest back from the registry by the pushed digest and checks that its config digest is the
// built image's id: what the registry holds is exactly what was built. The pushed reference is recorded.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { imageBuilds, models, modelVersions, type ImageBuild } from '@/db/schema';
import { engineMessage, followProgress, requireDocker } from '@/server/docker/docker';
import { fetchManifest, type RegistryCredentials } from '@/server/docker/registry';
import { parseRegistry } from '@/server/docker/registry-ref';
import { BuildError } from './context';

export interface PushOptions {
  /** `host[:port]/namespace`. */
  registry: string;
  credentials: RegistryCredentials | null;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Where a build goes in a registry: `<host>/<namespace>/<model>` and a tag naming the version and the commit. */
export function pushTarget(registry: string, model: string, version: number, commit: string) {
  const target = parseRegistry(registry);
  const repository = target.namespace ? `${target.namespace}/${model}` : model;
  return { target, repository, name: `${target.host}/${repository}`, tag: `v${version}-${commit.slice(0, 12)}` };
}

/** Pushes a succeeded build; returns the row with pushedRef/pushedDigest, or throws naming what went wrong. */
export async function pushImageBuild(db: Db, buildId: string, opts: PushOptions): Promise<ImageBuild> {
  const [row] = await db
    .select({ b: imageBuilds, model: models.name, version: modelVersions.version })
    .from(imageBuilds)
    .innerJoin(modelVersions, eq(modelVersions.id, imageBuilds.modelVersionId))
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(eq(imageBuilds.id, buildId));
  if (!row) throw new BuildError(`image build ${buildId} not found`);
  const build = row.b;
  if (build.status !== 'succeeded' || !build.imageId) throw new BuildError(`the build of ${row.model}@${row.version} did not succeed; there is nothing to push`);
  const log = (line: string) => {
    lines.push(line);
    opts.log?.(line);
  };
  const lines: string[] = [];
  const { target, repository, name, tag } = pushTarget(opts.registry, row.model, row.version, build.sourceCommit);
  const client = await requireDocker();
  try {
    const image = client.getImage(build.imageId);
    await image.tag({ repo: name, tag });
    log(`pushing ${build.imageId} as ${name}:${tag}${opts.credentials ? ` (as ${opts.credentials.username})` : ''}`);
    const auth = opts.credentials ? { username: opts.credentials.username, password: opts.credentials.password, serveraddress: target.host } : {};
    const stream = (await client.getImage(name).push({ tag, authconfig: auth, abortSignal: opts.signal } as never)) as unknown as NodeJS.ReadableStream;
    let digest: string | null = null;
    const messages = await followProgress(stream, (m) => {
      if (m.aux?.Digest) digest = m.aux.Digest;
      if (m.status && !m.progress) log(`${m.id ? `${m.id}: ` : ''}${m.status}`);
    });
    const failure = messages.find((m) => m.error);
    if (failure) throw new BuildError(`the push to ${target.host} failed: ${(failure.errorDetail?.message ?? failure.error ?? '').trim()}`);
    if (!digest) throw new BuildError(`the engine did not report the pushed digest for ${name}:${tag}`);
    const pushed: string = digest;
    // What the registry holds under that digest must be the image that was built.
    const manifest = await fetchManifest(target, repository, pushed, opts.credentials, opts.signal);
    if (manifest.digest !== pushed) throw new BuildError(`${target.host} served a manifest whose sha256 is ${manifest.digest}, not the pushed ${pushed}`);
    if (manifest.configDigest !== build.imageId) {
      throw new BuildError(`${name}@${pushed} is not the built image: its config digest is ${manifest.configDigest ?? 'missing'}, the build made ${build.imageId}`);
    }
    log(`verified ${name}@${pushed}: its config is ${build.imageId}`);
    const [done] = await db
      .update(imageBuilds)
      .set({ pushedRef: `${name}@${pushed}`, pushedDigest: pushed, pushedAt: new Date(), log: sql`right(${imageBuilds.log} || ${lines.join('\n') + '\n'}, ${200 * 1024})` })
      .where(eq(imageBuilds.id, buildId))
      .returning();
    return done!;
  } catch (err) {
    const message = (err as { statusCode?: number }).statusCode ? `the Docker engine: ${engineMessage(err)}` : (err as Error).message;
    await db
      .update(imageBuilds)
      .set({ log: sql`right(${imageBuilds.log} || ${[...lines, `push failed: ${message}`].join('\n') + '\n'}, ${200 * 1024})` })
      .where(eq(imageBuilds.id, buildId));
    throw new BuildError(message);
  }
}
