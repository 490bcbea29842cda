// `slipway traffic`: sends customer-like questions through an environment's gateway, as an application would,
// to try a staging environment, fill its dashboards, or shift its traffic and watch the drift reports see it.
// Questions come from the reference model's question set (the demo's product); `--mix shifted` asks a different
// mix, worded differently and with pasted context, as a change in what users ask would look. With `--feedback`
// each answer gets a score, as users who check the answer against what they know would give.
import { QUESTIONS } from '@/server/reference-model/questions';
import type { Group } from '../core/args';
import { CliError, EXIT, usageError } from '../core/errors';
import { pairs } from '../core/output';

const MIXES = ['usual', 'shifted'] as const;
type Mix = (typeof MIXES)[number];

/** The usual mix asks the first two thirds of the set as written; the shifted mix asks the rest, reworded, with context. */
export function questionFor(mix: Mix, i: number): { id: string; text: string; fact: string } {
  const split = Math.ceil((QUESTIONS.length * 2) / 3);
  if (mix === 'usual') {
    const q = QUESTIONS[i % split]!;
    return { id: q.id, text: q.question, fact: q.fact };
  }
  const rest = QUESTIONS.slice(split);
  const q = rest[i % rest.length]!;
  const lead = ['Hi team, quick one before our quarterly audit.', 'Following up on ticket #' + (40_000 + ((i * 7919) % 9_000)) + ' from last week.', 'Our procurement department is asking me this.'][i % 3]!;
  const tail = ['We run about 300 seats across three regions.', 'Please answer in detail, our compliance officer will read it.', 'Thanks in advance, this blocks our renewal.'][(i >> 1) % 3]!;
  return { id: q.id, text: `${lead} ${q.question} ${tail}`, fact: q.fact };
}

function positiveInt(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw usageError(`--${name} must be a whole number from 1 to ${max}`);
  return n;
}

export const trafficGroup: Group = {
  name: 'traffic',
  summary: 'Send customer-like questions through an environment’s gateway (try staging, fill dashboards, shift traffic).',
  commands: [
    {
      group: 'traffic',
      name: '',
      summary: 'Send questions through the gateway as an application would, and print what came back',
      details:
        'Calls /gw/<service>/<environment>/v1/chat/completions on the Slipway URL with a gateway key (--key or SLIPWAY_GATEWAY_KEY), rendering the release’s prompt with --prompt (default answer) and its `question` variable. --mix shifted asks other questions, worded differently: what a change in users’ questions looks like to drift reports. --feedback scores each answer (1 when it states the known fact, else -1) through the feedback endpoint.',
      args: [{ name: 'service', description: 'the service' }],
      options: {
        environment: { type: 'string', short: 'e', value: '<env>', description: 'the environment to call' },
        key: { type: 'string', value: '<sgw_…>', description: 'gateway key (default $SLIPWAY_GATEWAY_KEY)' },
        requests: { type: 'string', value: '<n>', description: 'requests to send (default 100, at most 100000)' },
        concurrency: { type: 'string', value: '<n>', description: 'requests at once (default 4, at most 64)' },
        mix: { type: 'string', value: '<usual|shifted>', description: 'which questions to ask (default usual)' },
        prompt: { type: 'string', value: '<name>', description: 'the release prompt to render (default answer)' },
        feedback: { type: 'boolean', description: 'score every answer through the feedback endpoint' },
      },
      examples: ['SLIPWAY_GATEWAY_KEY=sgw_… slipway traffic support-bot -e staging --requests 300', 'slipway traffic support-bot -e staging --mix shifted --feedback'],
      async run({ args, options, out, url, env }) {
        const environment = options.required('environment');
        const key = options.string('key') ?? env.SLIPWAY_GATEWAY_KEY;
        if (!key) throw usageError('a gateway key is needed: pass --key or set SLIPWAY_GATEWAY_KEY (create one with slipway keys create)');
        const total = positiveInt(options.string('requests'), 'requests', 100, 100_000);
        const concurrency = positiveInt(options.string('concurrency'), 'concurrency', 4, 64);
        const mix = (options.string('mix') ?? 'usual') as Mix;
        if (!MIXES.includes(mix)) throw usageError(`--mix must be one of ${MIXES.join(', ')}`);
        const prompt = options.string('prompt') ?? 'answer';
        const base = `${url}/gw/${encodeURIComponent(args.service!)}/${encodeURIComponent(environment)}/v1`;
        const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
        const started = new Date();
        const byRelease = new Map<string, number>();
        const statuses = new Map<number, number>();
        let next = 0;
        let answered = 0;
        let correct = 0;
        let feedbackSent = 0;
        let latencyTotal = 0;
        let firstError: string | null = null;
        const worker = async () => {
          while (next < total) {
            const i = next++;
            const q = questionFor(mix, i);
            const t0 = performance.now();
            let res: Response;
            try {
              res = await fetch(`${base}/chat/completions`, {
                method: 'POST',
                headers,
                body: JSON.stringify({ model: args.service, user: `customer-${i % 97}`, slipway: { prompt, variables: { question: q.text } } }),
                signal: AbortSignal.timeout(120_000),
              });
            } catch (err) {
              throw new CliError(`${base} could not be reached: ${(err as Error).message}`, EXIT.unreachable);
            }
            const text = await res.text();
            latencyTotal += performance.now() - t0;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 401) throw new CliError('the gateway refused the key (401): check it belongs to this service and is not revoked', EXIT.auth);
            if (res.status !== 200) {
              firstError ??= `HTTP ${res.status}: ${text.slice(0, 200)}`;
              continue;
            }
            answered++;
            // The header reads service#number.
            const release = (res.headers.get('x-slipway-release') ?? '?').replace(/^.*#/, '');
            byRelease.set(release, (byRelease.get(release) ?? 0) + 1);
            const answer = (JSON.parse(text) as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content ?? '';
            const right = answer.toLowerCase().includes(q.fact.toLowerCase());
            if (right) correct++;
            if (options.flag('feedback')) {
              const requestId = res.headers.get('x-slipway-request-id');
              const fb = await fetch(`${base}/feedback`, { method: 'POST', headers, body: JSON.stringify({ request_id: requestId, score: right ? 1 : -1 }), signal: AbortSignal.timeout(30_000) });
              await fb.body?.cancel();
              if (fb.ok) feedbackSent++;
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
        const finished = new Date();
        const summary = {
          service: args.service!,
          environment,
          mix,
          requests: total,
          answered,
          statuses: Object.fromEntries(statuses),
          releases: Object.fromEntries(byRelease),
          correct,
          feedbackSent,
          meanLatencyMs: Math.round(latencyTotal / total),
          from: started.toISOString(),
          to: finished.toISOString(),
          firstError,
        };
        out.result(summary, () =>
          pairs([
            ['sent', `${total} requests (${mix} mix) to ${args.service}/${environment}`],
            ['answered', `${answered} (${[...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')})`],
            ['releases', [...byRelease].map(([r, n]) => `#${r}: ${n}`).join(', ') || '—'],
            ['correct', `${correct} of ${answered} answers state the known fact`],
            ...(options.flag('feedback') ? ([['feedback', `${feedbackSent} scores sent`]] as [string, string][]) : []),
            ['mean latency', `${summary.meanLatencyMs} ms`],
            ['window', `${summary.from} → ${summary.to}`],
            ...(firstError ? ([['first error', firstError]] as [string, string][]) : []),
          ]),
        );
        if (answered === 0) throw new CliError(`no request was answered${firstError ? `; the first error: ${firstError}` : ''}`, EXIT.api);
      },
    },
  ],
};
