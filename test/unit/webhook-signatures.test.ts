// Webhook verification: GitHub's body HMAC (over a GitHub-shaped push), GitLab's token and the generic timestamped
// HMAC — good, bad, missing, malformed, and outside the replay window. The handlers' tests send full deliveries.
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, hmacHex, parseGenericSignature, signGeneric, verifyGenericSignature, verifyGithubSignature, verifyGitlabToken } from '@/server/webhooks/signature';
import { githubPush } from '../helpers/webhooks';

const SECRET = 'whsec_0123456789abcdef';
const bytes = (text: string) => new TextEncoder().encode(text);

describe('GitHub X-Hub-Signature-256', () => {
  const body = bytes(JSON.stringify(githubPush()));

  it("matches GitHub's documented example", () => {
    // From GitHub's docs on validating webhook deliveries.
    expect(verifyGithubSignature(bytes('Hello, World!'), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', "It's a Secret to Everybody")).toEqual({ ok: true });
  });

  it('accepts the HMAC of the raw body, in either case of hex', () => {
    const sig = hmacHex(SECRET, body);
    expect(verifyGithubSignature(body, `sha256=${sig}`, SECRET)).toEqual({ ok: true });
    expect(verifyGithubSignature(body, `sha256=${sig.toUpperCase()}`, SECRET)).toEqual({ ok: true });
  });

  it('refuses another secret, a changed body, a missing or malformed header', () => {
    const sig = `sha256=${hmacHex(SECRET, body)}`;
    expect(verifyGithubSignature(body, sig, `${SECRET}x`)).toEqual({ ok: false, problem: 'bad_signature' });
    const tampered = bytes(JSON.stringify(githubPush({ ref: 'refs/heads/release' })));
    expect(verifyGithubSignature(tampered, sig, SECRET)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(verifyGithubSignature(body, null, SECRET)).toEqual({ ok: false, problem: 'missing_signature' });
    expect(verifyGithubSignature(body, '', SECRET)).toEqual({ ok: false, problem: 'missing_signature' });
    expect(verifyGithubSignature(body, `sha1=${hmacHex(SECRET, body).slice(0, 40)}`, SECRET)).toEqual({ ok: false, problem: 'malformed_signature' });
    expect(verifyGithubSignature(body, `sha256=${hmacHex(SECRET, body).slice(0, 63)}`, SECRET)).toEqual({ ok: false, problem: 'malformed_signature' });
  });
});

describe('GitLab X-Gitlab-Token', () => {
  // GitLab signs nothing: the token is the secret itself, so only the header matters.
  it('accepts exactly the secret', () => {
    expect(verifyGitlabToken(SECRET, SECRET)).toEqual({ ok: true });
  });

  it('refuses anything else, and a missing token', () => {
    expect(verifyGitlabToken(`${SECRET} `, SECRET)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(verifyGitlabToken(SECRET.slice(0, -1), SECRET)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(verifyGitlabToken(SECRET.toUpperCase(), SECRET)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(verifyGitlabToken(null, SECRET)).toEqual({ ok: false, problem: 'missing_signature' });
    expect(verifyGitlabToken('', SECRET)).toEqual({ ok: false, problem: 'missing_signature' });
  });

  it('compares without regard to length or content (digests of both sides)', () => {
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'ab')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});

describe('generic X-Slipway-Signature', () => {
  const body = bytes(JSON.stringify({ branch: 'main', commit: 'b'.repeat(40), author: 'ci' }));
  const now = 1_750_000_000;

  it('signs as t=<unix>,v1=<HMAC of "<t>.<body>"> and verifies that', () => {
    const header = signGeneric(body, SECRET, now);
    expect(header).toBe(`t=${now},v1=${hmacHex(SECRET, `${now}.`, body)}`);
    expect(verifyGenericSignature(body, header, SECRET, now)).toEqual({ ok: true, signature: hmacHex(SECRET, `${now}.`, body) });
  });

  it('accepts a timestamp up to 5 minutes either side of now, and refuses one beyond (replay window)', () => {
    expect(verifyGenericSignature(body, signGeneric(body, SECRET, now - 300), SECRET, now).ok).toBe(true);
    expect(verifyGenericSignature(body, signGeneric(body, SECRET, now + 300), SECRET, now).ok).toBe(true);
    expect(verifyGenericSignature(body, signGeneric(body, SECRET, now - 301), SECRET, now)).toEqual({ ok: false, problem: 'stale_timestamp' });
    expect(verifyGenericSignature(body, signGeneric(body, SECRET, now + 301), SECRET, now)).toEqual({ ok: false, problem: 'stale_timestamp' });
  });

  it('refuses a signature over another timestamp, body or secret', () => {
    const sig = hmacHex(SECRET, `${now}.`, body);
    expect(verifyGenericSignature(body, `t=${now + 1},v1=${sig}`, SECRET, now)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(verifyGenericSignature(bytes('{"branch":"evil"}'), `t=${now},v1=${sig}`, SECRET, now)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(verifyGenericSignature(body, signGeneric(body, 'other', now), SECRET, now)).toEqual({ ok: false, problem: 'bad_signature' });
    // A stale delivery with a wrong signature is just wrong: staleness is only told to whoever holds the secret.
    expect(verifyGenericSignature(body, signGeneric(body, 'other', now - 10_000), SECRET, now)).toEqual({ ok: false, problem: 'bad_signature' });
  });

  it('accepts any of several v1 values (secret rotation)', () => {
    const good = hmacHex(SECRET, `${now}.`, body);
    expect(verifyGenericSignature(body, `t=${now},v1=${'0'.repeat(64)},v1=${good}`, SECRET, now)).toEqual({ ok: true, signature: good });
  });

  it('refuses a missing or malformed header', () => {
    expect(verifyGenericSignature(body, null, SECRET, now)).toEqual({ ok: false, problem: 'missing_signature' });
    for (const header of ['garbage', `v1=${'a'.repeat(64)}`, `t=${now}`, `t=abc,v1=${'a'.repeat(64)}`, `t=${now},v1=xyz`, `t=${now},t=${now},v1=${'a'.repeat(64)}`]) {
      expect({ header, result: verifyGenericSignature(body, header, SECRET, now) }).toEqual({ header, result: { ok: false, problem: 'malformed_signature' } });
    }
    expect(parseGenericSignature(` t=${now} , v1=${'A'.repeat(64)} `)).toEqual({ timestamp: now, signatures: ['a'.repeat(64)] });
  });
});
