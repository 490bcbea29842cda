// A base image made without pulling anything: the host's own Node.js runtime (the node binary and the shared
// libraries it loads, as `ldd` lists them), CA certificates, a passwd file with an unprivileged user and /tmp,
// imported into the engine as `slipway/node-base:<node version>`. Images that containerise a model build FROM it
// when no registry is reachable. Made once per engine and Node version; the binary's sha256 is a label on it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { engineMessage, followProgress, isNotFound } from './docker';
import { tarStream, type TarEntry } from './tar';

const run = promisify(execFile);

export const NODE_BASE_REPOSITORY = 'slipway/node-base';

/** The base image's reference for this process's Node.js version: `slipway/node-base:v20.20.2`. */
export function nodeBaseImageRef(version: string = process.version): string {
  return `${NODE_BASE_REPOSITORY}:${version}`;
}

/** The shared libraries a binary loads, absolute paths as the loader finds them (`ldd`). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  const libs = new Set<string>();
  for (const line of stdout.split('\n')) {
    const arrow = /=>\s*(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const lib = arrow?.[1] ?? bare?.[1];
    if (lib) libs.add(lib);
  }
  return [...libs];
}

const PASSWD = 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n';
const GROUP = 'root:x:0:\nnode:x:1000:\n';
const CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];

/** The root filesystem of the base image: directories first, then the runtime, its libraries and a few /etc files. */
export async function nodeBaseEntries(nodeBinary: string = process.execPath): Promise<{ entries: TarEntry[]; nodeSha256: string }> {
  const binary = realpathSync(nodeBinary);
  const nodeData = readFileSync(binary);
  const nodeSha256 = createHash('sha256').update(nodeData).digest('hex');
  const files: TarEntry[] = [{ path: 'usr/local/bin/node', data: nodeData, mode: 0o755 }];
  for (const lib of await sharedLibraries(binary)) {
    // Stored under the path the loader asks for, with the contents of the file it resolves to.
    files.push({ path: lib.replace(/^\/+/, ''), data: readFileSync(realpathSync(lib)), mode: 0o755 });
  }
  const ca = CA_BUNDLES.find((p) => existsSync(p));
  if (ca) files.push({ path: 'etc/ssl/certs/ca-certificates.crt', data: readFileSync(ca) });
  files.push({ path: 'etc/passwd', data: Buffer.from(PASSWD) }, { path: 'etc/group', data: Buffer.from(GROUP) });
  files.push({ path: 'etc/nsswitch.conf', data: Buffer.from('hosts: files dns\n') });
  files.push({ path: 'etc/hosts', data: Buffer.from('127.0.0.1 localhost\n::1 localhost\n') });

  const dirs = new Set<string>(['tmp', 'app', 'home/node', 'root']);
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const dirEntries: TarEntry[] = [...dirs].sort().map((path) => ({ path, type: 'directory' as const, mode: path === 'tmp' ? 0o1777 : 0o755 }));
  return { entries: [...dirEntries, ...files.sort((a, b) => a.path.localeCompare(b.path))], nodeSha256 };
}

export interface BaseImage {
  ref: string;
  id: string;
  nodeSha256: string;
  created: boolean;
}

/**
 * Makes sure the engine has the base image for this Node.js runtime: returns it when it is there with the same
 * binary, else imports it (`docker import` of the root filesystem).
 */
export async function ensureNodeBaseImage(client: Docker, options: { nodeBinary?: string; log?: (line: string) => void } = {}): Promise<BaseImage> {
  const ref = nodeBaseImageRef();
  const binary = realpathSync(/*turbopackIgnore: true*/ options.nodeBinary ?? process.execPath);
  const nodeSha256 = createHash('sha256').update(readFileSync(binary)).digest('hex');
  try {
    const info = await client.getImage(ref).inspect();
    if (info.Config?.Labels?.['org.slipway.node.sha256'] === nodeSha256) return { ref, id: info.Id, nodeSha256, created: false };
  } catch (err) {
    if (!isNotFound(err)) throw new Error(`could not inspect ${ref}: ${engineMessage(err)}`);
  }
  options.log?.(`importing ${ref} from ${binary}`);
  const { entries } = await nodeBaseEntries(binary);
  const [repo, tag] = [NODE_BASE_REPOSITORY, process.version];
  // POST /images/create?fromSrc=- with the archive as the body; `changes` sets the image's config.
  const stream = (await client.importImage(tarStream(entries), {
    repo,
    tag,
    changes: [
      `LABEL org.slipway.node.sha256=${nodeSha256} org.slipway.node.version=${process.version} org.opencontainers.image.title=slipway-node-base`,
      'ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production',
      'WORKDIR /app',
      'ENTRYPOINT ["/usr/local/bin/node"]',
    ],
  } as Record<string, unknown>)) as NodeJS.ReadableStream;
  const messages = await followProgress(stream, () => {});
  const failure = messages.find((m) => m.error);
  if (failure) throw new Error(`importing ${ref} failed: ${failure.errorDetail?.message ?? failure.error}`);
  const info = await client.getImage(ref).inspect();
  options.log?.(`imported ${ref} (${info.Id})`);
  return { ref, id: info.Id, nodeSha256, created: true };
}
