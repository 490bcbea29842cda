// `npm run seed`: bundles the seed entry point and runs it against the configured database.
import { build } from 'esbuild';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);
await build({ entryPoints: ['server/seed-main.ts'], outfile: 'dist/seed.mjs', bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', tsconfig: 'tsconfig.json', logLevel: 'warning' });
await import(path.join(root, 'dist/seed.mjs'));
