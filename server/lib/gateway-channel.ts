// How the gateway hears of changes: a notification on one channel, sent in the transaction that changed routing,
// keys, secrets or settings, and delivered on commit (LISTEN on PostgreSQL, in-process on PGlite).
import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';

export const GATEWAY_CHANNEL = 'slipway_gateway';

/** Tells every gateway that routing, keys or settings changed; delivered when the caller's transaction commits. */
export async function notifyGateway(ctx: { db: Db }): Promise<void> {
  await ctx.db.execute(sql`select pg_notify(${GATEWAY_CHANNEL}, '')`);
}
