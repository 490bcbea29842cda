// Bundles the CLI (server/cli/main.ts) into dist/cli.mjs and tells whether that bundle is older than its sources.
// Shared by scripts/build-server.mjs (the app build) and scripts/slipway.mjs (the `slipway` command).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const OUT = 'dist/cli.mjs';
// The bundle's own inputs, written at build time, so the staleness check looks at exactly what was bundled.
const INPUTS = 'dist/cli.inputs.json';

export async function bundleCli(root, { logLevel = 'warning' } = {}) {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(root, 'server/cli/main.ts')],
    outfile: path.join(root, OUT),
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    tsconfig: path.join(root, 'tsconfig.json'),
    metafile: true,
    write: false,
    logLevel,
  });
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  // Write then rename, so a `slipway` started meanwhile never loads half a file.
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules'));
  writeFileSync(path.join(root, INPUTS), JSON.stringify([...inputs, 'tsconfig.json', 'package.json'], null, 1) + '\n');
}

export function cliIsStale(root) {
  const out = path.join(root, OUT);
  const list = path.join(root, INPUTS);
  if (!existsSync(out) || !existsSync(list)) return true;
  const built = statSync(out).mtimeMs;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(list, 'utf8'));
  } catch {
    return true;
  }
  return inputs.some((p) => {
    const file = path.join(root, p);
    return !existsSync(file) || statSync(file).mtimeMs > built;
  });
}
