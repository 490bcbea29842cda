// The OpenAI endpoints beyond chat: POST embeddings, responses and (legacy) completions. Each is routed like a
// chat request (same release arm, sticky key, pin header) and relayed by the same code (fallback, cancellation,
// telemetry with tokens, cost and latency), but Slipway changes less: the model is replaced by the release's
// upstream model everywhere; legacy completions also take the release's config defaults (they share chat's
// parameter names); embeddings and responses take nothing else. Prompt templates (slipway.prompt) are chat's
// alone. The caller's bytes are forwarded with only the model spliced in.
import type { Target } from './snapshot';
import { spliceBody, stringField, tailUsage, usageOf } from './body';
import { choicesReader, endpointUrl, eventData, gatewayCall, type AnswerReader, type ChatRequest, type GatewayCall, type InputSummary, type Prepared } from './chat';
import { GatewayError } from './http';
import { countTokens } from './tokenizer';

export const PASSTHROUGH_ENDPOINTS = ['embeddings', 'responses', 'completions'] as const;
export type PassthroughEndpoint = (typeof PASSTHROUGH_ENDPOINTS)[number];

export function isPassthroughEndpoint(endpoint: string): endpoint is PassthroughEndpoint {
  return (PASSTHROUGH_ENDPOINTS as readonly string[]).includes(endpoint);
}

/** Texts of a string or a list of strings (token-id arrays carry no text to record). */
function textsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function textInput(items: number, texts: () => string[]): InputSummary {
  return { items, text: () => texts().join('\n'), tokens: () => countTokens(texts().join('\n')) };
}

/** A responses request's input as text: its instructions, then the input string or the text of its items. */
function responsesTexts(body: Record<string, unknown>): string[] {
  const out = textsOf(body.instructions);
  const input = body.input;
  if (typeof input === 'string') return [...out, input];
  if (!Array.isArray(input)) return out;
  for (const item of input as { content?: unknown; text?: unknown }[]) {
    if (typeof item?.content === 'string') out.push(item.content);
    else if (Array.isArray(item?.content)) for (const part of item.content as { text?: unknown }[]) if (typeof part?.text === 'string') out.push(part.text);
  }
  return out;
}

/** Embeddings answers: usage alone, found from the end of the body; the vectors are never parsed. */
const embeddingsReader: AnswerReader = {
  whole(body, result) {
    result.usage = tailUsage(body) ?? result.usage;
    if (result.usage.input !== null && result.usage.output === null) result.usage.output = 0;
  },
  event: () => true,
};

type ResponseObject = { status?: unknown; incomplete_details?: { reason?: unknown } | null; usage?: unknown; output?: { type?: unknown; content?: { type?: unknown; text?: unknown }[] }[] };

function readResponseObject(r: ResponseObject, result: Parameters<AnswerReader['whole']>[1], withText: boolean): void {
  result.usage = usageOf(r.usage) ?? result.usage;
  const reason = r.incomplete_details?.reason;
  result.finishReason = r.status === 'completed' ? 'stop' : typeof reason === 'string' ? reason : typeof r.status === 'string' ? r.status : null;
  if (!withText) return;
  let text = '';
  for (const item of r.output ?? []) if (item?.type === 'message') for (const part of item.content ?? []) if (part?.type === 'output_text' && typeof part.text === 'string') text += part.text;
  result.outputText = text;
}

const FINAL_RESPONSE_EVENTS = ['"response.completed"', '"response.incomplete"', '"response.failed"'];

/**
 * Responses answers: a whole answer is parsed (its text is what the features read); a stream's text deltas are
 * read by scanning, and only its final event (the response with its usage) is parsed.
 */
const responsesReader: AnswerReader = {
  whole(body, result) {
    try {
      readResponseObject(JSON.parse(body.toString('utf8')) as ResponseObject, result, true);
    } catch {
      result.errorClass = 'upstream_bad_response';
    }
  },
  event(event, result, started) {
    const data = eventData(event);
    if (!data) return true;
    if (data.includes('"response.output_text.delta"')) {
      const delta = stringField(data, 'delta');
      if (delta) {
        if (result.ttftMs === null) result.ttftMs = performance.now() - started;
        result.outputText += delta;
      }
      return true;
    }
    if (FINAL_RESPONSE_EVENTS.some((name) => data.includes(name))) {
      try {
        const final = JSON.parse(data) as { response?: ResponseObject };
        if (final.response) readResponseObject(final.response, result, false);
      } catch {
        // Not JSON: relay as is.
      }
    }
    return true;
  },
};

/** The upstream body: the caller's bytes with the model (and any defaults) spliced in, or serialised anew. */
function outgoing(target: Target, endpoint: PassthroughEndpoint, raw: Buffer, body: Record<string, unknown>, defaults: Record<string, unknown>, streamUsage: boolean): Prepared['out'] {
  const spliced = spliceBody(raw, body, { model: target.upstreamModel, defaults, streamUsage });
  if (spliced) return { url: endpointUrl(target, endpoint), body: spliced };
  const payload: Record<string, unknown> = { ...defaults, ...body, model: target.upstreamModel };
  if (streamUsage && payload.stream === true) payload.stream_options = { ...(payload.stream_options as object | undefined), include_usage: true };
  return { url: endpointUrl(target, endpoint), body: JSON.stringify(payload) };
}

/** The call for one request to a pass-through endpoint, with what its body must hold checked first. */
export function passthroughCall(endpoint: PassthroughEndpoint, request: ChatRequest & { raw: Buffer }): GatewayCall {
  const { body, raw } = request;
  if (body.slipway !== undefined) throw new GatewayError(400, 'invalid_request', `slipway.prompt renders a prompt into chat messages; ${endpoint} does not take it`);
  if (endpoint === 'embeddings') {
    const input = body.input;
    if (typeof input !== 'string' && !(Array.isArray(input) && input.length)) throw new GatewayError(400, 'invalid_request', 'input is required: a string or a non-empty array');
    if (body.stream !== undefined) throw new GatewayError(400, 'invalid_request', 'embeddings are not streamed');
    const items = Array.isArray(input) ? input.length : 1;
    return gatewayCall(request, endpoint, false, embeddingsReader, (target) => ({ out: outgoing(target, endpoint, raw, body, {}, false), promptVersionId: null, input: textInput(items, () => textsOf(input)) }));
  }
  if (endpoint === 'completions') {
    const prompt = body.prompt;
    if (typeof prompt !== 'string' && !(Array.isArray(prompt) && prompt.length)) throw new GatewayError(400, 'invalid_request', 'prompt is required: a string or a non-empty array');
    const clientWantsUsage = Boolean((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage);
    const items = Array.isArray(prompt) ? prompt.length : 1;
    return gatewayCall(request, endpoint, true, choicesReader(clientWantsUsage, 'text'), (target) => {
      const streamUsage = !('stream' in target.params) && !('stream_options' in target.params);
      return { out: outgoing(target, endpoint, raw, body, target.params, streamUsage), promptVersionId: null, input: textInput(items, () => textsOf(prompt)) };
    });
  }
  const items = Array.isArray(body.input) ? body.input.length : body.input === undefined ? 0 : 1;
  return gatewayCall(request, endpoint, true, responsesReader, (target) => ({ out: outgoing(target, endpoint, raw, body, {}, false), promptVersionId: null, input: textInput(items, () => responsesTexts(body)) }));
}
