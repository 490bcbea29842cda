// The process-wide runtime: settings, the open database and the session secret. The custom server creates
// it before Next.js starts; Next's bundled route code reaches the same instance through a global, because
// PGlite allows only one open handle on its data folder per process.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openDatabase, type Database } from '@/db/client';
import { ensureFirstAdmin, resolveAuthSecret, resolveSecretKey, syncBootstrapToken } from './bootstrap';
import { env, type Env } from './env';
import { logger } from './logger';
import { setSecretKey } from './secrets/crypto';
import { hasAnyService, seedDemo } from './seed';

export interface Runtime {
  env: Env;
  database: Database;
  authSecret: string;
  startedAt: Date;
}

const KEY = Symbol.for('slipway.runtime');
type Holder = { [KEY]?: Promise<Runtime> };
const holder = globalThis as Holder;

async function init(): Promise<Runtime> {
  const e = env();
  const log = logger.child({ part: 'runtime' });
  const database = e.DATABASE_URL
    ? await openDatabase({ kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE })
    : await (async () => {
        await mkdir(e.SLIPWAY_DATA_DIR, { recursive: true });
        return openDatabase({ kind: 'embedded', dataDir: path.join(e.SLIPWAY_DATA_DIR, 'pglite') });
      })();
  log.info({ database: database.kind, dataDir: database.kind === 'embedded' ? e.SLIPWAY_DATA_DIR : undefined }, 'database ready');
  await ensureFirstAdmin(database.db, e, log);
  await syncBootstrapToken(database.db, e.SLIPWAY_BOOTSTRAP_TOKEN);
  const authSecret = await resolveAuthSecret(e, log);
  setSecretKey(await resolveSecretKey(e, log));
  const demo = e.SLIPWAY_DEMO === 'on' || (e.SLIPWAY_DEMO === 'auto' && database.kind === 'embedded');
  if (demo && !(await hasAnyService(database.db))) {
    await seedDemo(database.db, { modelServerPort: e.SLIPWAY_MODEL_SERVER_PORT });
    log.info('seeded the demo service support-bot (SLIPWAY_DEMO=off to start empty)');
  }
  return { env: e, database, authSecret, startedAt: new Date() };
}

export function getRuntime(): Promise<Runtime> {
  holder[KEY] ??= init().catch((err: unknown) => {
    delete holder[KEY];
    throw err;
  });
  return holder[KEY];
}

export async function closeRuntime(): Promise<void> {
  const current = holder[KEY];
  if (!current) return;
  delete holder[KEY];
  const rt = await current.catch(() => undefined);
  await rt?.database.close();
}
