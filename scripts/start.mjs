// `npm start`: builds once when there is no build yet, then runs the server in production mode.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

process.env.NODE_ENV = 'production';
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
process.chdir(root);

if (!existsSync('.next/BUILD_ID') || !existsSync('dist/server.mjs') || !existsSync('dist/gateway-worker.mjs')) {
  process.stdout.write('No build found: building Slipway first (this takes a minute or two)…\n');
  const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

await import(path.join(root, 'dist/server.mjs'));
