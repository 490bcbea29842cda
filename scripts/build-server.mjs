// Bundles the custom server (server/main.ts) into dist/server.mjs, its gateway worker process
// (server/gateway/worker-main.ts) into dist/gateway-worker.mjs beside it, the scale-out gateway
// (server/gateway-main.ts, `npm run gateway`) into dist/gateway.mjs, and the CLI into dist/cli.mjs;
// dependencies stay in node_modules — except in dist/reference-model.mjs, the reference model server whole, which
// its container image carries.
import { build } from 'esbuild';
import { bundleCli } from './cli-bundle.mjs';

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', tsconfig: 'tsconfig.json', outdir: 'dist', outExtension: { '.js': '.mjs' } };

await build({
  ...common,
  entryPoints: { server: 'server/main.ts', 'gateway-worker': 'server/gateway/worker-main.ts', gateway: 'server/gateway-main.ts' },
  packages: 'external',
  sourcemap: true,
});
// The reference model server with its dependencies in one file, for its container image (server/docker).
await build({
  ...common,
  entryPoints: { 'reference-model': 'server/reference-model/main.ts' },
  banner: { js: "import { createRequire as __slipwayRequire } from 'node:module'; const require = __slipwayRequire(import.meta.url);" },
});
await bundleCli(process.cwd());
