// The syntax of SLIPWAY_OUTBOUND_ALLOW and SLIPWAY_OUTBOUND_DENY: comma-separated entries, each a target with an
// optional port. A target is an IP address (`10.1.2.3`, `::1`), a CIDR block (`10.0.0.0/8`, `fd00::/8`), a host
// name (`models.internal`) or every subdomain of one (`*.corp.example`). A port follows a colon: `10.1.2.3:8000`,
// `models.internal:443`, `10.0.0.0/8:8000`; an IPv6 address or block with a port goes in brackets:
// `[::1]:4010`, `[fd00::/8]:8000`. Without a port an entry matches every port. Pure: no settings read here.
import net from 'node:net';

export interface OutboundRule {
  /** The entry as written, for messages. */
  text: string;
  target: { kind: 'cidr'; family: 'ipv4' | 'ipv6'; network: string; prefix: number } | { kind: 'host'; name: string } | { kind: 'suffix'; name: string };
  port: number | null;
}

const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?$/;

export const OUTBOUND_RULE_SYNTAX = 'must be comma-separated IP addresses, CIDR blocks, host names or *.domain, each with an optional :port (IPv6 with a port in brackets, e.g. [::1]:4010)';

/** Lower case, no brackets, no trailing dot: the form host names and addresses are compared in. */
export function normalHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function parseTarget(raw: string): OutboundRule['target'] | null {
  const slash = raw.indexOf('/');
  const addr = slash >= 0 ? raw.slice(0, slash) : raw;
  const family = net.isIP(addr);
  if (family) {
    const max = family === 4 ? 32 : 128;
    const prefixText = slash >= 0 ? raw.slice(slash + 1) : String(max);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return null;
    return { kind: 'cidr', family: family === 4 ? 'ipv4' : 'ipv6', network: addr, prefix: Number(prefixText) };
  }
  if (slash >= 0) return null;
  const name = normalHost(raw);
  if (name.startsWith('*.')) return HOST_NAME.test(name.slice(2)) ? { kind: 'suffix', name: name.slice(2) } : null;
  return HOST_NAME.test(name) ? { kind: 'host', name } : null;
}

function parseEntry(entry: string): OutboundRule | null {
  let target = entry;
  let portText: string | null = null;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0) return null;
    target = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest) {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
    if (!net.isIPv6(target.split('/')[0]!)) return null;
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    [target, portText] = entry.split(':') as [string, string];
  }
  let port: number | null = null;
  if (portText !== null) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return null;
    port = Number(portText);
  }
  const parsed = parseTarget(target);
  return parsed && { text: entry, target: parsed, port };
}

/** Parses a setting's value; throws an Error naming the first bad entry. An empty value is no rules. */
export function parseOutboundRules(value: string | undefined): OutboundRule[] {
  if (!value) return [];
  const rules: OutboundRule[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const rule = parseEntry(entry);
    if (!rule) throw new Error(`"${entry}" is not valid: ${OUTBOUND_RULE_SYNTAX}`);
    rules.push(rule);
  }
  return rules;
}
