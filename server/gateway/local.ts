// Where this process serves the gateway, for callers inside it that must go through the gateway over HTTP (smoke
// tests): the server records its own listener once it listens. The address lives on a global, so Next's bundled
// code (the Inngest serve route) sees what the custom server set.
import type { AddressInfo } from 'node:net';

const KEY = Symbol.for('slipway.localGatewayOrigin');
type Holder = { [KEY]?: string };

/** Records the origin (`http://127.0.0.1:3000`) of the listener that serves `/gw/*` in this process. */
export function setLocalGatewayOrigin(origin: string | null): void {
  const holder = globalThis as Holder;
  if (origin) holder[KEY] = origin.replace(/\/+$/, '');
  else delete holder[KEY];
}

/** The origin of a listening server's address; a wildcard address is reached on the loopback interface. */
export function originOfAddress(address: AddressInfo | string | null): string | null {
  if (!address || typeof address === 'string') return null;
  const host = address.address === '0.0.0.0' || address.address === '::' || address.address === '' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** The origin recorded by the server, or null when no listener in this process serves the gateway. */
export function localGatewayOrigin(): string | null {
  return (globalThis as Holder)[KEY] ?? null;
}
