// The one public port, shared by the app's process and its gateway workers. The app's process binds the socket
// (so the port is known, and a port in use is reported, before any worker starts) and keeps it open for its whole
// life, but never accepts on it: it sends the socket to every gateway worker, each worker listens on it, and the
// kernel gives each new connection to one of them. A worker reads the connection's request line; a /gw/ connection
// it serves itself, any other it hands to the app's process (the bytes read travel with it). So a gateway
// connection never waits on the app's event loop, not even to be accepted. A worker that dies leaves the socket
// open (the app's process holds it): connections wait in the backlog until its replacement listens.
// This is node:cluster's "shared handle" scheduling, without the cluster module: cluster would close the port
// when its last worker exits, and would bind a new port per restart for port 0.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';

/** A bound TCP socket as libuv wraps it: sendable to a child process as a handle, listened on there. */
export interface SharedSocket {
  close(): void;
  getsockname(out: Record<string, unknown>): number;
}

type CreateServerHandle = (address: string | null, port: number, addressType: number, fd?: number, flags?: number) => SharedSocket | number;

/**
 * Binds (without listening: this process accepts nothing) a TCP socket on host:port. `net._createServerHandle` is
 * what node:cluster uses for the same purpose in its shared-handle mode; it is not in Node's documentation, so its
 * presence is checked and its absence reported.
 */
export async function bindShared(host: string, port: number): Promise<{ socket: SharedSocket; address: net.AddressInfo }> {
  const create = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
  if (typeof create !== 'function') throw new Error(`This Node.js (${process.version}) cannot share a listening socket with gateway workers: set SLIPWAY_GATEWAY_WORKERS=0`);
  // A host name is resolved as net.Server.listen resolves it (its first address).
  const ip = net.isIP(host) ? { address: host, family: net.isIP(host) } : await lookup(host);
  const failed = (errno: number) => {
    const code = getSystemErrorName(errno);
    return Object.assign(new Error(`listen ${code}: ${code === 'EADDRINUSE' ? 'address already in use' : 'cannot bind'} ${ip.address}:${port}`), { code, syscall: 'listen', address: ip.address, port });
  };
  const handle = create(ip.address, port, ip.family);
  if (typeof handle === 'number') throw failed(handle);
  // libuv keeps a bind's EADDRINUSE for the listen that follows; the socket's name reports it now.
  const out: Record<string, unknown> = {};
  const errno = handle.getsockname(out);
  if (errno) {
    handle.close();
    throw failed(errno);
  }
  return { socket: handle, address: out as unknown as net.AddressInfo };
}

/** Longest request line looked for; a longer one goes to the app's server, which refuses it. */
const MAX_REQUEST_LINE = 16 * 1024;
/** A connection that sends no request line in this time is closed (the app's server would time it out too). */
const FIRST_LINE_TIMEOUT_MS = 30_000;

/**
 * Reads a new connection up to the end of its request line, then calls `route` with whether it opens with a
 * /gw/ request and the bytes read (the socket is paused; the receiver puts them back with `unshift`).
 */
export function readRequestLine(socket: net.Socket, route: (gateway: boolean, head: Buffer) => void): void {
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
    route(opensGatewayRequest(head), head);
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
