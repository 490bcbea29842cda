// `npm run gateway`: the gateway alone (server/gateway-main.ts), for scale-out behind a load balancer against the
// console's PostgreSQL database. Bundles the server once when there is no bundle yet (no Next.js build needed).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

process.env.NODE_ENV ??= 'production';
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);

if (!existsSync('dist/gateway.mjs') || !existsSync('dist/gateway-worker.mjs')) {
  const result = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

await import(path.join(root, 'dist/gateway.mjs'));
