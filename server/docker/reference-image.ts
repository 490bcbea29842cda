// The reference model server packaged as a container: a build context (Dockerfile, the server bundled into one
// file, its models.yaml) on the base image made from the host's Node.js. The demo and the tests register it as a
// container model version; it listens on every interface, on port 8000 unless its command (`--port <n>`) says
// otherwise — the Docker deploy target gives each replica its own port through `{port}` in the command.
import { createHash } from 'node:crypto';
import { nodeBaseImageRef } from './base-image';
import type { TarEntry } from './tar';

export interface ReferenceModelFiles {
  /** The reference model server bundled with its dependencies (`dist/reference-model.mjs`). */
  bundle: Buffer;
  /** Its models.yaml. */
  modelsYaml: Buffer;
}

/** The Dockerfile: FROM the base image, the two files, an unprivileged user, port 8000 by default. */
export function referenceModelDockerfile(baseRef: string = nodeBaseImageRef()): string {
  return [
    `FROM ${baseRef}`,
    'COPY reference-model.mjs models.yaml /app/',
    'USER 1000:1000',
    'EXPOSE 8000',
    'ENTRYPOINT ["/usr/local/bin/node", "/app/reference-model.mjs", "--host", "0.0.0.0", "--config", "/app/models.yaml"]',
    'CMD ["--port", "8000"]',
    '',
  ].join('\n');
}

/** The build context as tar entries, and the sha256 of each file so a model version can pin them. */
export function referenceModelContext(files: ReferenceModelFiles, baseRef?: string): { entries: TarEntry[]; sha256: Record<string, string> } {
  const dockerfile = Buffer.from(referenceModelDockerfile(baseRef));
  const entries: TarEntry[] = [
    { path: 'Dockerfile', data: dockerfile },
    { path: 'models.yaml', data: files.modelsYaml },
    { path: 'reference-model.mjs', data: files.bundle },
  ];
  const sha256: Record<string, string> = {};
  for (const e of entries) sha256[e.path] = createHash('sha256').update(e.data!).digest('hex');
  return { entries, sha256 };
}
