// The configuration module: defaults, and errors that name the variable and the rule without leaking secrets.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, jobsEngineOf, parseEnv, publicUrl } from '@/server/env';

const problems = (source: Record<string, string>) => {
  try {
    parseEnv(source);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
};

describe('configuration', () => {
  it('runs embedded with nothing configured', () => {
    const e = parseEnv({});
    expect(e.PORT).toBe(3000);
    expect(e.DATABASE_URL).toBeUndefined();
    expect(e.SLIPWAY_DATA_DIR).toBe(path.resolve('.slipway'));
    expect(publicUrl(e)).toBe('http://localhost:3000');
  });

  it('names the variable, the rule and the bad value', () => {
    expect(problems({ PORT: 'abc' })).toEqual(['PORT: must be an integer (got "abc")']);
    expect(problems({ PORT: '70000' })).toEqual(['PORT: must be between 1 and 65535 (got "70000")']);
    expect(problems({ DATABASE_POOL_SIZE: '0', LOG_LEVEL: 'loud' })).toEqual([
      'DATABASE_POOL_SIZE: must be at least 1 (got "0")',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
    expect(problems({ SLIPWAY_ADMIN_EMAIL: 'nope' })).toEqual(['SLIPWAY_ADMIN_EMAIL: must be an email address (got "nope")']);
  });

  it('never echoes a secret value', () => {
    const out = problems({ SLIPWAY_ADMIN_PASSWORD: 'short-pw', DATABASE_URL: 'mysql://u:hunter2@db/x', SLIPWAY_BOOTSTRAP_TOKEN: 'tok_secret', SLIPWAY_METRICS_TOKEN: 'scrape-me' });
    expect(out).toEqual([
      'DATABASE_URL: must be a postgres:// or postgresql:// connection URL',
      'SLIPWAY_ADMIN_PASSWORD: must be at least 12 characters',
      'SLIPWAY_BOOTSTRAP_TOKEN: must start with slw_ followed by at least 32 letters, digits, _ or -',
      'SLIPWAY_METRICS_TOKEN: must be at least 16 characters',
    ]);
    expect(out.join('\n')).not.toMatch(/short-pw|hunter2|tok_secret|scrape-me/);
  });

  it('requires OAuth settings in complete sets', () => {
    expect(problems({ GITHUB_CLIENT_ID: 'id' })).toEqual(['GITHUB_CLIENT_SECRET: GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET must be set together']);
    expect(problems({ OIDC_ISSUER: 'https://id.example.test', OIDC_CLIENT_ID: 'x' })).toEqual(['OIDC_CLIENT_SECRET: OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together']);
    expect(parseEnv({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 's' }).GITHUB_CLIENT_ID).toBe('id');
  });

  it('accepts NEXTAUTH_SECRET for AUTH_SECRET and treats blank values as unset', () => {
    expect(parseEnv({ NEXTAUTH_SECRET: 'x'.repeat(32) }).AUTH_SECRET).toBe('x'.repeat(32));
    expect(parseEnv({ DATABASE_URL: '  ', PORT: '8080' })).toMatchObject({ DATABASE_URL: undefined, PORT: 8080 });
  });

  it('chooses the jobs engine and checks Inngest settings without echoing keys', () => {
    const key = `signkey-prod-${'ab'.repeat(32)}`;
    expect(jobsEngineOf(parseEnv({}))).toBe('embedded');
    expect(jobsEngineOf(parseEnv({ INNGEST_SIGNING_KEY: key }))).toBe('embedded');
    expect(jobsEngineOf(parseEnv({ INNGEST_DEV: '1' }))).toBe('inngest');
    expect(jobsEngineOf(parseEnv({ INNGEST_DEV: 'http://127.0.0.1:8288' }))).toBe('inngest');
    expect(jobsEngineOf(parseEnv({ INNGEST_EVENT_KEY: 'evt-secret', INNGEST_SIGNING_KEY: key }))).toBe('inngest');
    // Inngest Cloud or a self-hosted Inngest signs calls and takes events only with both keys; a dev server needs neither.
    expect(problems({ INNGEST_BASE_URL: 'http://inngest.internal:8288' })).toEqual([
      'INNGEST_SIGNING_KEY: is required to use Inngest Cloud or a self-hosted Inngest (or set INNGEST_DEV=1 for an Inngest dev server)',
      'INNGEST_EVENT_KEY: is required to use Inngest Cloud or a self-hosted Inngest (or set INNGEST_DEV=1 for an Inngest dev server)',
    ]);
    const bad = problems({ INNGEST_SIGNING_KEY: 'signkey-prod-not-hex-secret', INNGEST_DEV: 'maybe' });
    expect(bad).toEqual([
      'INNGEST_DEV: must be 1, 0, true, false or the URL of an Inngest dev server (got "maybe")',
      'INNGEST_SIGNING_KEY: must be signkey-<env>-<hex> as Inngest shows it (at least 32 hex characters)',
    ]);
    expect(bad.join('\n')).not.toMatch(/not-hex-secret/);
  });
});
