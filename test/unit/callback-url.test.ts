// After sign-in the browser goes only to a path on Slipway's own origin, however the callbackUrl is dressed up.
import { describe, expect, it } from 'vitest';
import { callbackPath, sameOriginPath } from '@/server/auth/callback-url';

const ORIGIN = 'http://localhost:3000';

describe('callback URL after sign-in', () => {
  it('refuses paths that a browser would read as another host', () => {
    for (const raw of [
      '/\\evil.example/phish',
      '\\\\evil.example',
      '/\\/evil.example',
      '//evil.example/phish',
      '///evil.example',
      '/.//evil.example',
      '/%2e//evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      ' //evil.example',
      'https://evil.example/phish',
      'http://localhost:3000@evil.example/',
      'http://user:pw@localhost:3000/services',
      'https://localhost:3000/services',
      'javascript:alert(1)',
      'data:text/html,hi',
      'evil.example',
      '',
      undefined,
      null,
      42,
    ]) {
      expect(sameOriginPath(raw, ORIGIN), JSON.stringify(raw)).toBeNull();
      expect(callbackPath(raw, ORIGIN)).toBe('/');
    }
  });

  it('keeps plain same-origin paths with their query and fragment', () => {
    expect(sameOriginPath('/services/support-bot?tab=envs#prod', ORIGIN)).toBe('/services/support-bot?tab=envs#prod');
    expect(sameOriginPath('/audit', ORIGIN)).toBe('/audit');
    expect(sameOriginPath('/%5Cevil.example/phish', ORIGIN)).toBe('/%5Cevil.example/phish');
    expect(sameOriginPath('http://localhost:3000/settings', ORIGIN)).toBe('/settings');
  });
});
