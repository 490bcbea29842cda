// Bundles the custom server (server/main.ts) into dist/server.mjs and the CLI into dist/cli.mjs; dependencies
// stay in node_modules.
import { build } from 'esbuild';
import { bundleCli } from './cli-bundle.mjs';

await build({
  entryPoints: { server: 'server/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  tsconfig: 'tsconfig.json',
});
await bundleCli(process.cwd());
