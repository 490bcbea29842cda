// Small HTTP helpers for the gateway: OpenAI-format errors, JSON responses, bounded body reading.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type = status === 401 ? 'authentication_error' : status === 403 ? 'permission_error' : status >= 500 ? 'api_error' : 'invalid_request_error',
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendOpenAIError(res: ServerResponse, err: GatewayError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { error: { message: err.message, type: err.type, param: null, code: err.code } }, headers);
}

/**
 * Past the limit the rest of an oversized body is read and thrown away (up to MAX_DISCARD_BYTES), so the client
 * finishes sending and reads the 413; destroying the socket instead would reach it as a connection reset, which
 * clients retry.
 */
export const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new GatewayError(413, 'request_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes`);
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let discarding = Number.isFinite(declared) && declared > MAX_BODY_BYTES;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (discarding) {
        // Beyond any reasonable body: stop reading; the answer is already on its way.
        if (size > MAX_DISCARD_BYTES) {
          reject(tooLarge());
          req.destroy();
        }
        return;
      }
      if (size > MAX_BODY_BYTES) {
        discarding = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (discarding ? reject(tooLarge()) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** A path segment, percent-decoded; malformed encoding is the caller's mistake (400), not ours. */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GatewayError(400, 'invalid_path', 'The path is not valid percent-encoding (a % must be followed by two hex digits of UTF-8)');
  }
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return parseJsonObject(await readBody(req));
}

/** A request body as sent (to forward as is) and parsed (to read what routing and telemetry need). */
export async function readJsonWithBytes(req: IncomingMessage): Promise<{ raw: Buffer; body: Record<string, unknown> }> {
  const raw = await readBody(req);
  return { raw, body: parseJsonObject(raw) };
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new GatewayError(400, 'invalid_json', 'The request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new GatewayError(400, 'invalid_request', 'The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}
