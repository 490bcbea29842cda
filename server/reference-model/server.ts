// The reference model server's HTTP side: a plain node:http server speaking the OpenAI API (models list, chat
// completions, legacy completions and responses with and without streaming, embeddings, OpenAI error bodies), pacing responses by each plan's timings and
// dropping a generation the moment its client goes away. Embeddable: startReferenceModelServer().
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { logger } from '@/server/logger';
import { MODEL_CREATED, ReferenceModels, type CompletionPlan } from './behaviour';
import { loadReferenceModelConfig, parseReferenceModelConfig, type ReferenceModelConfig, type ReferenceModelConfigInput } from './config';
import { embed, words } from './embeddings';
import { chatOfCompletion, chatOfResponse, completionRequestSchema, responseBody, responseLines, responseRequestSchema, textCompletionBody, textCompletionLines } from './formats';
import { chatCompletionRequestSchema, completionBody, embeddingRequestSchema, HttpError, moderationRequestSchema, modelObject, requestError, streamLines, type ChatCompletionRequest } from './protocol';
import { moderate } from './safety';
import { loadTokenizer } from './tokens';

export interface ReferenceModelServerOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  host?: string;
  /** A config object; wins over configPath. */
  config?: ReferenceModelConfigInput;
  /** A YAML config file; without it and without `config`, the shipped models.yaml. */
  configPath?: string;
  /** Wins over the config's seed; with neither, a random seed (reported as `seed`). */
  seed?: number;
  /** Answer at once: every delay becomes 0, everything else (answers, errors, usage) stays the same. */
  noDelay?: boolean;
}

export interface ReferenceModelServer {
  /** Base URL without the /v1 suffix, e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  host: string;
  seed: number;
  models: string[];
  /** Responses still being generated or waited for; 0 once every client has been answered or has left. */
  inFlight(): number;
  /** Stops listening, drops every connection (keep-alive ones too) and every pending generation. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

const log = logger.child({ part: 'reference-model' });

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendError(res: ServerResponse, err: HttpError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, JSON.stringify(err.body()), headers);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining so the 413 can still be written on this connection, but stop holding the bytes.
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new HttpError(413, 'invalid_request_error', 'request_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** A vector as the caller asked for it: numbers, or base64 of its float32 values (little-endian, as OpenAI sends them). */
function encoded(vector: number[], encoding: 'float' | 'base64' | undefined): number[] | string {
  if (encoding !== 'base64') return vector;
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
}

/** Compares digests so the comparison takes the same time whatever the key's length or content. */
function keyMatches(header: string | undefined, apiKey: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!.trim()), digest(apiKey));
}

/** One response being waited for or streamed; cancel() leaves no timer behind. */
interface Generation {
  timer?: NodeJS.Timeout;
  cancel(): void;
}

export function createReferenceModelHandler(models: ReferenceModels, options: { apiKey?: string; noDelay: boolean }) {
  const active = new Set<Generation>();
  const modelList = JSON.stringify({ object: 'list', data: models.names().map((n) => modelObject(n, MODEL_CREATED)) });

  function track(res: ServerResponse): Generation {
    const gen: Generation = {
      cancel() {
        if (gen.timer) clearTimeout(gen.timer);
        gen.timer = undefined;
        active.delete(gen);
      },
    };
    active.add(gen);
    // 'close' also fires after a normal end; cancelling then is harmless.
    res.on('close', () => gen.cancel());
    return gen;
  }

  /** Runs fn once `at` ms have passed since t0 (at once when delays are off or the time has come). */
  function at(gen: Generation, t0: number, ms: number, fn: () => void): void {
    const wait = options.noDelay ? 0 : ms - (performance.now() - t0);
    if (wait <= 0) fn();
    else gen.timer = setTimeout(fn, wait);
  }

  /** Streams `lines`: line 0 opens the stream, lines 1..n carry the plan's pieces, the rest close it. */
  function stream(res: ServerResponse, gen: Generation, t0: number, plan: CompletionPlan, lines: string[]): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': plan.requestId });
    // Headers go out at once, as real servers send them before the model has produced anything.
    res.flushHeaders();
    if (options.noDelay) {
      res.end(lines.join(''));
      gen.cancel();
      return;
    }
    const { firstTokenMs, tokenIntervalMs } = plan.timing;
    const last = Math.max(0, plan.pieces.length - 1);
    // Line 0 is the role chunk, lines 1..n the pieces, the rest (finish, usage, [DONE]) go with the last piece.
    const dueAt = (i: number) => firstTokenMs + Math.min(Math.max(i - 1, 0), last) * tokenIntervalMs;
    let next = 0;
    const tick = () => {
      gen.timer = undefined;
      const elapsed = performance.now() - t0;
      let out = '';
      // Timers are coarse; lines that fell due together are written together.
      while (next < lines.length && dueAt(next) <= elapsed + 1) out += lines[next++];
      if (next >= lines.length) {
        res.end(out);
        gen.cancel();
        return;
      }
      if (out) res.write(out);
      gen.timer = setTimeout(tick, dueAt(next) - elapsed);
    };
    at(gen, t0, dueAt(0), tick);
  }

  /** One generation endpoint: its request read as a chat request, and its answer in its own wire format. */
  interface Format {
    read(body: unknown): { request: ChatCompletionRequest; stream: boolean; includeUsage: boolean };
    whole(plan: CompletionPlan): string;
    lines(plan: CompletionPlan, includeUsage: boolean): string[];
  }

  const parse = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Parameters<typeof requestError>[0] } } }, body: unknown): T => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw requestError(parsed.error.issues);
    return parsed.data;
  };

  const CHAT: Format = {
    read(body) {
      const request = parse(chatCompletionRequestSchema, body);
      return { request, stream: request.stream === true, includeUsage: request.stream_options?.include_usage === true };
    },
    whole: (plan) => completionBody(plan.meta, plan.content, plan.finishReason, plan.usage),
    lines: (plan, includeUsage) => streamLines(plan.meta, plan.pieces, plan.finishReason, includeUsage ? plan.usage : null),
  };
  const COMPLETIONS: Format = {
    read(body) {
      const request = parse(completionRequestSchema, body);
      return { request: chatOfCompletion(request), stream: request.stream === true, includeUsage: request.stream_options?.include_usage === true };
    },
    whole: textCompletionBody,
    lines: textCompletionLines,
  };
  const RESPONSES: Format = {
    read(body) {
      const request = parse(responseRequestSchema, body);
      return { request: chatOfResponse(request), stream: request.stream === true, includeUsage: true };
    },
    whole: responseBody,
    lines: (plan) => responseLines(plan),
  };

  async function generate(req: IncomingMessage, res: ServerResponse, t0: number, format: Format): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.');
    }
    const { request, stream: streamed, includeUsage } = format.read(body);
    const model = models.get(request.model);
    if (!model) throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model "${request.model}" does not exist on this server. Models: ${models.names().join(', ')}.`, 'model');

    const plan = model.plan(request);
    if (res.destroyed) return;
    const gen = track(res);
    if (plan.kind === 'error') {
      const retry: Record<string, string> = plan.error.status === 429 || plan.error.status === 503 ? { 'retry-after': '1' } : {};
      at(gen, t0, plan.delayMs, () => {
        gen.cancel();
        sendError(res, plan.error, { 'x-request-id': plan.requestId, ...retry });
      });
      return;
    }
    if (streamed) {
      stream(res, gen, t0, plan, format.lines(plan, includeUsage));
      return;
    }
    at(gen, t0, plan.timing.totalMs, () => {
      gen.cancel();
      sendJson(res, 200, format.whole(plan), { 'x-request-id': plan.requestId });
    });
  }

  /** OpenAI-compatible moderation: one result per input text, from the keyword stand-in in safety.ts. */
  async function moderations(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.');
    }
    const parsed = moderationRequestSchema.safeParse(body);
    if (!parsed.success) throw requestError(parsed.error.issues);
    const { input, model } = parsed.data;
    if (model && !models.get(model)) throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model "${model}" does not exist on this server. Models: ${models.names().join(', ')}.`, 'model');
    const texts = Array.isArray(input) ? input : [input];
    const id = `modr-${createHash('sha256').update(JSON.stringify(texts)).digest('hex').slice(0, 24)}`;
    sendJson(res, 200, JSON.stringify({ id, model: model ?? 'ref-moderation', results: texts.map(moderate) }));
  }

  /**
   * A stand-in for a training system's intake, for retraining webhooks (drift and quality triggers): POST /retrain
   * queues a job for any JSON body and answers 202 with its id; GET /retrain lists the last 50 received, newest first,
   * with the delivery headers a sender set (never their values beyond the event and delivery ids).
   */
  const retrainJobs: { id: string; receivedAt: string; event: string | null; delivery: string | null; signed: boolean; bytes: number }[] = [];
  async function retrain(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    try {
      JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.');
    }
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string).slice(0, 100) : null);
    const job = { id: `retrain-${retrainJobs.length + 1}`, receivedAt: new Date().toISOString(), event: header('x-slipway-event'), delivery: header('x-slipway-delivery'), signed: /^sha256=[0-9a-f]{64}$/.test(header('x-slipway-signature') ?? ''), bytes: Buffer.byteLength(raw) };
    retrainJobs.unshift(job);
    retrainJobs.length = Math.min(retrainJobs.length, 50);
    sendJson(res, 202, JSON.stringify({ id: job.id, status: 'queued' }));
  }

  /** OpenAI-compatible embeddings: hashed words and word pairs (embeddings.ts), one vector per input text. */
  async function embeddings(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, 'invalid_request_error', 'invalid_json', 'The request body is not valid JSON.');
    }
    const parsed = embeddingRequestSchema.safeParse(body);
    if (!parsed.success) throw requestError(parsed.error.issues);
    const { input, model, dimensions, encoding_format: encoding } = parsed.data;
    if (!models.get(model)) throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model "${model}" does not exist on this server. Models: ${models.names().join(', ')}.`, 'model');
    const texts = Array.isArray(input) ? input : [input];
    const tokens = texts.reduce((n, t) => n + words(t).length, 0);
    sendJson(
      res,
      200,
      JSON.stringify({ object: 'list', model, data: texts.map((t, index) => ({ object: 'embedding', index, embedding: encoded(embed(t, dimensions), encoding) })), usage: { prompt_tokens: tokens, total_tokens: tokens } }),
    );
  }

  function route(req: IncomingMessage, res: ServerResponse, t0: number): Promise<void> | void {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (path === '/health') {
      sendJson(res, 200, '{"status":"ok"}');
      return;
    }
    if (path === '/retrain') {
      if (method === 'GET') return sendJson(res, 200, JSON.stringify({ object: 'list', data: retrainJobs }));
      if (method !== 'POST') throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', '/retrain accepts GET and POST.');
      return retrain(req, res);
    }
    if (!path.startsWith('/v1/')) throw new HttpError(404, 'invalid_request_error', 'not_found', `Unknown path ${path}; the API is under /v1.`);
    if (options.apiKey && !keyMatches(req.headers.authorization, options.apiKey)) {
      throw new HttpError(401, 'invalid_request_error', 'invalid_api_key', 'Missing or incorrect API key. Send it as "Authorization: Bearer <key>".');
    }
    const allow = (m: string) => {
      if (method !== m) throw new HttpError(405, 'invalid_request_error', 'method_not_allowed', `${path} accepts ${m} only.`);
    };
    if (path === '/v1/models') {
      allow('GET');
      sendJson(res, 200, modelList);
      return;
    }
    if (path.startsWith('/v1/models/')) {
      allow('GET');
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (!models.get(id)) throw new HttpError(404, 'invalid_request_error', 'model_not_found', `The model "${id}" does not exist on this server.`, 'model');
      sendJson(res, 200, JSON.stringify(modelObject(id, MODEL_CREATED)));
      return;
    }
    if (path === '/v1/chat/completions') {
      allow('POST');
      return generate(req, res, t0, CHAT);
    }
    if (path === '/v1/completions') {
      allow('POST');
      return generate(req, res, t0, COMPLETIONS);
    }
    if (path === '/v1/responses') {
      allow('POST');
      return generate(req, res, t0, RESPONSES);
    }
    if (path === '/v1/moderations') {
      allow('POST');
      return moderations(req, res);
    }
    if (path === '/v1/embeddings') {
      allow('POST');
      return embeddings(req, res);
    }
    throw new HttpError(404, 'invalid_request_error', 'not_found', `Unknown path ${path}.`);
  }

  function fail(res: ServerResponse, err: unknown): void {
    if (!(err instanceof HttpError)) log.error({ err }, 'reference model request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Internals never reach the client: only our own HttpErrors carry a message out.
    sendError(res, err instanceof HttpError ? err : new HttpError(500, 'server_error', 'internal_error', 'The server failed to handle the request.'));
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now();
    try {
      const pending = route(req, res, t0);
      if (pending) pending.catch((err: unknown) => fail(res, err));
    } catch (err) {
      fail(res, err);
    }
  };

  return { handler, active };
}

/** Loads the config (object, file, or the shipped default), the tokenizer, and starts listening. */
export async function startReferenceModelServer(options: ReferenceModelServerOptions = {}): Promise<ReferenceModelServer> {
  const config: ReferenceModelConfig = options.config ? parseReferenceModelConfig(options.config) : loadReferenceModelConfig(options.configPath);
  const seed = options.seed ?? config.seed ?? randomInt(0, 2 ** 31);
  const tokenizer = await loadTokenizer(config.tokenizer);
  const models = new ReferenceModels(config, tokenizer, seed);
  const { handler, active } = createReferenceModelHandler(models, { apiKey: config.apiKey, noDelay: options.noDelay ?? false });

  const server = http.createServer({ keepAliveTimeout: 65_000 }, handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    seed,
    models: models.names(),
    inFlight: () => active.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const gen of [...active]) gen.cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
