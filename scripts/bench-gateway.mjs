// `npm run bench:gateway`: builds the app when there is no build yet (as `npm start` does), bundles the
// benchmark's processes and the reference model server, then runs the benchmark (see test/bench/gateway.ts).
// It measures the build that is there: run `npm run build` first to measure changed code.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);
if (!existsSync('.next/BUILD_ID') || !existsSync('dist/server.mjs')) {
  process.stdout.write('No build found: building Slipway first (this takes a minute or two)…\n');
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
process.stdout.write(`measuring the build of ${statSync('dist/server.mjs').mtime.toISOString()}\n`);
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', tsconfig: 'tsconfig.json', logLevel: 'warning', outExtension: { '.js': '.mjs' } };
await build({ ...common, entryPoints: { 'model-server': 'server/reference-model/main.ts' }, outdir: 'dist' });
await build({ ...common, entryPoints: ['test/bench/gateway.ts', 'test/bench/loadgen.ts', 'test/bench/bare-proxy.ts'], outdir: 'dist/bench' });
const res = spawnSync(process.execPath, ['dist/bench/gateway.mjs'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
process.exit(res.status ?? 1);
