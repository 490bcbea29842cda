// Before the end-to-end tests: make sure the production build is there and newer than the sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const SOURCES = ['app', 'components', 'server', 'db', 'inngest', 'public', 'next.config.mjs', 'package.json', 'postcss.config.mjs'];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newestMtime(path.join(p, name))), st.mtimeMs);
}

export default function setup(): void {
  const built = Math.min(existsSync('.next/BUILD_ID') ? statSync('.next/BUILD_ID').mtimeMs : 0, existsSync('dist/server.mjs') ? statSync('dist/server.mjs').mtimeMs : 0);
  const sources = Math.max(...SOURCES.map(newestMtime));
  if (built > sources) return;
  process.stdout.write('[e2e] the build is missing or older than the sources: running npm run build\n');
  const res = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' } });
  if (res.status !== 0) throw new Error('npm run build failed');
}
