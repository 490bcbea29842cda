// The executor's HTTP endpoints, served by the custom server as a plain Node handler beside Next.js: the
// event API the SDK posts to (`/api/executor/e/<event key>`) and the register endpoint of the SDK's sync flow
// (`/fn/register`: the SDK builds that path on the API origin itself, so it lives at the root too).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Executor } from './executor';
import { SyncError } from './functions';
import { seededEventId, ulid } from './ids';
import { incomingEventSchema, type EventPayload } from './protocol';
import { EXECUTOR_PATH } from './settings';
import { verifyBearer } from './signature';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const REGISTER_PATHS = ['/fn/register', `${EXECUTOR_PATH}fn/register`];

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'the body is larger than 4 MiB');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether a request belongs to the executor (the custom server routes it here instead of to Next.js). */
export function isExecutorRequest(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0]!;
  return path.startsWith(EXECUTOR_PATH) || REGISTER_PATHS.includes(path);
}

export function executorHandler(executor: Executor) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(executor, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return send(res, err.status, { error: err.message, status: err.status });
      executor.log.error({ err, url: req.url }, 'executor request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error', status: 500 });
    });
  };
}

async function handle(executor: Executor, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0]!;
  if (REGISTER_PATHS.includes(path)) {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    const { signingKey, signingKeyFallback } = executor.keys;
    if (!verifyBearer(req.headers.authorization, [signingKey, signingKeyFallback])) throw new HttpError(401, 'the sync is not authorised with the signing key');
    try {
      const result = await executor.register(await readJson(req));
      return send(res, 200, { ok: true, modified: result.modified });
    } catch (err) {
      if (err instanceof SyncError) throw new HttpError(400, err.message);
      throw err;
    }
  }
  const eventKey = /^e\/([^/]+)$/.exec(path.slice(EXECUTOR_PATH.length))?.[1];
  if (eventKey !== undefined) {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    if (!sameKey(decodeSegment(eventKey), executor.keys.eventKey)) throw new HttpError(401, 'unknown event key');
    const events = parseEvents(await readJson(req), header(req, 'x-inngest-event-id-seed'), executor.clockNow());
    await executor.receive(events);
    return send(res, 200, { ids: events.map((e) => e.id), status: 200 });
  }
  throw new HttpError(404, 'not found');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'the path is not valid percent-encoding');
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** An event batch as sent by `inngest.send()` (one event or a list), each with an id and a time. */
export function parseEvents(body: unknown, seed: string | undefined, now: Date): EventPayload[] {
  const list = Array.isArray(body) ? body : [body];
  if (!list.length) throw new HttpError(400, 'no events');
  return list.map((raw, i) => {
    const parsed = incomingEventSchema.safeParse(raw);
    if (!parsed.success) throw new HttpError(400, `event ${i}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'event'}: ${x.message}`).join('; ')}`);
    const e = parsed.data;
    if (e.name.startsWith('inngest/')) throw new HttpError(400, `event ${i}: names starting with inngest/ are reserved for internal events`);
    return {
      id: e.id ?? seededEventId(seed, i) ?? ulid(now.getTime()),
      name: e.name,
      data: e.data ?? {},
      ...(e.user ? { user: e.user } : {}),
      ts: e.ts ?? now.getTime(),
      ...(e.v ? { v: e.v } : {}),
    };
  });
}
