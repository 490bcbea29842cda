// What may be kept of an answer from an outbound request where people read it (a pipeline step's outputs):
// a short excerpt with control characters dropped and anything that looks like a credential redacted.
import { redact } from '@/server/lib/redact';

export const EXCERPT_MAX_CHARS = 200;

const SECRET_PATTERNS: RegExp[] = [
  // "token": "…", password=…, api_key: … (the value goes, the name stays)
  /((?:["']?[\w-]*(?:token|secret|password|passwd|api[_-]?key|apikey|auth|credential|session|cookie|signature)[\w-]*["']?)\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  // JSON Web Tokens
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // Well-known key prefixes: OpenAI, GitHub, Slack, AWS, Slipway's own tokens and keys
  /\b(?:sk-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|xox[abposr]-[A-Za-z0-9-]{8,}|AKIA[0-9A-Z]{16}|slw_[A-Za-z0-9_-]{16,}|sgw_[A-Za-z0-9_-]{16,})/g,
  // Long runs of letters and digits mixed (hex or base64 keys, hashes)
  /\b(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{24,}={0,2}/g,
];

export function redactSecrets(text: string): string {
  let out = text;
  out = out.replace(SECRET_PATTERNS[0]!, (_m, name: string) => `${name}[redacted]`);
  out = out.replace(SECRET_PATTERNS[1]!, (_m, scheme: string) => `${scheme} [redacted]`);
  for (const re of SECRET_PATTERNS.slice(2)) out = out.replace(re, '[redacted]');
  return redact(out);
}

/** At most EXCERPT_MAX_CHARS characters of `text`, on one line, credentials redacted. */
export function answerExcerpt(text: string): string {
  // Redact before cutting, so a secret cut in half is still recognised; the cut never splits a character.
  const clean = redactSecrets(text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim());
  const points = Array.from(clean);
  return points.length > EXCERPT_MAX_CHARS ? `${points.slice(0, EXCERPT_MAX_CHARS - 1).join('')}…` : clean;
}
