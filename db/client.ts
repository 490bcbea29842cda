// Opens the database: PostgreSQL through `pg` when a URL is given, otherwise embedded PGlite
// in a folder (or in memory for tests), and applies the committed migrations.
import path from 'node:path';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type DbKind = 'postgres' | 'embedded';

export interface Database {
  db: Db;
  kind: DbKind;
  close(): Promise<void>;
  /**
   * Embedded only: calls `onNotify` for each `pg_notify(channel, …)` committed in this process (PGlite delivers
   * them in-process); returns the unsubscribe function. PostgreSQL users LISTEN on a connection of their own.
   */
  listen?(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}

/** Loads CSV rows into a table's listed columns with COPY (NULL is an unquoted empty field). */
export type CsvLoader = (table: string, columns: string[], csv: string) => Promise<void>;
const csvLoaders = new WeakMap<Db, CsvLoader>();

/**
 * The embedded database's bulk loader, or null on PostgreSQL: PGlite reads COPY data from an in-memory file, so a
 * batch costs no statement parameter to encode (bulk writers such as the telemetry writer use it when there).
 */
export function csvLoaderOf(db: Db): CsvLoader | null {
  return csvLoaders.get(db) ?? null;
}

/**
 * Whether `db` is the embedded database: one connection in this process, so statements never overlap (a write is
 * either wholly before or wholly after any read).
 */
export function isEmbedded(db: Db): boolean {
  return csvLoaders.has(db);
}

export type DatabaseTarget = { kind: 'postgres'; url: string; poolSize?: number } | { kind: 'embedded'; dataDir?: string };

const MIGRATION_LOCK = 0x51_1b_a7;
/** The embedded database's shared buffers (PostgreSQL's default is 128MB). */
const EMBEDDED_SHARED_BUFFERS = '16MB';
export const MIGRATIONS_DIR = path.join(process.cwd(), 'db', 'migrations');

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
    // An idle client that errors (server restart) must not take the process down; the pool replaces it.
    pool.on('error', () => undefined);
    const db = drizzlePg(pool, { schema });
    // Several app processes may start at once against one database: one migrates, the others wait.
    const lock = await pool.connect();
    try {
      await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migratePg(db, { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      lock.release();
    }
    return { db: db as unknown as Db, kind: 'postgres', close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  // Shared buffers of 16 MB instead of PostgreSQL's 128 MB: the embedded database's pages are in the app's own
  // memory, and an app's working set fits; this alone takes ~110 MB off the app's resident memory.
  const options = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`] };
  const client = target.dataDir ? new PGlite(target.dataDir, options) : new PGlite(options);
  await client.waitReady;
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  csvLoaders.set(db as unknown as Db, async (table, columns, csv) => {
    await client.query(`copy ${table} (${columns.map((c) => `"${c}"`).join(', ')}) from '/dev/blob' with (format csv)`, [], { blob: new Blob([csv]) });
  });
  return {
    db: db as unknown as Db,
    kind: 'embedded',
    close: () => client.close(),
    listen: (channel, onNotify) => client.listen(channel, () => onNotify()),
  };
}
