// The gateway's body handling on the hot path: a request's bytes kept but for the changes Slipway makes, usage
// found at the end of an answer without parsing the rest, and stream events read without parsing each one.
import { describe, expect, it } from 'vitest';
import { spliceBody, stringField, tailUsage, topLevelMembers } from '@/server/gateway/body';
import { choicesReader, gatewayCall, type AttemptResult, type ChatRequest } from '@/server/gateway/chat';
import type { EnvRoute } from '@/server/gateway/snapshot';

const splice = (text: string, changes: Parameters<typeof spliceBody>[2]) => {
  const raw = Buffer.from(text);
  const out = spliceBody(raw, JSON.parse(text) as Record<string, unknown>, changes);
  return out === null ? null : { same: out === raw, text: out.toString('utf8') };
};

const fresh = (): AttemptResult => ({ status: 200, errorClass: null, ttftMs: null, usage: { input: null, output: null }, outputText: '', finishReason: null, committed: true });

describe('request bodies', () => {
  it('forwards the very same bytes when the model is already the upstream’s and nothing is added', () => {
    expect(splice('{"model":"m","messages":[]}', { model: 'm' })).toEqual({ same: true, text: '{"model":"m","messages":[]}' });
  });

  it('replaces every top-level model and only those, keeping everything else as sent', () => {
    const text = '{ "model" : "a", "messages":[{"content":"{\\"model\\":\\"x\\"}"}], "metadata": {"model": "b"}, "model":"c" }';
    expect(splice(text, { model: 'up/"1"' })!.text).toBe('{ "model" : "up/\\"1\\"", "messages":[{"content":"{\\"model\\":\\"x\\"}"}], "metadata": {"model": "b"}, "model":"up/\\"1\\"" }');
  });

  it('reads keys spelled with escapes as JSON does, and adds a model when there is none', () => {
    expect(JSON.parse(splice('{"mod\\u0065l":"a","x":1}', { model: 'm' })!.text)).toEqual({ model: 'm', x: 1 });
    expect(splice('{}', { model: 'm' })!.text).toBe('{"model":"m"}');
    expect(splice('{"x":1}', { model: 'm' })!.text).toBe('{"model":"m","x":1}');
  });

  it('adds defaults the caller left out, never overriding what it set (null included)', () => {
    const out = splice('{"model":"m","temperature":null,"messages":[]}', { model: 'm', defaults: { temperature: 0.2, max_tokens: 64 } })!;
    expect(JSON.parse(out.text)).toEqual({ model: 'm', temperature: null, max_tokens: 64, messages: [] });
    expect(splice('{"x":1}', { model: 'm', defaults: { model: 'other' } })!.text).toBe('{"model":"m","x":1}');
  });

  it('asks a stream for usage, and gives up (null) when the caller’s stream_options would have to be rewritten', () => {
    expect(JSON.parse(splice('{"model":"m","stream":true}', { model: 'm', streamUsage: true })!.text)).toEqual({ model: 'm', stream: true, stream_options: { include_usage: true } });
    expect(splice('{"model":"m","stream":true,"stream_options":{"include_usage":true}}', { model: 'm', streamUsage: true })!.same).toBe(true);
    expect(splice('{"model":"m","stream":true,"stream_options":{}}', { model: 'm', streamUsage: true })).toBeNull();
    expect(splice('{"model":"m","stream":false}', { model: 'm', streamUsage: true })!.same).toBe(true);
  });

  it('finds no members in what is not an object', () => {
    expect(topLevelMembers(Buffer.from('[1,2]'))).toBeNull();
    expect(topLevelMembers(Buffer.from(' { "a" : [1, {"b": "}"}], "c": true } '))!.members.map((m) => m.key)).toEqual(['a', 'c']);
  });
});

describe('answers', () => {
  it('finds usage from the end, past any "usage" inside strings, in chat and responses spellings', () => {
    const body = JSON.stringify({ data: [{ embedding: [0.1, 0.2] }], note: 'the "usage": {"prompt_tokens": 99}', usage: { prompt_tokens: 5, total_tokens: 5 } });
    expect(tailUsage(Buffer.from(body))).toEqual({ input: 5, output: 0 });
    expect(tailUsage(Buffer.from('{"usage": {"input_tokens":3,"output_tokens":4},"x":"\\"usage\\":{}"}'))).toEqual({ input: 3, output: 4 });
    expect(tailUsage(Buffer.from('{"usage":null}'))).toBeNull();
  });

  it('reads a string field without parsing the rest, decoding escapes', () => {
    expect(stringField('{"a":{"content": "x\\ny\\u00e9"}}', 'content')).toBe('x\nyé');
    expect(stringField('{"content":null}', 'content')).toBeNull();
  });

  it('reads a whole chat answer’s content, finish reason and usage (logprobs content passed over)', () => {
    const result = fresh();
    const body = { choices: [{ index: 0, logprobs: { content: [{ token: 'x' }] }, message: { role: 'assistant', content: 'Sorry, I can\'t help with that "now".' }, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 9 } };
    choicesReader(false).whole(Buffer.from(JSON.stringify(body)), result);
    expect(result).toMatchObject({ outputText: 'Sorry, I can\'t help with that "now".', finishReason: 'stop', usage: { input: 7, output: 9 } });
  });

  it('reads stream events for text, finish reason and usage, dropping the usage event only when the caller did not ask', () => {
    const events = [
      'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}',
      'data: {"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}',
      'data: {"choices":[{"index":0,"delta":{"content":"lo \\"x\\""},"finish_reason":null}],"usage":null}',
      'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":null}',
      'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
      'data: [DONE]',
    ];
    for (const wants of [false, true]) {
      const result = fresh();
      const reader = choicesReader(wants);
      const kept = events.map((e) => reader.event(e, result, performance.now()));
      expect(kept).toEqual([true, true, true, true, wants, true]);
      expect(result).toMatchObject({ outputText: 'Hello "x"', finishReason: 'length', usage: { input: 3, output: 2 } });
      expect(result.ttftMs).not.toBeNull();
    }
  });
});

describe('a gateway call', () => {
  it('carries every field of the routed request it is made of (copied one by one, so none may be forgotten)', () => {
    // Required<…>: a field added to ChatRequest fails the type check here until it is listed, and then this test
    // until gatewayCall copies it.
    const chat = {
      requestId: 'req-1',
      route: { serviceId: 'svc' } as unknown as EnvRoute,
      arm: { releaseNumber: 3, weight: 10, target: {} } as unknown as ChatRequest['arm'],
      body: { model: 'x', input: 'hi' },
      keyId: 'key-1',
      raw: Buffer.from('{"model":"x","input":"hi"}'),
      stickyKey: 'user-7',
      pinned: true,
      synthetic: true,
      started: 12.5,
    } satisfies Required<ChatRequest>;
    const reader = choicesReader(false);
    const prepare = () => ({ out: { url: 'http://m/v1/embeddings', body: '{}' }, promptVersionId: null, input: { items: 1, text: () => 'hi', tokens: async () => 1 } });
    const call = gatewayCall(chat, 'embeddings', false, reader, prepare);
    for (const [field, value] of Object.entries(chat)) expect(call[field as keyof ChatRequest], field).toBe(value);
    expect(call).toMatchObject({ endpoint: 'embeddings', textOutput: false });
    expect(call.reader).toBe(reader);
    expect(call.prepare).toBe(prepare);
  });
});
