// POST chat/completions, and the relay every model endpoint shares: render the release's prompt when asked
// (otherwise forward the caller's bytes with only Slipway's changes spliced in), call the release's upstream
// (streaming passed through as it arrives, never buffered whole), fall back to the stable release when a
// canary's upstream fails before anything reached the caller, cancel upstream work when the caller goes away,
// read answers only as far as telemetry needs, and hand one telemetry record per attempt to the writer.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json, RequestFeatures, RequestLog } from '@/db/schema';
import { DomainError } from '@/server/errors';
import { isOutboundRefused } from '@/server/outbound/policy';
import { fill } from '@/server/lib/template';
import type { Arm } from './choose';
import { GatewayError, sendOpenAIError } from './http';
import type { EnvRoute, Target } from './snapshot';
import { targetUrl } from './replicas';
import { withoutNul } from '@/server/lib/storable';
import { ONLINE_EVAL_SAMPLE_MAX_CHARS, SAMPLE_MAX_CHARS, sampleText } from '@/server/lib/redact';
import { inSample } from '@/server/lib/sampling';
import { refusalPhrase } from '@/server/lib/refusal';
import { spliceBody, stringAfter, tailUsage, usageOf } from './body';
import { countMessageTokens, countTokens } from './tokenizer';
import { errorClassOf, isConnectionError, poolFor } from './upstream';
import type { TelemetryWriter } from './telemetry';

type Message = { role: string; content: unknown };

export interface ChatRequest {
  requestId: string;
  route: EnvRoute;
  arm: Arm<Target>;
  body: Record<string, unknown>;
  /** Null for a smoke test's call (it has a token, not a key). */
  keyId: string | null;
  /** The body as the caller sent it: forwarded as is, with only Slipway's changes spliced in. */
  raw?: Buffer;
  stickyKey: string | null;
  pinned: boolean;
  /** A smoke test's call: recorded apart from user traffic (request_logs.synthetic). */
  synthetic?: boolean;
  started: number;
}

export interface AttemptResult {
  status: number;
  errorClass: string | null;
  ttftMs: number | null;
  usage: { input: number | null; output: number | null };
  outputText: string;
  finishReason: string | null;
  /** True once any byte went to the caller: from then on there is no falling back. */
  committed: boolean;
  error?: unknown;
  /** For a failed, uncommitted attempt: what the upstream said, to relay if nothing better comes. */
  failure?: { status: number; headers: Record<string, string>; body: Buffer };
}

const PASSTHROUGH_EXCLUDED = new Set(['messages', 'model', 'slipway']);

/** The upstream request body: model defaults < release config < prompt params < the caller's own parameters. */
export function upstreamBody(target: Target, body: Record<string, unknown>): { payload: Record<string, unknown>; promptVersionId: string | null; messages: Message[] } {
  const slipway = body.slipway as { prompt?: unknown; variables?: unknown } | undefined;
  let messages: Message[] = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
  let promptParams: Record<string, Json> = {};
  let promptVersionId: string | null = null;
  if (slipway !== undefined) {
    if (!slipway || typeof slipway !== 'object' || typeof slipway.prompt !== 'string') throw new GatewayError(400, 'invalid_request', 'slipway.prompt must name a prompt of the release');
    const prompt = target.prompts.get(slipway.prompt);
    if (!prompt) throw new GatewayError(400, 'prompt_not_in_release', `Release ${target.releaseRef} has no prompt "${slipway.prompt}" (it has: ${[...target.prompts.keys()].join(', ') || 'none'})`);
    const variables = slipway.variables ?? {};
    if (!variables || typeof variables !== 'object' || Array.isArray(variables)) throw new GatewayError(400, 'invalid_request', 'slipway.variables must be an object');
    try {
      messages = [...fill(prompt.messages, prompt.variables, variables as Record<string, Json>), ...messages];
    } catch (err) {
      if (err instanceof DomainError) throw new GatewayError(400, 'prompt_render_error', `Rendering ${slipway.prompt}@${prompt.version}: ${err.message}`);
      throw err;
    }
    promptParams = prompt.params;
    promptVersionId = prompt.versionId;
  }
  if (!messages.length) throw new GatewayError(400, 'invalid_request', 'messages is required (or slipway.prompt to render the release’s prompt)');
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!PASSTHROUGH_EXCLUDED.has(k)) own[k] = v;
  const payload: Record<string, unknown> = { ...target.params, ...promptParams, ...own, model: target.upstreamModel, messages };
  if (payload.stream === true) payload.stream_options = { ...(payload.stream_options as object | undefined), include_usage: true };
  return { payload, promptVersionId, messages };
}

const HEADERS = new WeakMap<Target, Record<string, string>>();

/** The headers of every call to a target's upstream, built once per target (a snapshot reload makes new targets). */
export function headersOf(target: Target): Record<string, string> {
  let h = HEADERS.get(target);
  if (!h) {
    h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (target.apiKey) h.authorization = `Bearer ${target.apiKey}`;
    HEADERS.set(target, h);
  }
  return h;
}

const CHAT_SUFFIX = 'chat/completions';

/** The URL of another endpoint of a target's upstream (targets carry their chat completions URL). */
export function endpointUrl(target: Target, endpoint: string): string | null {
  const url = targetUrl(target);
  if (!url) return null;
  return url.endsWith(CHAT_SUFFIX) ? url.slice(0, -CHAT_SUFFIX.length) + endpoint : url;
}

/** How an endpoint's answers are read for telemetry: only as far as usage and the recorded features need. */
export interface AnswerReader {
  /** A whole (non-streamed) answer with status 200. */
  whole(body: Buffer, result: AttemptResult): void;
  /** One SSE event, without its blank-line end; false drops it (a usage-only event the caller did not ask for). */
  event(event: string, result: AttemptResult, started: number): boolean;
}

/** What an attempt sends: the body and the upstream URL of the endpoint called. */
export interface Outgoing {
  url: string | null;
  body: Buffer | string;
}

const URLS = new Map<string, URL>();

/** Upstream URLs parsed once (a few per release; the map is cleared if it ever grows past a few thousand). */
function parsedUrl(href: string): URL {
  let url = URLS.get(href);
  if (!url) {
    if (URLS.size >= 4096) URLS.clear();
    url = new URL(href);
    URLS.set(href, url);
  }
  return url;
}

/**
 * What cancels an upstream call: an AbortSignal, or the cheaper Hangup a relayed request uses. undici takes
 * either (it needs `aborted`, `reason` and the abort listener methods).
 */
export type CancelSignal = AbortSignal | Hangup;

/**
 * The caller hanging up, as an abort signal for the upstream call: only what undici uses of an AbortSignal. An
 * AbortController (with its EventTarget) per request cost the gateway's workers about 3% of their CPU.
 */
export class Hangup {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DOMException('The caller hung up', 'AbortError');
    for (const listener of this.listeners.splice(0)) listener();
  }
}

/** One call to one upstream. Streams are relayed as they arrive, each network read's complete events in one write. */
async function attempt(target: Target, out: Outgoing, res: ServerResponse, signal: CancelSignal, timeoutMs: number, started: number, relayHeaders: Record<string, string>, reader: AnswerReader): Promise<AttemptResult> {
  const result: AttemptResult = { status: 0, errorClass: null, ttftMs: null, usage: { input: null, output: null }, outputText: '', finishReason: null, committed: false };
  if (!out.url) {
    result.status = 502;
    result.errorClass = 'no_endpoint';
    result.failure = { status: 502, headers: {}, body: Buffer.from(JSON.stringify({ error: { message: target.noEndpoint ?? `${target.modelRef} is a container image with no endpoint yet`, type: 'api_error', param: null, code: 'no_endpoint' } })) };
    return result;
  }
  if (target.keyRefusal) {
    result.status = 502;
    result.errorClass = 'secret_not_allowed';
    result.failure = { status: 502, headers: {}, body: Buffer.from(JSON.stringify({ error: { message: `${target.modelRef}: its API key is not sent: ${target.keyRefusal}`, type: 'api_error', param: null, code: 'secret_not_allowed' } })) };
    return result;
  }
  const url = parsedUrl(out.url);
  let upstream;
  try {
    upstream = await poolFor(url).request({ path: url.pathname + url.search, method: 'POST', headers: headersOf(target), body: out.body, signal: signal as AbortSignal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    result.status = signal.aborted ? 499 : 502;
    result.errorClass = errorClassOf(err);
    result.error = err;
    return result;
  }
  result.status = upstream.statusCode;
  const contentType = String(upstream.headers['content-type'] ?? '');
  try {
    if (upstream.statusCode !== 200) {
      const body = Buffer.from(await upstream.body.arrayBuffer());
      result.errorClass = upstream.statusCode >= 500 ? 'upstream_5xx' : 'upstream_4xx';
      result.failure = { status: upstream.statusCode, headers: { 'content-type': contentType || 'application/json' }, body };
      return result;
    }
    if (!contentType.includes('text/event-stream')) {
      const body = Buffer.from(await upstream.body.arrayBuffer());
      result.committed = true;
      res.writeHead(200, { 'content-type': contentType || 'application/json', 'content-length': body.length, ...relayHeaders });
      res.end(body);
      result.ttftMs = performance.now() - started;
      // Read for telemetry only once the caller has its answer.
      reader.whole(body, result);
      return result;
    }
    result.committed = true;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...relayHeaders });
    let pending = '';
    // One decoder across chunks: a character split between two network reads must not turn into U+FFFD.
    const decoder = new TextDecoder();
    for await (const chunk of upstream.body) {
      pending += decoder.decode(chunk as Buffer, { stream: true });
      let cut: number;
      let from = 0;
      // Complete events are relayed as one run of the text read, cut only around an event the reader drops.
      let kept = 0;
      let relay = '';
      while ((cut = pending.indexOf('\n\n', from)) >= 0) {
        if (!reader.event(pending.slice(from, cut), result, started)) {
          relay += pending.slice(kept, from);
          kept = cut + 2;
        }
        from = cut + 2;
      }
      relay += pending.slice(kept, from);
      if (from) pending = pending.slice(from);
      if (relay) res.write(relay);
    }
    pending += decoder.decode();
    if (pending.trim()) res.write(pending);
    res.end();
    return result;
  } catch (err) {
    result.errorClass = errorClassOf(err);
    result.error = err;
    if (result.status === 200) result.status = signal.aborted ? 499 : 502;
    if (result.committed && !res.writableEnded) res.destroy();
    return result;
  }
}

/** The data of an SSE event's single `data:` line, or null (a comment, another field, or several lines). */
export function eventData(event: string): string | null {
  const from = dataStart(event);
  return from < 0 ? null : event.slice(from).trim();
}

/** Where an SSE event's data begins (after `data:` and one optional space), or -1 when it has no data line. */
function dataStart(event: string): number {
  if (event.startsWith('data:')) return event.charCodeAt(5) === 0x20 ? 6 : 5;
  const at = event.lastIndexOf('\ndata:');
  if (at < 0) return -1;
  return event.charCodeAt(at + 6) === 0x20 ? at + 7 : at + 6;
}

/** Whether a JSON text holds a non-null `"usage":{…}` object (from `from` on): the one event per stream worth parsing whole. */
export function hasUsageObject(data: string, from = 0): boolean {
  let at = data.indexOf('"usage":', from);
  while (at >= 0) {
    let i = at + 8;
    while (data.charCodeAt(i) === 0x20) i++;
    if (data.charCodeAt(i) === 0x7b) return true;
    at = data.indexOf('"usage":', i);
  }
  return false;
}

const FINISH_REASON = '"finish_reason":';

/**
 * Chat completions (and legacy completions, whose choices carry `text`): a whole answer's content, finish reason
 * and usage are found by scanning; stream events are scanned in place for their delta and finish reason, and only
 * the usage event is parsed (and dropped when the gateway asked for it and the caller did not).
 */
export function choicesReader(clientWantsUsage: boolean, field: 'content' | 'text' = 'content'): AnswerReader {
  const needle = `"${field}":`;
  return {
    whole(body, result) {
      const text = body.toString('utf8');
      const choices = text.indexOf('"choices"');
      if (choices < 0) {
        try {
          const json = JSON.parse(text) as { usage?: unknown };
          result.usage = usageOf(json.usage) ?? result.usage;
        } catch {
          result.errorClass = 'upstream_bad_response';
        }
        return;
      }
      result.outputText = firstStringAfter(text, needle, choices) ?? '';
      result.finishReason = stringAfter(text, FINISH_REASON, choices);
      result.usage = tailUsage(body) ?? result.usage;
    },
    event(event, result, started) {
      const from = dataStart(event);
      // No data, or [DONE].
      if (from < 0 || event.charCodeAt(from) !== 0x7b) return true;
      if (hasUsageObject(event, from)) {
        try {
          const chunk = JSON.parse(event.slice(from)) as { choices?: Record<string, unknown>[]; usage?: unknown };
          const choice = chunk.choices?.[0] as { delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown } | undefined;
          const piece = field === 'content' ? choice?.delta?.content : choice?.text;
          if (typeof piece === 'string' && piece) addPiece(result, piece, started);
          if (typeof choice?.finish_reason === 'string') result.finishReason = choice.finish_reason;
          result.usage = usageOf(chunk.usage) ?? result.usage;
          if (!clientWantsUsage && (!chunk.choices || chunk.choices.length === 0)) return false;
        } catch {
          // Not JSON: relay as is.
        }
        return true;
      }
      const piece = firstStringAfter(event, needle, from);
      if (piece) addPiece(result, piece, started);
      const finish = stringAfter(event, FINISH_REASON, from);
      if (finish) result.finishReason = finish;
      return true;
    },
  };
}

/** The first `"<field>":"…"` with a string value (logprobs hold `"content":[…]`, which is passed over). */
function firstStringAfter(text: string, needle: string, from: number): string | null {
  for (let at = text.indexOf(needle, from); at >= 0; at = text.indexOf(needle, at + needle.length)) {
    const value = stringAfter(text, needle, at);
    if (value !== null) return value;
  }
  return null;
}

function addPiece(result: AttemptResult, piece: string, started: number): void {
  if (result.ttftMs === null) result.ttftMs = performance.now() - started;
  result.outputText += piece;
}

/** What the gateway sends for one target: the body (spliced or serialised), and what telemetry needs of the input. */
export interface Prepared {
  out: Outgoing;
  promptVersionId: string | null;
  input: InputSummary;
}

/** The input as telemetry sees it, computed only after the answer (text and token count are not on the hot path). */
export interface InputSummary {
  items: number;
  text(): string;
  tokens(): Promise<number>;
}

/** One gateway call of any endpoint: routing decided, the body read; `prepare` makes each target's request. */
export interface GatewayCall extends ChatRequest {
  endpoint: string;
  prepare(target: Target): Prepared;
  reader: AnswerReader;
  /** The answer is text (features and samples are recorded), not vectors. */
  textOutput: boolean;
}

function messagesInput(messages: Message[]): InputSummary {
  return {
    items: messages.length,
    text: () => messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))).join('\n'),
    tokens: () => countMessageTokens(messages),
  };
}

/**
 * A chat request's body for one target. Without a prompt to render, the caller's bytes go out with only the
 * model, the release's defaults and the usage option spliced in; with one, the body is built anew.
 */
export function prepareChat(target: Target, body: Record<string, unknown>, raw: Buffer | undefined): Prepared {
  const url = targetUrl(target);
  if (raw && body.slipway === undefined && Array.isArray(body.messages) && body.messages.length && !('stream' in target.params) && !('stream_options' in target.params)) {
    const spliced = spliceBody(raw, body, { model: target.upstreamModel, defaults: target.params, streamUsage: true });
    if (spliced) return { out: { url, body: spliced }, promptVersionId: null, input: messagesInput(body.messages as Message[]) };
  }
  const { payload, promptVersionId, messages } = upstreamBody(target, body);
  return { out: { url, body: JSON.stringify(payload) }, promptVersionId, input: messagesInput(messages) };
}

/**
 * A routed request as a call of one endpoint. Written out field by field on purpose, here and wherever the gateway
 * builds objects per request: in Node.js 20 an object spread followed by more fields (`{ ...chat, endpoint }`) takes
 * V8's slow cloning path (about 2 µs each), and in a gateway worker under load, writing this one out cut the request
 * objects that outlived young-generation collections (each of which then took several times longer) by about two
 * thirds (README, Gateway: "Benchmark").
 */
export function gatewayCall(chat: ChatRequest, endpoint: string, textOutput: boolean, reader: AnswerReader, prepare: (target: Target) => Prepared): GatewayCall {
  return {
    requestId: chat.requestId,
    route: chat.route,
    arm: chat.arm,
    body: chat.body,
    keyId: chat.keyId,
    raw: chat.raw,
    stickyKey: chat.stickyKey,
    pinned: chat.pinned,
    synthetic: chat.synthetic,
    started: chat.started,
    endpoint,
    textOutput,
    reader,
    prepare,
  };
}

export async function handleChat(req: IncomingMessage, res: ServerResponse, chat: ChatRequest, telemetry: TelemetryWriter): Promise<void> {
  const clientWantsUsage = Boolean((chat.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage);
  const call = gatewayCall(chat, 'chat/completions', true, choicesReader(clientWantsUsage), (target) => prepareChat(target, chat.body, chat.raw));
  return relayCall(res, call, telemetry);
}

/**
 * Calls the routed release for any endpoint and relays its answer: a connection that failed before reaching the
 * model is retried once, a failed canary falls back to the stable release while nothing reached the caller, the
 * caller hanging up cancels the upstream call, and every attempt hands one telemetry record to the writer.
 */
export async function relayCall(res: ServerResponse, call: GatewayCall, telemetry: TelemetryWriter): Promise<void> {
  const { route } = call;
  const hangup = new Hangup();
  // The caller hanging up mid-way cancels the upstream call.
  res.on('close', () => {
    if (!res.writableFinished) hangup.abort();
  });
  const timeout = route.settings.upstreamTimeoutMs;

  const tryTarget = async (target: Target, isFallback: boolean) => {
    const prepared = call.prepare(target);
    const relayHeaders = { 'x-slipway-release': target.releaseRef, 'x-slipway-request-id': call.requestId, 'x-request-id': call.requestId };
    let result = await attempt(target, prepared.out, res, hangup, timeout, call.started, relayHeaders, call.reader);
    // A connection that failed before reaching the model is retried once on the same upstream.
    if (!result.committed && result.error && isConnectionError(result.error) && !hangup.aborted) {
      result = await attempt(target, prepared.out, res, hangup, timeout, call.started, relayHeaders, call.reader);
    }
    recordAttempt(telemetry, call, target, result, { endpoint: call.endpoint, textOutput: call.textOutput, promptVersionId: prepared.promptVersionId, input: prepared.input, isFallback, shadow: false });
    return { result, relayHeaders };
  };

  let { result, relayHeaders } = await tryTarget(call.arm.target, false);
  const stable = route.arms.stable.target;
  const failed = !result.committed && (result.status >= 500 || result.error !== undefined) && !hangup.aborted;
  if (failed && route.settings.fallbackToStable && !call.pinned && stable.releaseId !== call.arm.target.releaseId) {
    ({ result, relayHeaders } = await tryTarget(stable, true));
  }
  if (result.committed || res.headersSent) return;
  if (hangup.aborted) return;
  if (result.failure) {
    res.writeHead(result.failure.status, { ...result.failure.headers, 'content-length': result.failure.body.length, ...relayHeaders });
    res.end(result.failure.body);
    return;
  }
  const status = result.errorClass === 'upstream_timeout' ? 504 : 502;
  // A refusal names the rule, not the address the endpoint resolved to.
  const message = isOutboundRefused(result.error)
    ? `The model endpoint of ${relayHeaders['x-slipway-release']} is refused by the outbound policy: ${result.error.rule}`
    : `The model endpoint of ${relayHeaders['x-slipway-release']} did not answer (${result.errorClass ?? 'error'})`;
  sendOpenAIError(res, new GatewayError(status, result.errorClass ?? 'upstream_error', message), relayHeaders);
}

/** Mirrors a request to the shadow release in the background; its answer only feeds telemetry. */
export async function shadowCall(chat: ChatRequest, target: Target, telemetry: TelemetryWriter): Promise<void> {
  let prepared;
  try {
    prepared = upstreamBody(target, { ...chat.body, stream: false, stream_options: undefined });
  } catch {
    return;
  }
  const result = await unansweredCall(target, prepared.payload, new Hangup(), chat.route.settings.upstreamTimeoutMs);
  recordAttempt(telemetry, chat, target, result, { endpoint: 'chat/completions', textOutput: true, promptVersionId: prepared.promptVersionId, input: messagesInput(prepared.messages), isFallback: false, shadow: true });
}

/** What one call answered, for callers that are not relaying it to anyone (shadow calls, evals). */
export type CallResult = AttemptResult;

/**
 * One non-streamed call as the gateway makes it (same pool, headers, key, timeouts and outbound policy), answered
 * to nobody: `payload` comes from upstreamBody with `stream: false`.
 */
export async function unansweredCall(target: Target, payload: Record<string, unknown>, signal: CancelSignal, timeoutMs: number): Promise<CallResult> {
  return attempt(target, { url: target.url, body: JSON.stringify(payload) }, new ShadowSink() as unknown as ServerResponse, signal, timeoutMs, performance.now(), {}, choicesReader(false));
}

/** A response that goes nowhere, for shadow calls. */
class ShadowSink {
  headersSent = false;
  writableEnded = false;
  writeHead() {
    this.headersSent = true;
    return this;
  }
  write() {
    return true;
  }
  end() {
    this.writableEnded = true;
  }
  destroy() {}
}

/** The answer flags drift reports test: a refusal (read in its first 1,000 characters), and JSON validity when it looks like JSON. */
export function answerFlags(output: string): { refusal: boolean; json: boolean | null } {
  const refusal = refusalPhrase(output.length > 1000 ? output.slice(0, 1000) : output) !== null;
  const trimmed = output.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
  const body = fenced ? fenced[1]! : trimmed;
  if (!/^[[{]/.test(body)) return { refusal, json: null };
  try {
    JSON.parse(body);
    return { refusal, json: true };
  } catch {
    return { refusal, json: false };
  }
}

/** A sticky key's hash for telemetry, remembered for the keys seen lately (the same users come back). */
const stickyHashes = new Map<string, string>();
const STICKY_HASHES_MAX = 10_000;

export function stickyHashOf(key: string): string {
  let h = stickyHashes.get(key);
  if (h === undefined) {
    h = createHash('sha256').update(key).digest('hex').slice(0, 16);
    if (stickyHashes.size >= STICKY_HASHES_MAX) stickyHashes.delete(stickyHashes.keys().next().value!);
    stickyHashes.set(key, h);
  }
  return h;
}

/** What a record needs beside the routed request: the endpoint called, whether its answer is text, and the attempt's own facts. */
type RowExtra = { endpoint: string; textOutput: boolean; promptVersionId: string | null; input: InputSummary; isFallback: boolean; shadow: boolean };

/**
 * Hands an attempt's telemetry record to the writer: at once when the upstream reported usage (or the attempt
 * failed, which counts no tokens), else once the tokens are counted with the tokenizer, after the response.
 */
function recordAttempt(telemetry: TelemetryWriter, chat: ChatRequest, target: Target, result: AttemptResult, extra: RowExtra): void {
  const latencyMs = performance.now() - chat.started;
  const ok = result.status === 200;
  const { input, output } = result.usage;
  if (!ok || (input !== null && output !== null)) {
    telemetry.recordFrom(() => telemetryRow(chat, target, result, extra, latencyMs, input ?? 0, output ?? 0));
    return;
  }
  telemetry.defer(
    (async () => {
      const counted = await Promise.all([input ?? extra.input.tokens(), output ?? countTokens(result.outputText)]);
      return telemetryRow(chat, target, result, extra, latencyMs, counted[0], counted[1]);
    })(),
  );
}

/** A record's drift features; an answered text call also gets its answer's flags (set one by one, not spread: see gatewayCall). */
function features(inputText: string, result: AttemptResult, messages: number, flagged: boolean): RequestFeatures {
  const f: RequestFeatures = { inputChars: inputText.length, outputChars: result.outputText.length, messages, finishReason: result.finishReason && withoutNul(String(result.finishReason)) };
  if (flagged) {
    const flags = answerFlags(result.outputText);
    f.refusal = flags.refusal;
    f.json = flags.json;
  }
  return f;
}

function telemetryRow(chat: ChatRequest, target: Target, result: AttemptResult, extra: RowExtra, latencyMs: number, input: number, output: number): RequestLog {
  const inputText = extra.input.text();
  const ok = result.status === 200;
  // Kept for the gateway's own share and for online evals' share, chosen by request id, so online evals find every
  // request of theirs sampled. Online evals score whole answers: their samples are cut much later.
  const onlineEvals = chat.route.onlineEvalPercent;
  const keep = inSample(chat.requestId, Math.max(chat.route.settings.samplePercent, onlineEvals));
  const maxChars = onlineEvals > 0 ? ONLINE_EVAL_SAMPLE_MAX_CHARS : SAMPLE_MAX_CHARS;
  return {
    // When the request arrived.
    at: new Date(Date.now() - latencyMs),
    requestId: chat.requestId,
    serviceId: chat.route.serviceId,
    environment: chat.route.environment,
    releaseId: target.releaseId,
    releaseNumber: target.releaseNumber,
    modelVersionId: target.modelVersionId,
    promptVersionId: extra.promptVersionId,
    keyId: chat.keyId,
    shadow: extra.shadow,
    synthetic: chat.synthetic === true,
    fallback: extra.isFallback,
    stream: chat.body.stream === true && !extra.shadow,
    status: result.status,
    errorClass: result.errorClass,
    latencyMs,
    ttftMs: result.ttftMs,
    inputTokens: input,
    outputTokens: output,
    costUsd: (input * target.priceInputPer1M + output * target.priceOutputPer1M) / 1_000_000,
    stickyHash: chat.stickyKey ? stickyHashOf(chat.stickyKey) : null,
    endpoint: extra.endpoint,
    features: features(inputText, result, extra.input.items, ok && extra.textOutput),
    // A smoke test keeps its own answers (smoke_runs); its requests are never sampled as user traffic, and vectors
    // (embeddings) are not samples of anything.
    sample: keep && !chat.synthetic && extra.textOutput ? { input: sampleText(inputText, maxChars), output: sampleText(result.outputText, maxChars) } : null,
  };
}
