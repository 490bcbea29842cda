// A controllable OpenAI-compatible endpoint for gateway tests. The model name picks the behaviour:
// any name answers "<name>: <last user message>" with usage; `fail-*` answers 500; `nousage-*` omits usage;
// `slow-*` streams one word every 50 ms (and records when the caller hangs up); `late-*` answers after 1 s (and
// records a caller that hangs up before).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestUpstream {
  url: string;
  calls: { model: string; body: Record<string, unknown>; authorization: string | undefined; raw: string; path: string }[];
  aborted: string[];
  close(): Promise<void>;
}

export async function startTestUpstream(): Promise<TestUpstream> {
  const calls: TestUpstream['calls'] = [];
  const aborted: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw || '{}') as { model: string; messages: { role: string; content: string }[]; stream?: boolean; stream_options?: { include_usage?: boolean } };
      calls.push({ model: body.model, body: body as unknown as Record<string, unknown>, authorization: req.headers.authorization, raw, path: req.url ?? '' });
      if (body.model.startsWith('fail')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'upstream exploded', type: 'server_error' } }));
        return;
      }
      const last = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const text = `${body.model}: ${last}`;
      const words = text.split(' ');
      const usage = { prompt_tokens: body.messages.length * 10, completion_tokens: words.length, total_tokens: body.messages.length * 10 + words.length };
      const withUsage = !body.model.startsWith('nousage');
      if (body.model.startsWith('late')) {
        const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'cmpl-1', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage })), 1_000);
        res.on('close', () => {
          if (res.writableFinished) return;
          clearTimeout(timer);
          aborted.push(body.model);
        });
        return;
      }
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'cmpl-1', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], ...(withUsage ? { usage } : {}) }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const delay = body.model.startsWith('slow') ? 50 : 0;
      let i = 0;
      let closed = false;
      res.on('close', () => {
        if (!res.writableFinished) {
          closed = true;
          aborted.push(body.model);
        }
      });
      const next = () => {
        if (closed) return;
        if (i < words.length) {
          res.write(chunk({ content: (i ? ' ' : '') + words[i] }, null));
          i++;
          setTimeout(next, delay);
          return;
        }
        res.write(chunk({}, 'stop'));
        if (withUsage && body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage })}\n\n`);
        res.end('data: [DONE]\n\n');
      };
      next();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    aborted,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
