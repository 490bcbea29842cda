// The outbound policy on its own: what it refuses by default, what the settings allow or deny, and host names
// judged by the addresses they resolve to.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '@/server/env';
import { resolveChecked } from '@/server/outbound/connect';
import { OutboundPolicy, policyFromEnv, setOutboundPolicy } from '@/server/outbound/policy';
import { withCheckout } from '@/server/pipelines/git';
import { parseOutboundRules } from '@/server/lib/outbound-rules';

const policy = (vars: Record<string, string> = {}) => policyFromEnv(parseEnv({ NODE_ENV: 'test', PORT: '3000', ...vars }));
const verdict = (p: OutboundPolicy, address: string, port = 80, host = address) => p.check(host, address, port)?.message ?? 'allowed';

describe('the outbound policy', () => {
  it('refuses every non-public class by default, IPv6 and IPv4-carrying IPv6 forms included, and allows public addresses', () => {
    const p = policy();
    const refused: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.9.9.9', 'loopback'],
      ['::1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.5.4', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12::1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'link-local'],
      ['::ffff:10.0.0.1', 'private'],
      ['64:ff9b::a9fe:a9fe', 'link-local'],
      ['2002:c0a8:0101::1', 'private'],
    ];
    for (const [address, cls] of refused) expect(verdict(p, address), address).toMatch(new RegExp(`refused: ${cls} address \\(set SLIPWAY_OUTBOUND_ALLOW to allow\\)$`));
    expect(verdict(p, '169.254.169.254')).toBe('outbound request to 169.254.169.254 refused: link-local address (set SLIPWAY_OUTBOUND_ALLOW to allow)');
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(verdict(p, address, 443), address).toBe('allowed');
  });

  it('allows what SLIPWAY_OUTBOUND_ALLOW names: addresses, blocks, ports, host names and subdomains', () => {
    const p = policy({ SLIPWAY_OUTBOUND_ALLOW: '169.254.169.254, 10.0.0.0/8:8000, [::1]:4011, models.internal, *.corp.example' });
    expect(verdict(p, '169.254.169.254')).toBe('allowed');
    expect(verdict(p, '::ffff:169.254.169.254')).toBe('allowed');
    expect(verdict(p, '10.20.30.40', 8000)).toBe('allowed');
    expect(verdict(p, '10.20.30.40', 8001)).toMatch(/private address/);
    expect(verdict(p, '::1', 4011)).toBe('allowed');
    expect(verdict(p, '::1', 4012)).toMatch(/loopback address/);
    expect(verdict(p, '192.168.7.7', 443, 'models.internal')).toBe('allowed');
    expect(verdict(p, '192.168.7.7', 443, 'gpu.corp.example')).toBe('allowed');
    expect(verdict(p, '192.168.7.7', 443, 'corp.example.evil')).toBe('outbound request to corp.example.evil (192.168.7.7) refused: private address (set SLIPWAY_OUTBOUND_ALLOW to allow)');
  });

  it('lets deny win over allow, also for public addresses and host names', () => {
    const p = policy({ SLIPWAY_OUTBOUND_ALLOW: '10.0.0.0/8,models.internal', SLIPWAY_OUTBOUND_DENY: '10.0.0.5,models.internal:8080,203.0.113.0/24,[2001:db8::/32]' });
    expect(verdict(p, '10.0.0.4')).toBe('allowed');
    expect(verdict(p, '10.0.0.5')).toBe('outbound request to 10.0.0.5 refused: matches SLIPWAY_OUTBOUND_DENY entry "10.0.0.5"');
    expect(verdict(p, '::ffff:10.0.0.5')).toMatch(/matches SLIPWAY_OUTBOUND_DENY entry "10.0.0.5"$/);
    expect(verdict(p, '10.9.9.9', 8080, 'models.internal')).toMatch(/matches SLIPWAY_OUTBOUND_DENY entry "models.internal:8080"$/);
    expect(verdict(p, '203.0.113.9', 443)).toMatch(/matches SLIPWAY_OUTBOUND_DENY entry "203.0.113.0\/24"$/);
    expect(verdict(p, '2001:db8::1', 443)).toMatch(/matches SLIPWAY_OUTBOUND_DENY entry "\[2001:db8::\/32\]"$/);
  });

  it("refuses the app's own address even where loopback is allowed, and allows exactly the reference model server's origin", () => {
    const p = policy({ SLIPWAY_OUTBOUND_ALLOW: '127.0.0.0/8', SLIPWAY_MODEL_SERVER_PORT: '4010' });
    expect(verdict(p, '127.0.0.1', 3000)).toBe("outbound request to 127.0.0.1 refused: the app's own address (set SLIPWAY_OUTBOUND_ALLOW to an entry with port 3000 to allow)");
    expect(verdict(policy({ SLIPWAY_OUTBOUND_ALLOW: '127.0.0.1:3000' }), '127.0.0.1', 3000)).toBe('allowed');
    const plain = policy({ SLIPWAY_MODEL_SERVER_PORT: '4010' });
    expect(verdict(plain, '127.0.0.1', 4010)).toBe('allowed');
    expect(verdict(plain, '127.0.0.1', 4011)).toMatch(/loopback address/);
    expect(verdict(policy({ SLIPWAY_MODEL_SERVER: 'off' }), '127.0.0.1', 4010)).toMatch(/loopback address/);
  });

  it('judges a host name by every address it resolves to', async () => {
    await expect(resolveChecked('localhost', 80, policy())).rejects.toThrow(/^outbound request to localhost \((127\.0\.0\.1|::1)\) refused: loopback address/);
    expect(await resolveChecked('localhost', 80, policy({ SLIPWAY_OUTBOUND_ALLOW: 'localhost' }))).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  it('refuses a repository whose host resolves to a denied address before git runs', async () => {
    setOutboundPolicy(policy());
    try {
      let ran = false;
      const err = await withCheckout({ url: 'https://localhost/acme/support-bot.git', token: null }, 'a'.repeat(40), async () => (ran = true)).catch((e: Error) => e);
      expect(String(err)).toMatch(/^GitSourceError: could not fetch from https:\/\/localhost\/acme\/support-bot.git: outbound request to localhost \((127\.0\.0\.1|::1)\) refused: loopback address/);
      expect(ran).toBe(false);
    } finally {
      setOutboundPolicy(null);
    }
  });

  it('validates the settings, naming the variable and the entry', () => {
    expect(parseOutboundRules(' 10.0.0.0/8 , [::1]:4010,,models.internal:443 ').map((r) => [r.text, r.port])).toEqual([
      ['10.0.0.0/8', null],
      ['[::1]:4010', 4010],
      ['models.internal:443', 443],
    ]);
    for (const bad of ['10.0.0.0/33', 'http://x.example', 'host:99999', '::1:4010x', 'bad host']) {
      const err = (() => {
        try {
          parseEnv({ SLIPWAY_OUTBOUND_DENY: bad });
        } catch (e) {
          return e as ConfigError;
        }
      })();
      expect(err?.problems[0], bad).toMatch(/^SLIPWAY_OUTBOUND_DENY: ".*" is not valid: must be comma-separated IP addresses, CIDR blocks, host names or \*\.domain/);
    }
  });
});
