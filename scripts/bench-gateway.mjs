// `npm run bench:gateway`: bundles the benchmark's processes and the reference model server, then runs it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', tsconfig: 'tsconfig.json', logLevel: 'warning', outExtension: { '.js': '.mjs' } };
await build({ ...common, entryPoints: { 'model-server': 'server/reference-model/main.ts' }, outdir: 'dist' });
await build({ ...common, entryPoints: ['test/bench/gateway.ts', 'test/bench/loadgen.ts', 'test/bench/bare-proxy.ts', 'test/bench/gateway-server.ts'], outdir: 'dist/bench' });
const res = spawnSync(process.execPath, ['dist/bench/gateway.mjs'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
process.exit(res.status ?? 1);
