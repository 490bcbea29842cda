// The OpenAI wire format as the reference model server speaks it: the chat completion request schema, the
// error body, and the response and stream-chunk bodies (built as strings, since the stream path is hot).
import { z } from 'zod';

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function'], { error: 'must be one of system, developer, user, assistant, tool, function' }),
  content: z.union([z.string(), z.array(contentPart), z.null()], { error: 'must be a string, an array of content parts or null' }).optional(),
  name: z.string().nullish(),
});

const responseFormat = z.discriminatedUnion(
  'type',
  [
    z.looseObject({ type: z.literal('text') }),
    z.looseObject({ type: z.literal('json_object') }),
    z.looseObject({
      type: z.literal('json_schema'),
      json_schema: z.looseObject({
        name: z.string().min(1, 'must not be empty'),
        schema: z.record(z.string(), z.unknown()).nullish(),
        strict: z.boolean().nullish(),
      }),
    }),
  ],
  { error: 'type must be one of text, json_object, json_schema' },
);

const positiveInt = z.int({ error: 'must be an integer' }).min(1, 'must be at least 1');

// Parameters the server does not model (top_p, tools, user, …) are accepted and ignored, as real servers do.
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string({ error: 'is required' }).min(1, 'is required'),
  messages: z.array(message, { error: 'must be an array of messages' }).min(1, 'must contain at least one message'),
  stream: z.boolean({ error: 'must be a boolean' }).nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean({ error: 'must be a boolean' }).nullish() }).nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  temperature: z.number({ error: 'must be a number' }).min(0, 'must be between 0 and 2').max(2, 'must be between 0 and 2').nullish(),
  // One choice per request keeps the per-model random sequence simple to reason about; asking for more is refused.
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4, 'at most 4 stop sequences')], { error: 'must be a string or an array of strings' }).nullish(),
  response_format: responseFormat.nullish(),
  seed: z.int({ error: 'must be an integer' }).nullish(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;

/** POST /v1/moderations: one text or a list (at most 32), and optionally a model of this server. */
export const moderationRequestSchema = z.looseObject({
  input: z.union([z.string(), z.array(z.string()).min(1, 'must contain at least one text').max(32, 'at most 32 texts')], { error: 'must be a string or an array of strings' }),
  model: z.string().min(1, 'must not be empty').nullish(),
});
export const embeddingRequestSchema = z.looseObject({
  input: z.union([z.string(), z.array(z.string()).min(1, 'must contain at least one text').max(2048, 'at most 2048 texts')], { error: 'must be a string or an array of strings' }),
  model: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  dimensions: z.number().int('must be a whole number').min(1, 'must be at least 1').max(3072, 'must be at most 3072').optional(),
  // base64: the vector's float32 values, little-endian, as the openai client asks for by default.
  encoding_format: z.enum(['float', 'base64'], { error: 'must be float or base64' }).optional(),
});
export type ChatMessage = ChatCompletionRequest['messages'][number];

/** A message's text: the string content, or its text parts joined (images and audio carry no text tokens here). */
export function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [p.text] : [])).join('\n');
  return '';
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** The first zod issue as an OpenAI-style 400: the message names the field and the rule, `param` the field. */
export function requestError(issues: readonly z.core.$ZodIssue[]): HttpError {
  const issue = issues[0]!;
  const param = issue.path.length ? issue.path.map(String).join('.') : null;
  return new HttpError(400, 'invalid_request_error', 'invalid_value', param ? `${param}: ${issue.message}` : issue.message, param);
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FinishReason = 'stop' | 'length';

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
}

export function completionBody(meta: CompletionMeta, content: string, finishReason: FinishReason, usage: Usage): string {
  return JSON.stringify({
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.fingerprint,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finishReason }],
    usage,
  });
}

/**
 * The SSE lines of one streamed completion, in order: the role, one line per content piece, the finish reason,
 * the usage chunk when asked for, then [DONE]. The shared head of every chunk is serialised once.
 */
export function streamLines(meta: CompletionMeta, pieces: readonly string[], finishReason: FinishReason, usage: Usage | null): string[] {
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"system_fingerprint":${JSON.stringify(meta.fingerprint)},"choices":`;
  // With include_usage every chunk carries "usage": null and only the extra last chunk has the numbers.
  const tail = usage ? ',"usage":null}\n\n' : '}\n\n';
  const lines = [`${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${tail}`];
  for (const p of pieces) lines.push(`${head}[{"index":0,"delta":{"content":${JSON.stringify(p)}},"logprobs":null,"finish_reason":null}]${tail}`);
  lines.push(`${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}]${tail}`);
  if (usage) lines.push(`${head}[],"usage":${JSON.stringify(usage)}}\n\n`);
  lines.push('data: [DONE]\n\n');
  return lines;
}

export function modelObject(id: string, created: number): Record<string, unknown> {
  return { id, object: 'model', created, owned_by: 'slipway-reference' };
}
