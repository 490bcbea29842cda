// The reference model server's other generation endpoints: legacy POST /v1/completions and POST /v1/responses.
// Each request is read into the chat request the model already plans for (a prompt becomes one user message;
// a responses input becomes its messages, instructions the system message), so answers, usage, errors and
// timing are the chat endpoint's, then written in that endpoint's own wire format, streamed or whole.
import { z } from 'zod';
import type { CompletionPlan } from './behaviour';
import type { ChatCompletionRequest } from './protocol';

const positiveInt = z.int({ error: 'must be an integer' }).min(1, 'must be at least 1');
const temperature = z.number({ error: 'must be a number' }).min(0, 'must be between 0 and 2').max(2, 'must be between 0 and 2').nullish();

export const completionRequestSchema = z.looseObject({
  model: z.string({ error: 'is required' }).min(1, 'is required'),
  prompt: z.union([z.string(), z.array(z.string()).min(1, 'must contain at least one prompt').max(1, 'only one prompt per request is supported')], { error: 'must be a string or an array of one string' }),
  stream: z.boolean({ error: 'must be a boolean' }).nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean({ error: 'must be a boolean' }).nullish() }).nullish(),
  max_tokens: positiveInt.nullish(),
  temperature,
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4, 'at most 4 stop sequences')], { error: 'must be a string or an array of strings' }).nullish(),
  seed: z.int({ error: 'must be an integer' }).nullish(),
});

const inputPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const inputMessage = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['system', 'developer', 'user', 'assistant'], { error: 'must be one of system, developer, user, assistant' }),
  content: z.union([z.string(), z.array(inputPart)], { error: 'must be a string or an array of content parts' }),
});

export const responseRequestSchema = z.looseObject({
  model: z.string({ error: 'is required' }).min(1, 'is required'),
  input: z.union([z.string(), z.array(inputMessage).min(1, 'must contain at least one message')], { error: 'must be a string or an array of messages' }),
  instructions: z.string({ error: 'must be a string' }).nullish(),
  stream: z.boolean({ error: 'must be a boolean' }).nullish(),
  max_output_tokens: positiveInt.nullish(),
  temperature,
  seed: z.int({ error: 'must be an integer' }).nullish(),
});

export type CompletionRequest = z.output<typeof completionRequestSchema>;
export type ResponseRequest = z.output<typeof responseRequestSchema>;

export function chatOfCompletion(r: CompletionRequest): ChatCompletionRequest {
  const prompt = Array.isArray(r.prompt) ? r.prompt[0]! : r.prompt;
  return { model: r.model, messages: [{ role: 'user', content: prompt }], max_tokens: r.max_tokens, temperature: r.temperature, stop: r.stop, seed: r.seed };
}

export function chatOfResponse(r: ResponseRequest): ChatCompletionRequest {
  const messages: ChatCompletionRequest['messages'] = [];
  if (r.instructions) messages.push({ role: 'system', content: r.instructions });
  if (typeof r.input === 'string') messages.push({ role: 'user', content: r.input });
  else for (const m of r.input) messages.push({ role: m.role, content: typeof m.content === 'string' ? m.content : m.content.flatMap((p) => (typeof p.text === 'string' ? [{ type: 'text', text: p.text }] : [])) });
  return { model: r.model, messages, max_tokens: r.max_output_tokens, temperature: r.temperature, seed: r.seed };
}

// ---------------------------------------------------------------------------------------------------------
// Legacy completions

const cmplId = (plan: CompletionPlan) => plan.meta.id.replace(/^chatcmpl-/, 'cmpl-');

export function textCompletionBody(plan: CompletionPlan): string {
  return JSON.stringify({
    id: cmplId(plan),
    object: 'text_completion',
    created: plan.meta.created,
    model: plan.meta.model,
    system_fingerprint: plan.meta.fingerprint,
    choices: [{ text: plan.content, index: 0, logprobs: null, finish_reason: plan.finishReason }],
    usage: plan.usage,
  });
}

/** Stream lines as the chat stream has them: an opening line, one per piece, then finish, usage if asked, [DONE]. */
export function textCompletionLines(plan: CompletionPlan, includeUsage: boolean): string[] {
  const head = `data: {"id":${JSON.stringify(cmplId(plan))},"object":"text_completion","created":${plan.meta.created},"model":${JSON.stringify(plan.meta.model)},"system_fingerprint":${JSON.stringify(plan.meta.fingerprint)},"choices":`;
  const tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const choice = (text: string, finish: string | null) => `[{"text":${JSON.stringify(text)},"index":0,"logprobs":null,"finish_reason":${finish ? JSON.stringify(finish) : 'null'}}]`;
  const lines = [`${head}${choice('', null)}${tail}`];
  for (const p of plan.pieces) lines.push(`${head}${choice(p, null)}${tail}`);
  lines.push(`${head}${choice('', plan.finishReason)}${tail}`);
  if (includeUsage) lines.push(`${head}[],"usage":${JSON.stringify(plan.usage)}}\n\n`);
  lines.push('data: [DONE]\n\n');
  return lines;
}

// ---------------------------------------------------------------------------------------------------------
// Responses

const respId = (plan: CompletionPlan) => `resp_${plan.requestId}`;
const msgId = (plan: CompletionPlan) => `msg_${plan.requestId}`;

function responseObject(plan: CompletionPlan, done: boolean): Record<string, unknown> {
  const incomplete = plan.finishReason === 'length';
  return {
    id: respId(plan),
    object: 'response',
    created_at: plan.meta.created,
    status: done ? (incomplete ? 'incomplete' : 'completed') : 'in_progress',
    incomplete_details: done && incomplete ? { reason: 'max_output_tokens' } : null,
    error: null,
    model: plan.meta.model,
    output: done ? [messageItem(plan, plan.content)] : [],
    usage: done ? { input_tokens: plan.usage.prompt_tokens, output_tokens: plan.usage.completion_tokens, total_tokens: plan.usage.total_tokens } : null,
  };
}

function messageItem(plan: CompletionPlan, text: string | null): Record<string, unknown> {
  return { type: 'message', id: msgId(plan), status: text === null ? 'in_progress' : 'completed', role: 'assistant', content: text === null ? [] : [{ type: 'output_text', text, annotations: [] }] };
}

export function responseBody(plan: CompletionPlan): string {
  return JSON.stringify(responseObject(plan, true));
}

/**
 * The stream's events, grouped as the chat stream's lines are paced: the opening events, one text delta per
 * piece, then the closing events ending in response.completed (or response.incomplete) with the usage.
 */
export function responseLines(plan: CompletionPlan): string[] {
  let seq = 0;
  const ev = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`;
  const part = (text: string) => ({ type: 'output_text', text, annotations: [] });
  const where = { item_id: msgId(plan), output_index: 0, content_index: 0 };
  const lines = [
    ev('response.created', { response: responseObject(plan, false) }) +
      ev('response.output_item.added', { output_index: 0, item: messageItem(plan, null) }) +
      ev('response.content_part.added', { ...where, part: part('') }),
  ];
  for (const p of plan.pieces) lines.push(ev('response.output_text.delta', { ...where, delta: p }));
  const final = plan.finishReason === 'length' ? 'response.incomplete' : 'response.completed';
  lines.push(
    ev('response.output_text.done', { ...where, text: plan.content }) +
      ev('response.content_part.done', { ...where, part: part(plan.content) }) +
      ev('response.output_item.done', { output_index: 0, item: messageItem(plan, plan.content) }) +
      ev(final, { response: responseObject(plan, true) }),
  );
  return lines;
}
