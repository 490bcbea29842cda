// The gateway's data in a worker process: snapshots arrive by message from the main process, and the few queries
// a request needs (a pinned release, a request id for feedback, the feedback row) are asked of the main process,
// which owns the database. Nothing here opens a database connection.
import type { GatewayData } from './data';
import type { Snapshot, Target } from './snapshot';
import type { DataCall, DataReply, FromWorker } from './worker-protocol';

/** How long a worker waits for the main process to answer a query before the request fails. */
const CALL_TIMEOUT_MS = 30_000;

export interface WorkerData extends GatewayData {
  /** A snapshot sent by the main process. */
  push(snapshot: Snapshot): void;
  /** An answer from the main process. */
  reply(id: number, ok: boolean, value: DataReply | string): void;
}

export function workerData(send: (message: FromWorker) => void, initial: Snapshot | null): WorkerData {
  let latest = initial;
  let onChange: ((pushed?: Snapshot) => void) | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: DataReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  const call = <T extends DataReply>(c: DataCall): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the main process did not answer ${c.op} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      pending.set(id, { resolve: resolve as (v: DataReply) => void, reject, timer });
      send({ t: 'call', id, call: c });
    });

  return {
    // The main process sends every change, so there is never a signature to compare: the latest push is current.
    async snapshot(current, force) {
      return force || latest !== current ? latest : null;
    },
    async watch(fn) {
      onChange = fn;
      return async () => void (onChange = null);
    },
    pinnedTarget: (serviceId, releaseNumber, environment) => call<Target | null>({ op: 'pinnedTarget', serviceId, releaseNumber, environment }),
    requestLogged: (requestId, serviceId, environment) => call<boolean>({ op: 'requestLogged', requestId, serviceId, environment }),
    insertFeedback: async (row) => void (await call<undefined>({ op: 'insertFeedback', row })),
    push(snapshot) {
      latest = snapshot;
      onChange?.(snapshot);
    },
    reply(id, ok, value) {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      clearTimeout(p.timer);
      if (ok) p.resolve(value as DataReply);
      else p.reject(new Error(String(value)));
    },
  };
}
