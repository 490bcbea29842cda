// Connections under the outbound policy. The host is resolved here, every resolved address is judged, and the
// connection goes to the judged address (TLS still verifies the certificate against the host name), so a DNS
// answer that changes between the check and the connection (rebinding) cannot swap it. The check runs once per
// new connection, never per request: keep-alive connections of the gateway's pools are reused as they are.
// Every redirect hop opens its own connection through the same connector, so each hop is judged too.
//
// Not under this policy: the embedded executor's calls to the app's own /api/inngest (server/executor), which are
// internal, and the `slipway` CLI, which runs on a user's machine.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch, type RequestInit, type Response } from 'undici';
import { normalHost, type OutboundRule } from '@/server/lib/outbound-rules';
import { outboundPolicy, type OutboundPolicy } from './policy';

export type { OutboundRule };

/** Resolves `host` and judges every address it resolves to (one refused address refuses the host); returns them all. */
export async function resolveAllChecked(hostInput: string, port: number, policy: OutboundPolicy = outboundPolicy()): Promise<string[]> {
  const host = normalHost(hostInput);
  const addresses = net.isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  for (const address of addresses) {
    const refused = policy.check(host, address, port);
    if (refused) throw refused;
  }
  return addresses;
}

/** The first address `host` resolves to, every one of them judged. */
export async function resolveChecked(hostInput: string, port: number, policy: OutboundPolicy = outboundPolicy()): Promise<string> {
  return (await resolveAllChecked(hostInput, port, policy))[0]!;
}

/** Errors after which the next resolved address is worth a try (say ::1 first when the server listens on IPv4). */
const TRY_NEXT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT']);

type Connector = ReturnType<typeof buildConnector>;

/** An undici `connect` function that connects only to addresses the policy allows. */
export function outboundConnector(options: buildConnector.BuildOptions = {}): Connector {
  const base = buildConnector(options);
  return (opts, callback) => {
    const host = normalHost(opts.hostname);
    const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
    const servername = opts.servername || (net.isIP(host) ? undefined : host);
    const attempt = (addresses: string[], i: number) =>
      base({ ...opts, hostname: addresses[i]!, servername }, (err, socket) => {
        if (err && i + 1 < addresses.length && TRY_NEXT.has((err as { code?: string }).code ?? '')) return attempt(addresses, i + 1);
        if (err) return callback(err, null);
        callback(null, socket!);
      });
    resolveAllChecked(host, port).then(
      (addresses) => attempt(addresses, 0),
      (err: Error) => callback(err, null),
    );
  };
}

let agent: { policy: OutboundPolicy; dispatcher: Agent } | null = null;

/**
 * The dispatcher for one-off outbound requests (the webhook step, notifications). A new policy (tests set one)
 * gets a new agent, so no connection opened under the old one is reused.
 */
export function outboundAgent(): Agent {
  const policy = outboundPolicy();
  if (agent?.policy !== policy) {
    void agent?.dispatcher.close().catch(() => undefined);
    agent = { policy, dispatcher: new Agent({ connect: outboundConnector(), keepAliveTimeout: 10_000 }) };
  }
  return agent.dispatcher;
}

/** fetch under the outbound policy. A refusal rejects with a TypeError whose `cause` is the OutboundRefusedError. */
export function outboundFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  return undiciFetch(url, { ...init, dispatcher: outboundAgent() });
}

/** The message of a failed fetch: the refusal or the network error under fetch's generic "fetch failed". */
export function fetchFailure(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e.cause?.message ?? e.message;
}
