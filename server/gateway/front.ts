// The one public port, with gateway workers: the workers accept its connections on a shared socket (see
// listener.ts), serve those that open with a /gw/ request and hand every other connection to the app's HTTP server
// in this process. The app's server also listens on a loopback port, where workers pass the non-gateway requests
// of their keep-alive connections. Without workers the app's server listens on the public port itself, as it
// always did.
import type http from 'node:http';
import type net from 'node:net';
import type { Db } from '@/db/client';
import type { Gateway } from './handler';
import { bindShared } from './listener';
import { lowerOwnPriority } from './priority';
import { GatewayWorkers } from './workers';
import { PEER_HEADER } from './worker-protocol';

export interface ServeOptions {
  /** The app's server: everything that does not go to a worker (its `/gw/*` requests go to `Serving.handleGateway`). */
  app: http.Server;
  host: string;
  port: number;
  /** 0: the gateway is served in this process only. */
  workers: number;
  gateway: Gateway;
  db: Db;
  secretKey: Buffer;
  /** The worker script (tests pass their own build of it). */
  workerEntry?: string;
  /**
   * Once the workers run, this process lowers its own CPU priority by this much (priority.ts), so its own work
   * yields to their serving. The entry points pass SLIPWAY_APP_NICE; unset (as in tests), nothing changes.
   */
  lowerPriorityBy?: number;
}

export interface Serving {
  /** The public listener's address. */
  address: net.AddressInfo;
  /** This process's CPU priority after it lowered its own for the workers, or null when unchanged. */
  appNice: number | null;
  workers: GatewayWorkers | null;
  /**
   * Serves a /gw/* request that arrived on a connection of the app's server: passed to a worker when there are
   * workers (so the gateway never runs beside the app), else answered in this process.
   */
  handleGateway(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** The client's address: a worker's passed request names it; otherwise the socket's peer. */
  remoteAddress(req: http.IncomingMessage): string | undefined;
  /** Stops taking connections on the public port, then drains the workers (their telemetry then is in this process). */
  stopAccepting(graceMs: number): Promise<void>;
}

function listen(server: http.Server, port: number, host: string): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as net.AddressInfo);
    });
  });
}

export async function serve(opts: ServeOptions): Promise<Serving> {
  if (opts.workers <= 0) {
    const address = await listen(opts.app, opts.port, opts.host);
    return { address, appNice: null, workers: null, handleGateway: opts.gateway.handle, remoteAddress: (req) => req.socket.remoteAddress, stopAccepting: async () => {} };
  }
  // Bound first: a port in use is reported before any worker starts, and port 0 is one port for all workers.
  const shared = await bindShared(opts.host, opts.port);
  let internal: net.AddressInfo;
  let workers: GatewayWorkers;
  try {
    internal = await listen(opts.app, 0, '127.0.0.1');
    workers = new GatewayWorkers({
      gateway: opts.gateway,
      db: opts.db,
      count: opts.workers,
      secretKey: opts.secretKey,
      internalPort: internal.port,
      listener: shared.socket,
      // A connection a worker accepted that opens with another request: the app's server takes it from here.
      onConnection: (socket, head) => {
        socket.unshift(head);
        opts.app.emit('connection', socket);
        socket.resume();
      },
      entry: opts.workerEntry,
    });
    await workers.start();
  } catch (err) {
    shared.socket.close();
    throw err;
  }
  const address = shared.address;
  const trusted = `${workers.token} `;
  // The workers take connections from the next turn on, when the caller holds what this returns.
  workers.accept();
  // The workers forked so far keep the priority this process had; replacements take it back (init.priority).
  const appNice = lowerOwnPriority(opts.lowerPriorityBy ?? 0);
  return {
    address,
    appNice,
    workers,
    handleGateway(req, res) {
      if (!workers.passGateway(req, res)) opts.gateway.handle(req, res);
    },
    remoteAddress(req) {
      const peer = req.headers[PEER_HEADER];
      delete req.headers[PEER_HEADER];
      if (typeof peer === 'string' && peer.startsWith(trusted) && req.socket.localPort === internal.port) return peer.slice(trusted.length);
      return req.socket.remoteAddress;
    },
    async stopAccepting(graceMs) {
      // The workers close their listeners at once; with this process's copy closed too, the port is closed.
      const drained = workers.drain(graceMs);
      shared.socket.close();
      await drained;
    },
  };
}
