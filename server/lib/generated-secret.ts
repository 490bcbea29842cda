// Secrets generated once and kept (mode 0600) in the data folder, for settings left unset: the session secret,
// the key that encrypts stored secrets, and the embedded executor's signing key.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@/server/logger';

export interface GeneratedSecret {
  dataDir: string;
  fileName: string;
  /** The setting that overrides the file, named in the log line. */
  setting: string;
  /** Makes the stored value from 32 random bytes (base64url by default). */
  format?: (bytes: Buffer) => string;
  /** Whether a value read from the file is usable; otherwise a new one is generated. */
  valid?: (value: string) => boolean;
}

const defaults = { format: (b: Buffer) => b.toString('base64url'), valid: (v: string) => v.length >= 32 };

function logGenerated(log: Logger, file: string, s: GeneratedSecret): void {
  log.info({ file }, `generated ${s.fileName} in the data folder; set ${s.setting} when running more than one instance`);
}

export async function generatedOnce(s: GeneratedSecret, log: Logger): Promise<string> {
  const { format, valid } = { ...defaults, ...s };
  const file = path.join(s.dataDir, s.fileName);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (valid(existing)) return existing;
  } catch {
    // not there yet
  }
  await mkdir(s.dataDir, { recursive: true });
  const value = format(randomBytes(32));
  // `wx` fails if another process wrote it meanwhile; then read theirs.
  try {
    await writeFile(file, value + '\n', { mode: 0o600, flag: 'wx' });
  } catch {
    return (await readFile(file, 'utf8')).trim();
  }
  logGenerated(log, file, s);
  return value;
}

/** The same, synchronously: for module-level configuration that cannot await (the Inngest client). */
export function generatedOnceSync(s: GeneratedSecret, log: Logger): string {
  const { format, valid } = { ...defaults, ...s };
  const file = path.join(s.dataDir, s.fileName);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (valid(existing)) return existing;
  } catch {
    // not there yet
  }
  mkdirSync(s.dataDir, { recursive: true });
  const value = format(randomBytes(32));
  try {
    writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
  logGenerated(log, file, s);
  return value;
}
