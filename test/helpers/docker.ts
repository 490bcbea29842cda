// Docker for tests: the real engine (DOCKER_HOST, else the local socket) and a local registry. In CI both run
// (`.ci/docker.sh`); elsewhere, suites that need them skip with the reason unless CI is set, where a missing
// engine fails the run instead of hiding the tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type Docker from 'dockerode';
import { docker, dockerAvailable, followProgress } from '@/server/docker/docker';
import { ensureNodeBaseImage } from '@/server/docker/base-image';
import { referenceModelContext, type ReferenceModelFiles } from '@/server/docker/reference-image';
import { tarStream } from '@/server/docker/tar';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** The local registry the tests push to (`.ci/docker.sh` starts it without auth). */
export const TEST_REGISTRY = process.env.SLIPWAY_TEST_REGISTRY ?? '127.0.0.1:5000';

/** Whether the engine answers; in CI a missing engine is an error, not a skip. */
export async function dockerForTests(): Promise<boolean> {
  const ok = await dockerAvailable();
  if (!ok && process.env.CI) throw new Error('CI=true but no Docker engine answers: .ci/docker.sh starts dockerd');
  return ok;
}

let files: Promise<ReferenceModelFiles> | null = null;

/** The reference model server bundled into one file, as `npm run build` makes dist/reference-model.mjs. */
export function referenceModelFiles(): Promise<ReferenceModelFiles> {
  files ??= build({
    entryPoints: [path.join(root, 'server/reference-model/main.ts')],
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    tsconfig: path.join(root, 'tsconfig.json'),
    banner: { js: "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);" },
  }).then((out) => ({ bundle: Buffer.from(out.outputFiles[0]!.contents), modelsYaml: readFileSync(path.join(root, 'server/reference-model/models.yaml')) }));
  return files;
}

/** Builds (once per engine) the reference model server's image and returns its id; tagged `tag`. */
export async function referenceModelImage(tag = 'slipway-test/reference-model:latest', client: Docker = docker()): Promise<string> {
  const base = await ensureNodeBaseImage(client);
  const { entries } = referenceModelContext(await referenceModelFiles(), base.ref);
  const stream = await client.buildImage(tarStream(entries), { t: tag, rm: true, forcerm: true });
  const messages = await followProgress(stream, () => {});
  const failure = messages.find((m) => m.error);
  if (failure) throw new Error(`building ${tag} failed: ${failure.errorDetail?.message ?? failure.error}`);
  return (await client.getImage(tag).inspect()).Id;
}
