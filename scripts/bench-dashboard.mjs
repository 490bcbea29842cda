// `npm run bench:dashboard`: bundles the dashboard benchmark and runs it against PostgreSQL (BENCH_DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/postgres; a scratch database is made there and dropped).
// Flags: --requests N (default 10000000), --days N (30), --rounds N (3), --keep (leave the database).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);
await build({
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  tsconfig: 'tsconfig.json',
  logLevel: 'warning',
  outExtension: { '.js': '.mjs' },
  entryPoints: ['test/bench/dashboard.ts'],
  outdir: 'dist/bench',
});
const res = spawnSync(process.execPath, ['dist/bench/dashboard.mjs', ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'silent' } });
process.exit(res.status ?? 1);
