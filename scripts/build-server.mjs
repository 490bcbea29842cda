// Bundles the custom server (server/main.ts) into dist/server.mjs, its gateway worker process
// (server/gateway/worker-main.ts) into dist/gateway-worker.mjs beside it, the scale-out gateway
// (server/gateway-main.ts, `npm run gateway`) into dist/gateway.mjs, and the CLI into dist/cli.mjs;
// dependencies stay in node_modules.
import { build } from 'esbuild';
import { bundleCli } from './cli-bundle.mjs';

await build({
  entryPoints: { server: 'server/main.ts', 'gateway-worker': 'server/gateway/worker-main.ts', gateway: 'server/gateway-main.ts' },
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
