// A small POSIX ustar writer: build contexts and base-image root filesystems are handed to the engine as tar
// streams. Entries are written in the order given, with fixed owner, group and time so the same files give the
// same bytes (reproducible contexts).
import { Readable } from 'node:stream';

export interface TarEntry {
  /** Path inside the archive, relative, '/'-separated; directories end without a slash. */
  path: string;
  type?: 'file' | 'directory' | 'symlink';
  /** File contents (files only). */
  data?: Buffer;
  /** Symlink target (symlinks only). */
  linkTarget?: string;
  /** Octal permission bits; default 0o644 for files, 0o755 for directories and symlinks. */
  mode?: number;
}

/** Fixed modification time of every entry (2000-01-01), so archives do not depend on when they were made. */
export const TAR_MTIME = 946_684_800;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  // ustar: a name up to 100 bytes and a prefix up to 155, split at a '/'.
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(name) <= 100 && Buffer.byteLength(prefix) <= 155) return { name, prefix };
  }
  throw new Error(`path too long for a tar archive: ${path.slice(0, 80)}…`);
}

function header(entry: TarEntry, size: number): Buffer {
  const type = entry.type ?? 'file';
  const block = Buffer.alloc(512, 0);
  const { name, prefix } = splitName(type === 'directory' ? `${entry.path}/` : entry.path);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(entry.mode ?? (type === 'file' ? 0o644 : 0o755), 8), 100, 8, 'ascii');
  block.write(octal(0, 8), 108, 8, 'ascii');
  block.write(octal(0, 8), 116, 8, 'ascii');
  block.write(octal(size, 12), 124, 12, 'ascii');
  block.write(octal(TAR_MTIME, 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii');
  block.write(type === 'file' ? '0' : type === 'directory' ? '5' : '2', 156, 1, 'ascii');
  if (entry.linkTarget) block.write(entry.linkTarget, 157, 100, 'utf8');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write('root', 265, 32, 'ascii');
  block.write('root', 297, 32, 'ascii');
  if (prefix) block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return block;
}

/** The archive's blocks for the entries, each with its padding, and the two zero blocks that end it. */
export function* tarBlocks(entries: Iterable<TarEntry>): Generator<Buffer> {
  for (const entry of entries) {
    const data = entry.type === 'file' || entry.type === undefined ? (entry.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    yield header(entry, data.length);
    if (data.length > 0) {
      yield data;
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) yield Buffer.alloc(pad, 0);
    }
  }
  yield Buffer.alloc(1024, 0);
}

/** A readable stream of the archive (for dockerode's build and import). */
export function tarStream(entries: Iterable<TarEntry>): Readable {
  return Readable.from(tarBlocks(entries));
}

/** The whole archive in memory (small contexts, tests). */
export function tarBuffer(entries: Iterable<TarEntry>): Buffer {
  return Buffer.concat([...tarBlocks(entries)]);
}
