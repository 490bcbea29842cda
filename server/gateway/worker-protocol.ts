// The messages between the main process and its gateway worker processes (child_process IPC with the 'advanced'
// serialization, so snapshots keep their Maps and telemetry rows their Dates). The public port's socket travels
// beside `listen`; a connection a worker hands to the main process travels beside a `connection` message.
import type { RequestLog } from '@/db/schema';
import type { FeedbackRow } from './data';
import type { Snapshot, Target } from './snapshot';

/** What a worker asks of the main process's database. */
export type DataCall =
  | { op: 'pinnedTarget'; serviceId: string; releaseNumber: number; environment: string }
  | { op: 'requestLogged'; requestId: string; serviceId: string; environment: string }
  | { op: 'insertFeedback'; row: FeedbackRow };

export type DataReply = Target | boolean | null | undefined;

export type ToWorker =
  | {
      t: 'init';
      /** The app's secret key (base64url), for smoke tokens' signatures. */
      secretKey: string;
      snapshot: Snapshot | null;
      /** The main process's loopback listener, where a worker sends the non-gateway requests of its connections. */
      internal: { port: number; token: string };
      /** The app's CPU priority before it lowered its own (priority.ts): a replacement worker takes it back. */
      priority: number;
    }
  | { t: 'snapshot'; snapshot: Snapshot }
  /** Sent with the public port's bound socket as its handle: the worker listens on it from now on. */
  | { t: 'listen' }
  | { t: 'reply'; id: number; ok: true; value: DataReply }
  | { t: 'reply'; id: number; ok: false; error: string }
  /** Stop taking requests, answer those in flight (for at most graceMs), hand over the telemetry, then exit. */
  | { t: 'drain'; graceMs: number };

export type FromWorker =
  /** Started; `port` is its loopback listener for the gateway requests the main process passes it. */
  | { t: 'ready'; port: number }
  | { t: 'telemetry'; rows: RequestLog[] }
  /** A connection that opened with a request not for the gateway (its socket beside the message), with the bytes read. */
  | { t: 'connection'; head: Uint8Array }
  | { t: 'call'; id: number; call: DataCall }
  | { t: 'refused'; counts: [string, number][] }
  | { t: 'drained'; complete: boolean };

/** The header a worker adds to the requests it passes to the main process: `<token> <client address>`. */
export const PEER_HEADER = 'x-slipway-gateway-peer';
