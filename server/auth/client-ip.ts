// The client address of an HTTP request, for sign-in throttling and logs. X-Forwarded-For is believed only for
// the hops of the reverse proxies the operator says are in front (SLIPWAY_TRUST_PROXY): each proxy appends the
// address it was called from, so with n proxies the client is the n-th entry from the right, counting the
// socket's own peer. Anything further left was written by the client and may be forged.
import { isIP } from 'node:net';

/** The header the custom server sets on every request it hands to Next.js (any value a client sent is replaced). */
export const CLIENT_IP_HEADER = 'x-slipway-client-ip';

export function clientIp(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: number): string {
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const hops = [...(trustedProxies > 0 ? chain : []), socketAddress ?? ''];
  const candidate = hops[Math.max(0, hops.length - 1 - trustedProxies)] ?? '';
  return normalizeIp(candidate) ?? 'unknown';
}

/** A canonical text form of an address (IPv4-mapped IPv6 as IPv4, lower case), or null when it is not one. */
export function normalizeIp(raw: string): string | null {
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.includes(']')) ip = ip.slice(1, ip.indexOf(']'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  if (isIP(ip) === 4) return ip;
  if (isIP(ip) === 6) return expandIpv6(ip).join(':');
  return null;
}

/**
 * The key that per-address limits count on: the IPv4 address itself, or the /64 network of an IPv6 address
 * (one subscriber usually holds a whole /64, so counting single IPv6 addresses would count nothing).
 */
export function addressBucket(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(ip: string): string[] {
  const [head, tail] = ip.toLowerCase().split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const left = part(head);
  const right = part(tail);
  // An embedded IPv4 tail (::1.2.3.4) fills two groups.
  const last = right.length ? right : left;
  const v4 = last.length && last[last.length - 1]!.includes('.') ? last.pop()!.split('.').map(Number) : null;
  if (v4) last.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16).toString(16));
}
