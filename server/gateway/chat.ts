// POST chat/completions: render the release's prompt when asked, call the release's upstream (streaming
// passed through event by event, never buffered whole), fall back to the stable release when a canary's
// upstream fails before anything reached the caller, cancel upstream work when the caller goes away, and
// hand one telemetry record per attempt to the writer.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json, RequestLog } from '@/db/schema';
import { DomainError } from '@/server/errors';
import { isOutboundRefused } from '@/server/outbound/policy';
import { fill } from '@/server/lib/template';
import type { Arm } from './choose';
import { GatewayError, sendOpenAIError } from './http';
import type { EnvRoute, Target } from './snapshot';
import { withoutNul } from '@/server/lib/storable';
import { ONLINE_EVAL_SAMPLE_MAX_CHARS, SAMPLE_MAX_CHARS, sampleText } from '@/server/lib/redact';
import { inSample } from '@/server/lib/sampling';
import { refusalPhrase } from '@/server/lib/refusal';
import { countMessageTokens, countTokens } from './tokenizer';
import { errorClassOf, isConnectionError, poolFor } from './upstream';
import type { TelemetryWriter } from './telemetry';

type Message = { role: string; content: unknown };

export interface ChatRequest {
  requestId: string;
  route: EnvRoute;
  arm: Arm<Target>;
  body: Record<string, unknown>;
  keyId: string;
  stickyKey: string | null;
  pinned: boolean;
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

export function headersOf(target: Target): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (target.apiKey) h.authorization = `Bearer ${target.apiKey}`;
  return h;
}

/** One call to one upstream. Streams are relayed event by event as they arrive. */
async function attempt(target: Target, payload: Record<string, unknown>, res: ServerResponse, signal: AbortSignal, timeoutMs: number, started: number, relayHeaders: Record<string, string>, clientWantsUsage: boolean): Promise<AttemptResult> {
  const result: AttemptResult = { status: 0, errorClass: null, ttftMs: null, usage: { input: null, output: null }, outputText: '', finishReason: null, committed: false };
  if (!target.url) {
    result.status = 502;
    result.errorClass = 'no_endpoint';
    result.failure = { status: 502, headers: {}, body: Buffer.from(JSON.stringify({ error: { message: `${target.modelRef} is a container image with no endpoint yet`, type: 'api_error', param: null, code: 'no_endpoint' } })) };
    return result;
  }
  if (target.keyRefusal) {
    result.status = 502;
    result.errorClass = 'secret_not_allowed';
    result.failure = { status: 502, headers: {}, body: Buffer.from(JSON.stringify({ error: { message: `${target.modelRef}: its API key is not sent: ${target.keyRefusal}`, type: 'api_error', param: null, code: 'secret_not_allowed' } })) };
    return result;
  }
  const url = new URL(target.url);
  let upstream;
  try {
    upstream = await poolFor(url).request({ path: url.pathname + url.search, method: 'POST', headers: headersOf(target), body: JSON.stringify(payload), signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
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
      try {
        const json = JSON.parse(body.toString('utf8')) as { usage?: { prompt_tokens?: number; completion_tokens?: number }; choices?: { message?: { content?: string }; finish_reason?: string }[] };
        result.usage = { input: json.usage?.prompt_tokens ?? null, output: json.usage?.completion_tokens ?? null };
        result.outputText = json.choices?.[0]?.message?.content ?? '';
        result.finishReason = json.choices?.[0]?.finish_reason ?? null;
      } catch {
        result.errorClass = 'upstream_bad_response';
      }
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
      while ((cut = pending.indexOf('\n\n')) >= 0) {
        const event = pending.slice(0, cut);
        pending = pending.slice(cut + 2);
        if (relayEvent(event, result, clientWantsUsage, started)) res.write(`${event}\n\n`);
      }
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

/** Reads one SSE event for telemetry; says whether to pass it on (a usage-only chunk the caller did not ask for is not). */
function relayEvent(event: string, result: AttemptResult, clientWantsUsage: boolean, started: number): boolean {
  const data = event.startsWith('data:') ? event.slice(5).trim() : null;
  if (!data || data === '[DONE]') return true;
  try {
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } | null };
    const choice = chunk.choices?.[0];
    if (choice?.delta?.content) {
      if (result.ttftMs === null) result.ttftMs = performance.now() - started;
      result.outputText += choice.delta.content;
    }
    if (choice?.finish_reason) result.finishReason = choice.finish_reason;
    if (chunk.usage) {
      result.usage = { input: chunk.usage.prompt_tokens ?? null, output: chunk.usage.completion_tokens ?? null };
      if (!clientWantsUsage && (!chunk.choices || chunk.choices.length === 0)) return false;
    }
  } catch {
    // Not JSON: relay as is.
  }
  return true;
}

export async function handleChat(req: IncomingMessage, res: ServerResponse, chat: ChatRequest, telemetry: TelemetryWriter): Promise<void> {
  const { route } = chat;
  const controller = new AbortController();
  // The caller hanging up mid-way cancels the upstream call.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const clientWantsUsage = Boolean((chat.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage);
  const timeout = route.settings.upstreamTimeoutMs;

  const tryTarget = async (target: Target, isFallback: boolean) => {
    const { payload, promptVersionId, messages } = upstreamBody(target, chat.body);
    const relayHeaders = { 'x-slipway-release': target.releaseRef, 'x-slipway-request-id': chat.requestId };
    let result = await attempt(target, payload, res, controller.signal, timeout, chat.started, relayHeaders, clientWantsUsage);
    // A connection that failed before reaching the model is retried once on the same upstream.
    if (!result.committed && result.error && isConnectionError(result.error) && !controller.signal.aborted) {
      result = await attempt(target, payload, res, controller.signal, timeout, chat.started, relayHeaders, clientWantsUsage);
    }
    telemetry.defer(telemetryRow(chat, target, result, { promptVersionId, messages, isFallback, shadow: false }));
    return { result, relayHeaders };
  };

  let { result, relayHeaders } = await tryTarget(chat.arm.target, false);
  const stable = route.arms.stable.target;
  const failed = !result.committed && (result.status >= 500 || result.error !== undefined) && !controller.signal.aborted;
  if (failed && route.settings.fallbackToStable && !chat.pinned && stable.releaseId !== chat.arm.target.releaseId) {
    ({ result, relayHeaders } = await tryTarget(stable, true));
  }
  if (result.committed || res.headersSent) return;
  if (controller.signal.aborted) return;
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
  const controller = new AbortController();
  const result = await unansweredCall(target, prepared.payload, controller.signal, chat.route.settings.upstreamTimeoutMs);
  telemetry.defer(telemetryRow(chat, target, result, { promptVersionId: prepared.promptVersionId, messages: prepared.messages, isFallback: false, shadow: true }));
}

/** What one call answered, for callers that are not relaying it to anyone (shadow calls, evals). */
export type CallResult = AttemptResult;

/**
 * One non-streamed call as the gateway makes it (same pool, headers, key, timeouts and outbound policy), answered
 * to nobody: `payload` comes from upstreamBody with `stream: false`.
 */
export async function unansweredCall(target: Target, payload: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<CallResult> {
  return attempt(target, payload, new ShadowSink() as unknown as ServerResponse, signal, timeoutMs, performance.now(), {}, false);
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

async function telemetryRow(
  chat: ChatRequest,
  target: Target,
  result: AttemptResult,
  extra: { promptVersionId: string | null; messages: Message[]; isFallback: boolean; shadow: boolean },
): Promise<RequestLog> {
  const latencyMs = performance.now() - chat.started;
  const inputText = extra.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))).join('\n');
  // Usage from the upstream when it reports it; otherwise counted with the tokenizer, after the response.
  const ok = result.status === 200;
  const input = result.usage.input ?? (ok ? await countMessageTokens(extra.messages) : 0);
  const output = result.usage.output ?? (ok ? await countTokens(result.outputText) : 0);
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
    fallback: extra.isFallback,
    stream: chat.body.stream === true && !extra.shadow,
    status: result.status,
    errorClass: result.errorClass,
    latencyMs,
    ttftMs: result.ttftMs,
    inputTokens: input,
    outputTokens: output,
    costUsd: (input * target.priceInputPer1M + output * target.priceOutputPer1M) / 1_000_000,
    stickyHash: chat.stickyKey ? createHash('sha256').update(chat.stickyKey).digest('hex').slice(0, 16) : null,
    features: {
      inputChars: inputText.length,
      outputChars: result.outputText.length,
      messages: extra.messages.length,
      finishReason: result.finishReason && withoutNul(String(result.finishReason)),
      ...(ok ? answerFlags(result.outputText) : {}),
    },
    sample: keep ? { input: sampleText(inputText, maxChars), output: sampleText(result.outputText, maxChars) } : null,
  };
}
