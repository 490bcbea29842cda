// Eval run fixtures: the reference model server behind a proxy that counts the calls it receives (per model and
// per request, so a test can tell a repeated call), a support service with releases on models of known quality,
// and a dataset of paraphrased questions from the reference model's question set.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '@/db/client';
import { eq } from 'drizzle-orm';
import { services, type Json } from '@/db/schema';
import { canonicalJson } from '@/server/lib/canonical';
import { QUESTIONS, startReferenceModelServer, type ReferenceModelConfigInput, type ReferenceModelServer } from '@/server/reference-model';
import { durableSteps } from '@/inngest/functions/eval-run';
import { orchestrateEvalRun, runnerSettings } from '@/server/evals/runner';
import { setEvalDispatcher, type EvalRunEnd } from '@/server/services/evals/dispatch';
import { callerFor, makeUser } from './actors';
import { startHarness, type Harness } from './executor';

export interface CountingUpstream {
  /** Base URL with /v1, as a model version's baseUrl. */
  url: string;
  /** Each call: the model asked, a hash of the messages, the last user message, and the messages as received. */
  calls: { model: string; key: string; question: string; messages: { role: string; content: string }[] }[];
  count(model?: string): number;
  close(): Promise<void>;
}

/** The reference model server with `config`, behind a proxy that counts chat completion calls. */
export async function startCountingUpstream(config: ReferenceModelConfigInput): Promise<CountingUpstream> {
  const ref: ReferenceModelServer = await startReferenceModelServer({ config, noDelay: false });
  const calls: CountingUpstream['calls'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url?.endsWith('/chat/completions')) {
        try {
          const json = JSON.parse(body.toString('utf8')) as { model: string; messages: { role: string; content: string }[] };
          const question = [...json.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
          calls.push({ model: json.model, key: createHash('sha256').update(canonicalJson(json.messages)).digest('hex'), question, messages: json.messages });
        } catch {
          calls.push({ model: '?', key: '?', question: '', messages: [] });
        }
      }
      const upstream = http.request(`${ref.url}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(ref.url).host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    count: (model) => calls.filter((c) => !model || c.model === model).length,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await ref.close();
    },
  };
}

const FRAMINGS = [(q: string) => q, (q: string) => `Hi there! ${q}`, (q: string) => `Quick question for support: ${q} Thanks.`];

/** Questions of the reference set, each in a few framings (each one a different prompt), expecting the fact. */
export function questionCases(limit = QUESTIONS.length * FRAMINGS.length): { variables: Record<string, Json>; expected: string; externalId: string }[] {
  const out = FRAMINGS.flatMap((frame, f) => QUESTIONS.map((q) => ({ variables: { question: frame(q.question) }, expected: q.fact, externalId: `${q.id}-${f}` })));
  return out.slice(0, limit);
}

/** Pushes a dataset version through the datasets verb, as `slipway datasets push` would. */
export async function storeDataset(db: Db, serviceId: string, name: string, cases: { variables?: Record<string, Json>; messages?: { role: 'system' | 'user' | 'assistant'; content: string }[]; expected: string | null; externalId?: string }[]) {
  const [service] = await db.select().from(services).where(eq(services.id, serviceId));
  const api = callerFor(db, await makeUser(db, { role: 'engineer' }));
  const pushed = await api.datasets.push({ service: service!.name, name, cases: cases.map((c) => ({ id: c.externalId, variables: c.variables, messages: c.messages, expected: c.expected ?? undefined })) });
  return pushed.version;
}

/** A service with the `answer` prompt; model versions are registered by the tests. */
export async function evalService(db: Db, service = 'support-bot') {
  const admin = await makeUser(db, { role: 'admin' });
  const api = callerFor(db, admin);
  const created = await api.services.create({ name: service, description: 'Answers support tickets' });
  await api.prompts.push({
    service,
    prompt: 'answer',
    messages: [
      { role: 'system', content: 'You are a helpful support agent for Acme Cloud.' },
      { role: 'user', content: '{{question}}' },
    ],
    variables: [{ name: 'question', type: 'string', required: true }],
    commitMessage: 'first',
  });
  return { admin, api, serviceId: (created as { id: string }).id };
}

/**
 * The eval-run function on the embedded executor with a fresh database, the runner's retries and polls made
 * short, and the dispatcher sending each started run to it; `finished` hears each run's end.
 */
export async function startEvalHarness(finished: (end: EvalRunEnd) => void = () => undefined): Promise<Harness> {
  const h: Harness = await startHarness((inngest) => [
    inngest.createFunction({ id: 'eval-run', triggers: [{ event: 'slipway/eval-run.requested' }], idempotency: 'event.data.runId', retries: 2 }, async ({ event, step }) =>
      orchestrateEvalRun(h.database.db, (event.data as { runId: string }).runId, durableSteps(step as never)),
    ),
  ]);
  runnerSettings.retry = { baseMs: 10, maxMs: 50 };
  runnerSettings.statusPollMs = 100;
  setEvalDispatcher({
    start: async (runId) => void (await h.inngest.send({ name: 'slipway/eval-run.requested', data: { runId }, id: `eval-run-${runId}` })),
    cancel: async () => undefined,
    finished: async (end) => void finished(end),
  });
  return h;
}
