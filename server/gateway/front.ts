// The one public port, with gateway workers: a plain TCP listener reads each new connection's request line and
// hands connections that open with a /gw/ request to a gateway worker (the bytes read travel with the socket);
// every other connection goes to the app's HTTP server in this process. The app's server also listens on a
// loopback port, where workers pass the non-gateway requests of their keep-alive connections. Without workers the
// app's server listens on the public port itself, as it always did.
import type http from 'node:http';
import net from 'node:net';
import type { Db } from '@/db/client';
import type { Gateway } from './handler';
import { GatewayWorkers } from './workers';
import { PEER_HEADER } from './worker-protocol';

/** Longest request line looked for; a longer one goes to the app's server, which refuses it. */
const MAX_REQUEST_LINE = 16 * 1024;
/** A connection that sends no request line in this time is closed (the app's server would time it out too). */
const FIRST_LINE_TIMEOUT_MS = 30_000;

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
}

export interface Serving {
  /** The public listener's address. */
  address: net.AddressInfo;
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

function listen(server: net.Server, port: number, host: string): Promise<net.AddressInfo> {
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
    return { address, workers: null, handleGateway: opts.gateway.handle, remoteAddress: (req) => req.socket.remoteAddress, stopAccepting: async () => {} };
  }
  const internal = await listen(opts.app, 0, '127.0.0.1');
  const workers = new GatewayWorkers({ gateway: opts.gateway, db: opts.db, count: opts.workers, secretKey: opts.secretKey, internalPort: internal.port, entry: opts.workerEntry });
  await workers.start();
  const front = net.createServer({ noDelay: true }, (socket) => dispatch(socket, opts.app, workers));
  const address = await listen(front, opts.port, opts.host);
  const trusted = `${workers.token} `;
  return {
    address,
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
      front.close();
      await workers.drain(graceMs);
    },
  };
}

/** Reads up to the end of the request line, then gives the connection to a worker or to the app's server. */
function dispatch(socket: net.Socket, app: http.Server, workers: GatewayWorkers): void {
  let head: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), FIRST_LINE_TIMEOUT_MS);
  const onError = () => socket.destroy();
  const onClose = () => clearTimeout(timer);
  const onData = (chunk: Buffer) => {
    head = head.length ? Buffer.concat([head, chunk]) : chunk;
    const eol = head.indexOf(10);
    if (eol < 0 && head.length < MAX_REQUEST_LINE) return;
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('close', onClose);
    clearTimeout(timer);
    socket.pause();
    if (opensGatewayRequest(head) && workers.handOff(socket, head)) return;
    socket.unshift(head);
    app.emit('connection', socket);
    socket.resume();
  };
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', onClose);
}

/** `<METHOD> /gw/…`: the request line of a gateway call. */
function opensGatewayRequest(head: Buffer): boolean {
  const space = head.indexOf(32);
  return space > 0 && space <= 16 && head.toString('latin1', space + 1, space + 5) === '/gw/';
}
