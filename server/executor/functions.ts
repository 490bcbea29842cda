// Function sync: what the SDK posts to the register endpoint when its serve endpoint receives a PUT. The
// configurations are checked (cron schedules and expressions must parse), stored in executor_functions, functions
// the app no longer serves are removed, and the cron ticks are reconciled.
import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorFunctions } from '@/db/schema';
import { canonicalJson } from '@/server/lib/canonical';
import type { Logger } from '@/server/logger';
import { CronError, parseCron } from './cron';
import { reconcileCronTicks } from './cron-runs';
import { ingestEvents } from './events';
import { compileExpression, ExpressionError } from './expressions';
import { concurrencyLimits, functionConfigSchema, registerBodySchema, UNENFORCED_OPTIONS, type FunctionConfig } from './protocol';
import { transaction } from './state';

const SYNC_LOCK = 0x51_1b_e5;

export class SyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncError';
  }
}

function check(config: FunctionConfig, log: Logger): void {
  const where = `function ${config.id}`;
  const expr = (label: string, src: string | null | undefined) => {
    if (!src) return;
    try {
      compileExpression(src);
    } catch (e) {
      throw new SyncError(`${where}: ${label} "${src}" is not a valid expression (${e instanceof ExpressionError ? e.message : String(e)})`);
    }
  };
  for (const t of config.triggers) {
    if ('cron' in t) {
      try {
        parseCron(t.cron);
      } catch (e) {
        throw new SyncError(`${where}: cron "${t.cron}": ${e instanceof CronError ? e.message : String(e)}`);
      }
    } else {
      expr('trigger expression', t.expression);
    }
  }
  expr('idempotency', config.idempotency);
  for (const c of config.cancel ?? []) expr('cancelOn if', c.if);
  for (const l of concurrencyLimits(config)) expr('concurrency key', l.key);
  const unenforced = UNENFORCED_OPTIONS.filter((o) => config[o] !== undefined && config[o] !== null);
  if (unenforced.length) log.warn({ functionId: config.id, options: unenforced }, 'the embedded executor accepts but does not enforce these options; Inngest does');
}

export interface SyncResult {
  appId: string;
  functions: string[];
  removed: string[];
  modified: boolean;
}

export async function registerApp(db: Db, raw: unknown, now: Date, log: Logger): Promise<SyncResult> {
  const parsed = registerBodySchema.safeParse(raw);
  if (!parsed.success) throw new SyncError(`invalid sync payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  const body = parsed.data;
  const configs = body.functions.map((raw, i) => {
    const c = functionConfigSchema.safeParse(raw);
    if (!c.success) throw new SyncError(`functions[${i}]: ${c.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    check(c.data, log);
    // Stored as the SDK sent it; read back through the schema.
    return { id: c.data.id, name: c.data.name, raw: raw as Record<string, unknown> };
  });
  return transaction(db, async (db) => {
    // Two syncs of one app at once would race on the removal of functions.
    await db.execute(sql`select pg_advisory_xact_lock(${SYNC_LOCK})`);
    const existing = await db.select().from(executorFunctions).where(eq(executorFunctions.appId, body.appName));
    const before = new Map(existing.map((f) => [f.id, canonicalJson(f.config)]));
    let modified = false;
    for (const config of configs) {
      const row = { appId: body.appName, name: config.name ?? config.id, config: config.raw, url: body.url, syncedAt: now };
      if (before.get(config.id) !== canonicalJson(config.raw)) modified = true;
      await db
        .insert(executorFunctions)
        .values({ id: config.id, ...row })
        .onConflictDoUpdate({ target: executorFunctions.id, set: row });
    }
    const served = new Set(configs.map((c) => c.id));
    const removed = existing.filter((f) => !served.has(f.id)).map((f) => f.id);
    if (removed.length) {
      modified = true;
      await db.delete(executorFunctions).where(inArray(executorFunctions.id, removed));
    }
    const current = await db.select().from(executorFunctions).where(eq(executorFunctions.appId, body.appName));
    await ingestEvents(db, await reconcileCronTicks(db, current, removed, now, log), now);
    return { appId: body.appName, functions: [...served], removed, modified };
  });
}
