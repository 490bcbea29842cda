// The outbound policy: which addresses server-side requests (model endpoints, the pipeline webhook step,
// notifications, repositories fetched by git) may connect to. Public addresses are allowed; loopback, private,
// link-local (cloud metadata included), unspecified, multicast and reserved addresses, and the app's own address,
// are refused unless SLIPWAY_OUTBOUND_ALLOW names them. SLIPWAY_OUTBOUND_DENY refuses more, and deny wins over
// allow. The reference model server the app starts (127.0.0.1:SLIPWAY_MODEL_SERVER_PORT) is allowed exactly.
// It is applied to the address a connection actually uses (see ./connect.ts), after DNS resolution.
import net from 'node:net';
import os from 'node:os';
import { env, publicUrl, type Env } from '@/server/env';
import { normalHost, type OutboundRule } from '@/server/lib/outbound-rules';

export type AddressClass = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

const CLASS_BLOCKS: [AddressClass, string, number, 'ipv4' | 'ipv6'][] = [
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  // Carrier-grade NAT (shared address space), used inside clouds too.
  ['private', '100.64.0.0', 10, 'ipv4'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['multicast', 'ff00::', 8, 'ipv6'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['reserved', '198.18.0.0', 15, 'ipv4'],
  ['reserved', 'fec0::', 10, 'ipv6'],
];

const classLists = new Map<AddressClass, net.BlockList>();
for (const [cls, network, prefix, family] of CLASS_BLOCKS) {
  let list = classLists.get(cls);
  if (!list) classLists.set(cls, (list = new net.BlockList()));
  list.addSubnet(network, prefix, family);
}

function ipv6Groups(address: string): number[] | null {
  let text = address;
  // A dotted IPv4 tail (::ffff:10.0.0.1) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, -dotted[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = part(head);
  const t = part(tail);
  if (tail === undefined) return h.length === 8 ? h : null;
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The address as the policy judges it: an IPv6 form that carries an IPv4 address (IPv4-mapped ::ffff:a.b.c.d,
 * IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged as that IPv4 address.
 */
export function effectiveAddress(address: string): string {
  const a = normalHost(address).replace(/%.*$/, '');
  if (net.isIPv4(a) || !net.isIPv6(a)) return a;
  const g = ipv6Groups(a);
  if (!g) return a;
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g[5] === 0xffff) return v4(g[6]!, g[7]!);
  if (zeros(6) && (g[6] !== 0 || g[7]! > 1)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return a;
}

/** The class of an address the policy refuses by default, or null for a public address. */
export function addressClass(address: string): AddressClass | null {
  const a = effectiveAddress(address);
  const family = net.isIPv4(a) ? 'ipv4' : 'ipv6';
  for (const [cls, list] of classLists) if (list.check(a, family)) return cls;
  return null;
}

const CLASS_WORDS: Record<AddressClass, string> = {
  loopback: 'loopback address',
  private: 'private address',
  'link-local': 'link-local address',
  unspecified: 'unspecified address',
  multicast: 'multicast address',
  reserved: 'reserved address',
};

/** A connection the policy refuses. The message names the target and the rule; `rule` is the rule alone. */
export class OutboundRefusedError extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED';
  constructor(
    readonly target: string,
    readonly rule: string,
  ) {
    super(`outbound request to ${target} refused: ${rule}`);
    this.name = 'OutboundRefusedError';
  }
}

export function isOutboundRefused(err: unknown): err is OutboundRefusedError {
  return (err as { code?: string } | null)?.code === 'ERR_OUTBOUND_REFUSED';
}

export interface PolicyOptions {
  allow: OutboundRule[];
  deny: OutboundRule[];
  /** Origins always allowed (the reference model server the app starts): `127.0.0.1:4010`. */
  builtIn?: { address: string; port: number }[];
  /** Host ports of the containers the Docker deploy target starts on 127.0.0.1 (SLIPWAY_CONTAINER_PORTS). */
  containerPorts?: { from: number; to: number } | null;
  /** Where the app itself listens: its port on any local address, and its public URL's host and port. */
  self?: { port: number; publicHost: string | null; publicPort: number | null } | null;
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) out.add(effectiveAddress(i.address));
  return out;
}

export class OutboundPolicy {
  private readonly ruleLists = new Map<OutboundRule, net.BlockList>();
  private locals: Set<string> | null = null;

  constructor(private readonly opts: PolicyOptions) {
    for (const rule of [...opts.allow, ...opts.deny]) {
      if (rule.target.kind !== 'cidr') continue;
      const list = new net.BlockList();
      list.addSubnet(rule.target.network, rule.target.prefix, rule.target.family);
      this.ruleLists.set(rule, list);
    }
  }

  private matches(rule: OutboundRule, host: string, address: string | null, port: number): boolean {
    if (rule.port !== null && rule.port !== port) return false;
    const t = rule.target;
    if (t.kind === 'host') return host === t.name;
    if (t.kind === 'suffix') return host.endsWith(`.${t.name}`);
    if (!address) return false;
    const list = this.ruleLists.get(rule)!;
    const family = net.isIPv4(address) ? 'ipv4' : 'ipv6';
    // Both the address as given and the IPv4 address an IPv6 form carries.
    return list.check(address, family) || list.check(effectiveAddress(address), net.isIPv4(effectiveAddress(address)) ? 'ipv4' : 'ipv6');
  }

  private isSelf(host: string, address: string, port: number): boolean {
    const self = this.opts.self;
    if (!self) return false;
    if (self.publicHost && host === self.publicHost && port === self.publicPort) return true;
    if (port !== self.port) return false;
    const a = effectiveAddress(address);
    if (addressClass(a) === 'loopback' || addressClass(a) === 'unspecified') return true;
    this.locals ??= localAddresses();
    return this.locals.has(a);
  }

  /**
   * Judges one connection: `host` as the URL names it, `address` the IP address the connection will use.
   * Returns the refusal, or null when allowed.
   */
  check(hostInput: string, address: string, port: number): OutboundRefusedError | null {
    const host = normalHost(hostInput);
    const effective = effectiveAddress(address);
    const judged = effective === normalHost(address) ? address : `${address}, i.e. ${effective}`;
    const shown = host === normalHost(address) ? judged : `${host} (${judged})`;
    const denied = this.opts.deny.find((r) => this.matches(r, host, address, port));
    if (denied) return new OutboundRefusedError(shown, `matches SLIPWAY_OUTBOUND_DENY entry "${denied.text}"`);
    const a = effective;
    if (this.opts.builtIn?.some((b) => b.address === a && b.port === port)) return null;
    const cp = this.opts.containerPorts;
    if (cp && a === '127.0.0.1' && port >= cp.from && port <= cp.to) return null;
    if (this.isSelf(host, address, port)) {
      // Only an entry naming the port lets the app call itself (a broad loopback allowance does not).
      if (this.opts.allow.some((r) => r.port === port && this.matches(r, host, address, port))) return null;
      return new OutboundRefusedError(shown, `the app's own address (set SLIPWAY_OUTBOUND_ALLOW to an entry with port ${port} to allow)`);
    }
    const cls = addressClass(a);
    if (!cls) return null;
    if (this.opts.allow.some((r) => this.matches(r, host, address, port))) return null;
    return new OutboundRefusedError(shown, `${CLASS_WORDS[cls]} (set SLIPWAY_OUTBOUND_ALLOW to allow)`);
  }
}

/**
 * The reference model server's exact origin unless SLIPWAY_MODEL_SERVER=off: the app starts it there (or, with
 * PostgreSQL and `auto`, `npm run model-server` may), and the demo's model versions point at it.
 */
function referenceModelOrigin(e: Env): { address: string; port: number }[] {
  return e.SLIPWAY_MODEL_SERVER === 'off' ? [] : [{ address: '127.0.0.1', port: e.SLIPWAY_MODEL_SERVER_PORT }];
}

export function policyFromEnv(e: Env = env()): OutboundPolicy {
  const pub = new URL(publicUrl(e));
  return new OutboundPolicy({
    allow: e.SLIPWAY_OUTBOUND_ALLOW,
    deny: e.SLIPWAY_OUTBOUND_DENY,
    builtIn: referenceModelOrigin(e),
    containerPorts: e.SLIPWAY_CONTAINER_PORTS,
    self: { port: e.PORT, publicHost: normalHost(pub.hostname), publicPort: Number(pub.port) || (pub.protocol === 'https:' ? 443 : 80) },
  });
}

let current: OutboundPolicy | null = null;

/** The policy of this process, built from the settings on first use. */
export function outboundPolicy(): OutboundPolicy {
  current ??= policyFromEnv();
  return current;
}

/**
 * Replaces the process's policy (tests judging other settings); null goes back to the settings. New connections
 * are judged by it; keep-alive connections the gateway's pools already hold stay open.
 */
export function setOutboundPolicy(policy: OutboundPolicy | null): void {
  current = policy;
}

export function defaultPort(url: URL): number {
  return Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
}

/**
 * The check that is cheap when a URL is bound (a model's base URL, a webhook step's URL, a repository): a URL
 * whose host is a literal IP address the policy refuses. Host names are judged when they are resolved.
 */
export function literalAddressRefusal(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const host = normalHost(url.hostname);
  if (!net.isIP(host)) return null;
  return outboundPolicy().check(host, host, defaultPort(url))?.message ?? null;
}
