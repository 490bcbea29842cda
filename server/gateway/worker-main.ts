// A gateway worker process (bundled as dist/gateway-worker.mjs): accepts connections on the public port's socket,
// which the main process shares with every worker (listener.ts), and serves their /gw/* requests from a routing
// snapshot the main process sends on every change; a connection that opens with another request is handed to the
// main process. It owns no database: its telemetry goes to the main process's one writer in batches, its few
// queries go there by message, and a request of another kind that arrives later on one of its connections (a
// keep-alive client calling /api after /gw) is passed to the main process's loopback listener, streamed both ways.
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { logger } from '@/server/logger';
import { metrics } from '@/server/lib/metrics';
import { setSecretKey } from '@/server/secrets/crypto';
import { Gateway } from './handler';
import { readRequestLine } from './listener';
import { passRequest } from './pass';
import { restorePriority } from './priority';
import { TELEMETRY_HANDOVER_INTERVAL_MS } from './telemetry';
import { workerData, type WorkerData } from './worker-data';
import { PEER_HEADER, type FromWorker, type ToWorker } from './worker-protocol';

/** How often refused-request counts go to the main process for its Prometheus metrics. */
const METRICS_INTERVAL_MS = 1_000;
/** A worker stopped on its own (SIGTERM) waits this long for its requests, as the main process does. */
const SIGTERM_GRACE_MS = 5_000;
/** How often a worker checks that the app's process is still there. */
const ORPHAN_CHECK_INTERVAL_MS = 1_000;

const log = logger.child({ part: 'gateway-worker', pid: process.pid });

function send(message: FromWorker, onSent?: (err: Error | null) => void, socket?: Socket): void {
  if (!process.connected) {
    socket?.destroy();
    return onSent?.(new Error('the main process is gone'));
  }
  // A socket handed over is closed here once sent (keepOpen: false): the main process owns it.
  process.send!(message, socket, { keepOpen: false }, (err) => {
    if (err) socket?.destroy();
    onSent?.(err ?? null);
  });
}

/** Hands a telemetry batch to the main process; resolved once it is written to the channel (the main then owns it). */
function handOver(rows: FromWorker & { t: 'telemetry' }): Promise<void> {
  return new Promise((resolve, reject) => send(rows, (err) => (err ? reject(err) : resolve())));
}

async function main(init: ToWorker & { t: 'init' }): Promise<void> {
  // A replacement forked after the app's process lowered its own priority starts with that priority.
  if (!restorePriority(init.priority)) log.info('this gateway worker runs at the app process\'s lowered priority (raising it back needs root or CAP_SYS_NICE)');
  setSecretKey(Buffer.from(init.secretKey, 'base64url'));
  const data: WorkerData = workerData((m) => send(m), init.snapshot);
  const gateway = new Gateway({ data, pollIntervalMs: 0, telemetry: { flushIntervalMs: TELEMETRY_HANDOVER_INTERVAL_MS, sink: (batch) => handOver({ t: 'telemetry', rows: batch }) } });
  await gateway.start();

  const agent = new http.Agent({ keepAlive: true });
  let draining = false;
  /** Connections and unfinished responses, so a drain can wait for the answers and then close cleanly. */
  const sockets = new Set<Socket>();
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    if (draining) res.setHeader('connection', 'close');
    if (req.url?.startsWith('/gw/')) return gateway.handle(req, res);
    passRequest(req, res, { port: init.internal.port, agent, extraHeaders: { [PEER_HEADER]: `${init.internal.token} ${req.socket.remoteAddress ?? ''}` } });
  });
  server.keepAliveTimeout = 65_000;
  // A loopback port too, where the main process passes the gateway requests of connections it holds.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const reportRefused = setInterval(() => {
    const counts = metrics().takeRefused();
    if (counts.length) send({ t: 'refused', counts });
  }, METRICS_INTERVAL_MS);
  reportRefused.unref();

  // The public port: gateway connections are served here, others go to the main process with the bytes read.
  const front = net.createServer({ noDelay: true }, (socket) =>
    readRequestLine(socket, (gateway, head) => {
      if (!gateway) {
        send({ t: 'connection', head }, undefined, socket);
        return;
      }
      socket.unshift(head);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      server.emit('connection', socket);
      socket.resume();
    }),
  );
  // Told to once the main process can take the connections handed back; a worker that cannot listen exits (and is
  // replaced).
  const listen = (shared: unknown) => {
    if (!shared || draining || front.listening) return;
    front.once('error', (err) => {
      log.fatal({ err }, 'gateway worker could not listen on the public port');
      process.exit(1);
    });
    front.listen(shared);
  };

  process.on('message', (m: ToWorker, handle?: unknown) => {
    if (m.t === 'listen') {
      listen(handle);
    } else if (m.t === 'snapshot') {
      data.push(m.snapshot);
    } else if (m.t === 'reply') {
      data.reply(m.id, m.ok, m.ok ? m.value : m.error);
    } else if (m.t === 'drain') {
      void drain(m.graceMs);
    }
  });
  // Ctrl-C reaches the whole process group: the main process decides when workers stop (it sends `drain`). A
  // SIGTERM of this process alone (a supervisor stopping every process) drains it the same way.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void drain(SIGTERM_GRACE_MS));

  const drain = async (graceMs: number) => {
    if (draining) return;
    draining = true;
    if (front.listening) front.close();
    server.close();
    const deadline = Date.now() + graceMs;
    while (open.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Shadow calls and telemetry still being built outlive their responses.
    const complete = (await gateway.drain(Math.max(0, deadline - Date.now()))) && !open.size;
    // Idle connections are ended politely (the answers written before reach the client), then cut after a moment.
    for (const socket of sockets) socket.end();
    const ended = Date.now() + 1_000;
    while (sockets.size && Date.now() < ended) await new Promise((r) => setTimeout(r, 20));
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    clearInterval(reportRefused);
    const counts = metrics().takeRefused();
    if (counts.length) send({ t: 'refused', counts });
    // Writes what is queued to the main process (its writer then stores it).
    await gateway.close();
    agent.destroy();
    send({ t: 'drained', complete }, () => process.exit(0));
  };

  send({ t: 'ready', port });
}

// The parent going away (crash, kill) leaves nothing to serve for. Node emits 'disconnect' when the channel closes,
// except while a connection this process handed over waits for the parent's acknowledgement: the channel is then
// closed without the event (and `process.connected` is false), so a worker whose parent was killed at that moment
// would serve on alone. The check every second catches that case.
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  if (!process.connected) process.exit(0);
}, ORPHAN_CHECK_INTERVAL_MS).unref();
process.once('message', (m: ToWorker) => {
  if (m.t !== 'init') return;
  main(m).catch((err: unknown) => {
    log.fatal({ err }, 'gateway worker failed to start');
    process.exit(1);
  });
});
