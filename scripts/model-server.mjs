// `npm run model-server`: bundles the reference model server's entry point and runs it (flags pass through).
import { build } from 'esbuild';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);
await build({ entryPoints: ['server/reference-model/main.ts'], outfile: 'dist/model-server.mjs', bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', tsconfig: 'tsconfig.json', logLevel: 'warning' });
await import(path.join(root, 'dist/model-server.mjs'));
