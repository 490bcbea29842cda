// Structured logs for every part of the server. Nothing a caller sent is trusted to be safe to write: before a
// line is written, fields are redacted by name at any depth (passwords, hashes, tokens, secrets and secret
// values, API keys, authorization and cookie headers, query parameters, procedure inputs), URLs lose their
// query strings and credentials, and errors are reduced to what helps an operator (a database error keeps its
// SQL and SQLSTATE code, never its parameters or the failing row).
import pino from 'pino';

const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');

export const REDACTED = '[redacted]';

// Field names compared without case, `_` or `-`.
const SECRET_FIELDS = new Set([
  'password',
  'passwd',
  'newpassword',
  'currentpassword',
  'passwordhash',
  'hash',
  'tokenhash',
  'invitehash',
  'secret',
  'value',
  'apikey',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'params',
  'parameters',
  'input',
  'rawinput',
  'body',
  'detail',
  'privatekey',
  'signingkey',
  'signingkeyfallback',
  'eventkey',
  'credentials',
]);
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'apikey', 'signature', 'cookie'];

export function isSecretField(name: string): boolean {
  const n = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_FIELDS.has(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s));
}

const EXECUTOR_EVENT_PATH = /^(\/api\/executor\/e\/)[^/?#]+/;

/** A URL or request path without its query string, credentials or the executor's event key. */
export function safeUrl(url: string): string {
  const q = url.search(/[?#]/);
  const bare = q === -1 ? url : `${url.slice(0, q)}${url[q] === '?' ? `?${REDACTED}` : ''}`;
  return bare.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${REDACTED}@`).replace(EXECUTOR_EVENT_PATH, `$1${REDACTED}`);
}

/** Free text (error messages and stacks): credentials in URLs, query strings and quoted values are removed. */
export function safeText(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]*@/gi, `$1${REDACTED}@`)
    .replace(/(\bhttps?:\/\/[^\s?#'"]*)\?[^\s#'"]*/gi, `$1?${REDACTED}`)
    .replace(/(\bBearer\s+)\S+/gi, `$1${REDACTED}`);
}

type Plain = Record<string, unknown>;
const DB_ERROR_FIELDS = ['code', 'severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

function isQueryError(err: Error): err is Error & { query: string; params: unknown } {
  return 'query' in err && 'params' in err && typeof (err as { query: unknown }).query === 'string';
}
function isDatabaseError(err: Error): boolean {
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string';
}

/** An error as a plain object that is safe to write. */
export function safeError(err: Error, seen = new WeakSet<object>(), depth = 0): Plain {
  seen.add(err);
  const type = err.constructor?.name ?? err.name;
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  if (isQueryError(err) && !isDatabaseError(err)) {
    // Drizzle's message and stack repeat every parameter of the query: keep the SQL (placeholders only).
    const out: Plain = { type, message: 'Failed query', query: err.query, stack: [`${type}: Failed query`, ...frames].join('\n') };
    if (err.cause instanceof Error && !seen.has(err.cause)) out.cause = safeError(err.cause, seen, depth + 1);
    return out;
  }
  // Database errors quote input values in their message (`invalid input syntax for type uuid: "…"`) and the
  // failing row in their detail: keep the code and what the error is about.
  const message = isDatabaseError(err) ? err.message.replace(/(:\s*)"(?:[^"]|"")*"/g, `$1"${REDACTED}"`) : safeText(err.message);
  const out: Plain = { type, message, stack: [`${type}: ${message}`, ...frames.map(safeText)].join('\n') };
  if (isDatabaseError(err)) {
    for (const k of DB_ERROR_FIELDS) if ((err as unknown as Plain)[k] !== undefined) out[k] = (err as unknown as Plain)[k];
    if (isQueryError(err)) out.query = err.query;
  } else {
    for (const [k, v] of Object.entries(err)) {
      if (k in out || k === 'cause') continue;
      out[k] = redact(k, v, seen, depth + 1);
    }
  }
  if (err.cause !== undefined && depth < 5) out.cause = err.cause instanceof Error ? (seen.has(err.cause) ? '[circular]' : safeError(err.cause, seen, depth + 1)) : redact('cause', err.cause, seen, depth + 1);
  return out;
}

function redact(key: string, value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (value === null || value === undefined) return value;
  if (isSecretField(key)) return REDACTED;
  if (typeof value === 'string') return /url$/i.test(key) || key === 'path' ? safeUrl(value) : value;
  if (typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth > 8) return '[too deep]';
  if (value instanceof Error) return safeError(value, seen, depth);
  if (value instanceof Date) return value;
  if (value instanceof URL) return safeUrl(value.href);
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(key, v, seen, depth + 1));
  const out: Plain = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(k, v, seen, depth + 1);
  return out;
}

/** What is written for the object of a log call: every field passed through the redaction above. */
export function redactLogObject(obj: Plain): Plain {
  const seen = new WeakSet<object>();
  const out: Plain = {};
  for (const [k, v] of Object.entries(obj)) out[k] = redact(k, v, seen, 0);
  return out;
}

export const logger = pino({
  level,
  base: { service: 'slipway' },
  formatters: { log: redactLogObject },
  // pino applies serializers after the formatter; the error is already a plain object by then.
  serializers: { err: (e: unknown) => (e instanceof Error ? safeError(e) : e) },
});

export type Logger = typeof logger;
