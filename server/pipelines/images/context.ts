// A build context from a checkout: the context directory's files in a fixed order, and the version's artifacts
// and tokenizer, each fetched (http(s) under the outbound policy, or a path in the repository) and checked against
// its sha256 before it is placed in the context. Nothing unverified enters an image.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact, TokenizerRef, VerifiedArtifact } from '@/db/schema';
import { fetchFailure, outboundFetch } from '@/server/outbound/connect';
import type { TarEntry } from '@/server/docker/tar';

/** A build context is held in memory while it is sent: at most this much, files and artifacts together. */
export const MAX_CONTEXT_BYTES = 2 * 1024 * 1024 * 1024;

/** A build that cannot go on; the message names the file or setting. */
export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The files under `dir` (the context inside the checkout) as tar entries: directories, files and links, sorted. */
export async function readContextDir(checkout: string, contextPath: string): Promise<{ entries: TarEntry[]; bytes: number }> {
  const root = path.resolve(checkout, contextPath);
  const realRoot = await realpath(root).catch(() => {
    throw new BuildError(`container.build.context: ${contextPath} does not exist at this commit`);
  });
  if (!inside(await realpath(checkout), realRoot)) throw new BuildError(`container.build.context: ${contextPath} lies outside the repository`);
  if (!(await lstat(realRoot)).isDirectory()) throw new BuildError(`container.build.context: ${contextPath} is not a directory`);
  const entries: TarEntry[] = [];
  let bytes = 0;
  const walk = async (dir: string, rel: string) => {
    for (const name of (await readdir(dir)).sort()) {
      if (rel === '' && name === '.git') continue;
      const full = path.join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const st = await lstat(full);
      if (st.isSymbolicLink()) {
        const target = await readlink(full);
        // A link may point only inside the context: what it names must be in the image's source.
        if (!inside(realRoot, path.resolve(dir, target))) throw new BuildError(`${contextPath}/${relPath} is a link to ${target}, outside the build context`);
        entries.push({ path: relPath, type: 'symlink', linkTarget: target });
      } else if (st.isDirectory()) {
        entries.push({ path: relPath, type: 'directory' });
        await walk(full, relPath);
      } else if (st.isFile()) {
        bytes += st.size;
        if (bytes > MAX_CONTEXT_BYTES) throw new BuildError(`the build context ${contextPath} is larger than ${MAX_CONTEXT_BYTES / 1024 ** 3} GiB`);
        entries.push({ path: relPath, data: await readFile(full), mode: st.mode & 0o111 ? 0o755 : 0o644 });
      }
    }
  };
  await walk(realRoot, '');
  return { entries, bytes };
}

export interface PinnedFile {
  /** `artifacts.0` or `tokenizer`: the field, for messages. */
  field: string;
  uri: string;
  sha256: string;
  path: string;
  /** Declared size; 0 when not known. */
  sizeBytes: number;
}

/** The version's artifacts and tokenizer as files to place, in the order declared. */
export function pinnedFiles(artifacts: Artifact[], tokenizer: TokenizerRef | null): PinnedFile[] {
  const out: PinnedFile[] = artifacts.map((a, i) => ({ field: `artifacts.${i}`, uri: a.uri, sha256: a.sha256, path: a.path ?? '', sizeBytes: a.sizeBytes }));
  if (tokenizer) out.push({ field: 'tokenizer', uri: tokenizer.uri, sha256: tokenizer.sha256, path: tokenizer.path ?? '', sizeBytes: 0 });
  return out;
}

async function download(file: PinnedFile, limit: number, signal?: AbortSignal): Promise<Buffer> {
  let res;
  try {
    res = await outboundFetch(file.uri, { headers: { 'user-agent': 'slipway-image-build' }, signal });
  } catch (err) {
    throw new BuildError(`${file.field} (${file.path}): could not fetch ${file.uri}: ${fetchFailure(err)}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new BuildError(`${file.field} (${file.path}): ${file.uri} answered ${res.status}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).length;
    if (size > limit) {
      await res.body?.cancel().catch(() => undefined);
      throw new BuildError(`${file.field} (${file.path}): ${file.uri} sent more than ${file.sizeBytes > 0 ? `its declared ${file.sizeBytes} bytes` : `${limit} bytes`}`);
    }
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

async function fromRepository(file: PinnedFile, checkout: string): Promise<Buffer> {
  const rel = file.uri.slice('repo:'.length);
  const full = path.resolve(checkout, rel);
  const real = await realpath(full).catch(() => {
    throw new BuildError(`${file.field} (${file.path}): ${rel} does not exist in the repository at this commit`);
  });
  if (!inside(await realpath(checkout), real)) throw new BuildError(`${file.field} (${file.path}): ${rel} lies outside the repository`);
  if (!(await lstat(real)).isFile()) throw new BuildError(`${file.field} (${file.path}): ${rel} is not a file`);
  return readFile(real);
}

/**
 * Fetches each pinned file and checks its sha256 before anything is placed; a mismatch fails naming the file, the
 * expected and the actual digest. Returns the entries to add to the context and what was verified.
 */
export async function fetchVerified(
  files: PinnedFile[],
  checkout: string,
  budget: number,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<{ entries: TarEntry[]; verified: VerifiedArtifact[] }> {
  const entries: TarEntry[] = [];
  const verified: VerifiedArtifact[] = [];
  let left = budget;
  for (const file of files) {
    log(`fetching ${file.path} from ${file.uri}`);
    const limit = Math.min(left, file.sizeBytes > 0 ? file.sizeBytes : left);
    const data = file.uri.startsWith('repo:') ? await fromRepository(file, checkout) : await download(file, limit, signal);
    if (data.length > left) throw new BuildError(`${file.field} (${file.path}): the build context would be larger than ${MAX_CONTEXT_BYTES / 1024 ** 3} GiB`);
    left -= data.length;
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== file.sha256) {
      throw new BuildError(`${file.field} (${file.path}): sha256 mismatch for ${file.uri}: expected ${file.sha256}, got ${actual}; nothing was built`);
    }
    if (file.sizeBytes > 0 && data.length !== file.sizeBytes) throw new BuildError(`${file.field} (${file.path}): ${data.length} bytes, but sizeBytes says ${file.sizeBytes}`);
    log(`verified ${file.path}: sha256 ${actual} (${data.length} bytes)`);
    entries.push({ path: file.path, data });
    verified.push({ uri: file.uri, path: file.path, sha256: actual, sizeBytes: data.length });
  }
  return { entries, verified };
}

/** Context files and pinned files in one sorted list, every parent directory present once. */
export function assembleContext(contextEntries: TarEntry[], pinned: TarEntry[], dockerfile: string): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of contextEntries) byPath.set(e.path, e);
  for (const p of pinned) {
    const existing = byPath.get(p.path);
    if (existing) throw new BuildError(`${p.path} is both in the build context and the path of a pinned artifact; remove it from the repository or choose another path`);
    const parts = p.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const at = byPath.get(dir);
      if (at && at.type !== 'directory') throw new BuildError(`${p.path}: ${dir} is a file in the build context, not a directory`);
      if (!at) byPath.set(dir, { path: dir, type: 'directory' });
    }
    byPath.set(p.path, p);
  }
  const df = byPath.get(dockerfile);
  if (!df || (df.type ?? 'file') !== 'file') throw new BuildError(`container.build.dockerfile: ${dockerfile} is not a file in the build context`);
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The images a Dockerfile starts FROM, without its own stages and `scratch`. */
export function fromImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(raw);
    if (!m) continue;
    const image = m[1]!;
    if (image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase())) images.push(image);
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return images;
}
