// What the gateway needs from the database, behind one small interface: the routing snapshot and word of its
// changes, a pinned release's target, whether a request was answered here, and feedback rows. The main process
// (and every gateway that owns a database connection) reads the database directly; a gateway worker asks its
// main process by message (server/gateway/worker-data.ts), so an embedded database never runs where requests
// are served.
import { and, eq } from 'drizzle-orm';
import pg from 'pg';
import type { Db } from '@/db/client';
import { environments, feedback as feedbackTable, releases, requestLogs, services } from '@/db/schema';
import { GATEWAY_CHANNEL } from '@/server/lib/gateway-channel';
import { logger } from '@/server/logger';
import { loadSnapshot, loadTargets, snapshotSignature, type Snapshot, type Target } from './snapshot';

export interface FeedbackRow {
  requestId: string;
  serviceId: string;
  environment: string;
  score: number;
  comment: string | null;
  keyId: string;
}

export interface GatewayData {
  /** The routing snapshot: loaded anew with `force`, else only when the database changed since `current` (null: unchanged). */
  snapshot(current: Snapshot | null, force: boolean): Promise<Snapshot | null>;
  /**
   * Calls `onChange` on every change notification; a source that pushes whole snapshots passes the new one. Null when
   * this source has no notifications (then the gateway polls).
   */
  watch(onChange: (pushed?: Snapshot) => void): Promise<(() => Promise<void>) | null>;
  /** A release's target by number, for requests that pin a release not in the routing table; null when there is none. */
  /** A release pinned by a request in an environment (a container release: its replicas there, if any run). */
  pinnedTarget(serviceId: string, releaseNumber: number, environment: string): Promise<Target | null>;
  /** Whether telemetry holds `requestId` for this service and environment. */
  requestLogged(requestId: string, serviceId: string, environment: string): Promise<boolean>;
  insertFeedback(row: FeedbackRow): Promise<void>;
}

export interface DirectDataOptions {
  /** PostgreSQL URL for LISTEN/NOTIFY. */
  databaseUrl?: string;
  /** Embedded database: its in-process notifications, delivered on commit. */
  listen?: (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;
}

/** The gateway's data read from the database it is given. */
export function directData(db: Db, opts: DirectDataOptions = {}): GatewayData {
  const log = logger.child({ part: 'gateway' });
  return {
    async snapshot(current, force) {
      if (!force && current && (await snapshotSignature(db)) === current.signature) return null;
      return loadSnapshot(db);
    },
    async watch(onChange) {
      if (opts.databaseUrl) {
        const client = new pg.Client({ connectionString: opts.databaseUrl });
        client.on('error', (err) => log.warn({ err }, 'gateway LISTEN connection failed; polling continues'));
        client.on('notification', () => onChange());
        await client.connect();
        await client.query(`LISTEN ${GATEWAY_CHANNEL}`);
        return async () => void (await client.end().catch(() => undefined));
      }
      if (opts.listen) return opts.listen(GATEWAY_CHANNEL, () => onChange());
      return null;
    },
    async pinnedTarget(serviceId, number, environment) {
      const [service] = await db.select().from(services).where(eq(services.id, serviceId));
      const [release] = await db
        .select({ id: releases.id })
        .from(releases)
        .where(and(eq(releases.serviceId, serviceId), eq(releases.number, number)));
      if (!service || !release) return null;
      const [env] = await db.select({ id: environments.id }).from(environments).where(and(eq(environments.serviceId, serviceId), eq(environments.name, environment)));
      return (await loadTargets(db, service, [release.id], env?.id)).get(release.id) ?? null;
    },
    async requestLogged(requestId, serviceId, environment) {
      const rows = await db
        .select({ id: requestLogs.requestId })
        .from(requestLogs)
        .where(and(eq(requestLogs.requestId, requestId), eq(requestLogs.serviceId, serviceId), eq(requestLogs.environment, environment)))
        .limit(1);
      return rows.length > 0;
    },
    async insertFeedback(row) {
      await db.insert(feedbackTable).values(row);
    },
  };
}
