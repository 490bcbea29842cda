// The embedded executor: runs the app's Inngest functions on one machine without an Inngest server.
import type { Db, DbKind } from '@/db/client';
import type { Env } from '@/server/env';
import { Executor } from './executor';
import { embeddedSettings } from './settings';

export { defaultRetryDelay, Executor, type ExecutorOptions } from './executor';
export { executorHandler, isExecutorRequest } from './http';
export { embeddedSettings, EXECUTOR_PATH, jobsEngine, SERVE_PATH, type EmbeddedSettings } from './settings';

/** The app's executor: keys and URLs from the settings, leases released at start when the database is embedded. */
export function embeddedExecutor(db: Db, dbKind: DbKind, e: Env): Executor {
  const s = embeddedSettings(e);
  return new Executor({ db, serveUrl: s.serveUrl, signingKey: s.signingKey, signingKeyFallback: s.signingKeyFallback, eventKey: s.eventKey, soleWorker: dbKind === 'embedded' });
}
