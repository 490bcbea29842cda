// The running build's version, read from package.json so releases of Slipway itself are traceable.
import { readFileSync } from 'node:fs';
import path from 'node:path';

let version: string | undefined;

export function appVersion(): string {
  if (version) return version;
  try {
    version = (JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    version = 'unknown';
  }
  return version;
}
