#!/usr/bin/env node
// The `slipway` command: runs dist/cli.mjs, bundling it first when it is missing or older than its sources.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleCli, cliIsStale } from './cli-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist/cli.mjs');

if (cliIsStale(root)) {
  try {
    await bundleCli(root, { logLevel: 'silent' });
  } catch (err) {
    // Without esbuild (a production install) an existing bundle is still better than none.
    const withoutEsbuild = err?.code === 'ERR_MODULE_NOT_FOUND';
    if (!withoutEsbuild || !existsSync(bundle)) {
      const first = err?.errors?.[0];
      const detail = first ? `${first.location ? `${first.location.file}:${first.location.line}: ` : ''}${first.text}` : String(err?.message ?? err).split('\n')[0];
      process.stderr.write(`error: cannot build the slipway CLI: ${detail}${withoutEsbuild ? ' (run npm install)' : ''}\n`);
      process.exit(1);
    }
  }
}
await import(pathToFileURL(bundle).href);
