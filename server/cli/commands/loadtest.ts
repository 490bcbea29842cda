// `slipway loadtest`: run a load test of a release in an environment (through that environment's own gateway,
// against the release it serves now) and follow it to its verdict; show one test; list an environment's tests.
// `run` exits 0 when the test passed, 1 when it failed, was inconclusive or could not run, 2 on usage errors,
// 5 when --timeout ran out first (the test goes on).
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import type { Group, ParsedOptions } from '../core/args';
import { CliError, EXIT, usageError } from '../core/errors';
import { pairs, table } from '../core/output';
import { turnSeconds } from '@/server/services/load-tests/settings';

type Test = inferRouterOutputs<AppRouter>['loadTests']['get'];
type Arm = NonNullable<Test['results']>['candidate'];

const POLL_MS = 1000;

/** Flags and the settings they fill; the server checks the values and its messages are told in flag names. */
const NUMBER_FLAGS: Record<string, { field: string; value: string; description: string }> = {
  rate: { field: 'ratePerSecond', value: '<req/s>', description: 'requests per second to the arm whose turn it is (default 5, at most 200)' },
  duration: { field: 'durationSeconds', value: '<s>', description: 'seconds of sending in all, shared by the arms (default 30, at most 600)' },
  segment: { field: 'segmentSeconds', value: '<s>', description: 'seconds of one arm’s turn before the other’s (default 2)' },
  concurrency: { field: 'maxConcurrency', value: '<n>', description: 'requests in flight at most (default 64, at most 256)' },
  cases: { field: 'cases', value: '<n>', description: 'with --suite: how many of its dataset’s cases to cycle through (default 50)' },
  'max-tokens': { field: 'maxTokens', value: '<n>', description: 'max_tokens of each request (default: the release’s own)' },
  'request-timeout': { field: 'requestTimeoutMs', value: '<ms>', description: 'per request (default 30000)' },
  'max-latency-ratio': { field: 'maxLatencyRatio', value: '<x>', description: 'candidate p95/p99 over stable’s, at most (default 1.2)' },
  'max-ttft-ratio': { field: 'maxTtftRatio', value: '<x>', description: 'candidate p95 time to first token over stable’s, at most (default 1.2)' },
  'min-latency-diff': { field: 'minLatencyDiffMs', value: '<ms>', description: 'latency differences below this never fail (default 25)' },
  'max-error-increase': { field: 'maxErrorRateIncrease', value: '<share>', description: 'candidate error rate minus stable’s, at most (default 0.02)' },
  'min-samples': { field: 'minSamples', value: '<n>', description: 'requests each arm needs before a verdict (default 20)' },
};

function settingsFrom(options: ParsedOptions): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  let cases: number | undefined;
  for (const [flag, spec] of Object.entries(NUMBER_FLAGS)) {
    const text = options.string(flag);
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw usageError(`--${flag} must be a number`);
    if (spec.field === 'cases') cases = n;
    else settings[spec.field] = n;
  }
  const stream = options.string('stream');
  if (stream !== undefined) settings.stream = stream;
  const suite = options.string('suite');
  const prompt = options.string('prompt');
  if (suite !== undefined && prompt !== undefined) throw usageError('give --suite or --prompt, not both');
  if (cases !== undefined && suite === undefined) throw usageError('--cases goes with --suite');
  if (suite !== undefined) settings.input = { kind: 'suite', suite, ...(cases !== undefined ? { cases } : {}) };
  if (prompt !== undefined) settings.input = { kind: 'prompt', prompt };
  if (options.flag('no-objectives')) settings.useObjectives = false;
  return settings;
}

/** A server message about `settings.ratePerSecond` told as `--rate`. */
function inFlagNames(message: string): string {
  let out = message;
  for (const [flag, spec] of Object.entries(NUMBER_FLAGS)) out = out.replaceAll(spec.field === 'cases' ? 'settings.input.cases' : `settings.${spec.field}`, `--${flag}`);
  return out.replaceAll('settings.stream', '--stream').replaceAll('settings.input.suite', '--suite').replaceAll('settings.input.prompt', '--prompt');
}

const ms = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function armRow(name: string, a: Arm): string[] {
  return [name, `#${a.releaseNumber}`, String(a.completed), `${a.achievedRps}/s`, ms(a.latencyMs.p50), ms(a.latencyMs.p95), ms(a.latencyMs.p99), ms(a.ttftMs.p95), a.outputTokensPerSecond === null ? '—' : String(a.outputTokensPerSecond), pct(a.errorRate)];
}

export function renderLoadTest(t: Test): string {
  const s = t.settings;
  const head = pairs([
    ['load test', `${t.id}`],
    ['target', `${t.service}#${t.candidateNumber} in ${t.service}/${t.environment}${t.baselineNumber ? ` against #${t.baselineNumber}` : ' (no stable release to compare with)'}`],
    ['load', `${s.ratePerSecond} req/s for ${s.durationSeconds} s${t.baselineNumber ? ` in ${Math.round(turnSeconds(s, 2) * 100) / 100} s turns` : ''}, ${s.stream === 'mixed' ? 'every other request streamed' : s.stream === 'always' ? 'streamed' : 'not streamed'}, at most ${s.maxConcurrency} in flight`],
    ['input', s.input.kind === 'suite' ? `suite ${s.input.suite} (${s.input.cases} cases)` : `prompt “${s.input.prompt.length > 60 ? `${s.input.prompt.slice(0, 59)}…` : s.input.prompt}”`],
    ['status', `${t.status}${t.error ? `: ${t.error}` : ''}`],
  ]);
  const arms = t.results ? table(['ARM', 'RELEASE', 'REQUESTS', 'ACHIEVED', 'P50', 'P95', 'P99', 'TTFT P95', 'TOKENS/S', 'ERRORS'], [armRow('candidate', t.results.candidate), ...(t.results.baseline ? [armRow('stable', t.results.baseline)] : [])]) : '';
  const checks = t.verdict?.checks.length ? table(['CHECK', 'RESULT', 'DETAIL'], t.verdict.checks.map((c) => [c.name, c.outcome, c.detail])) : '';
  const reasons = t.verdict ? t.verdict.reasons.map((r) => `  ${r}`).join('\n') + '\n' : '';
  return [head, arms, checks, t.verdict ? `verdict: ${t.verdict.outcome}\n${reasons}` : ''].filter(Boolean).join('\n');
}

export const loadtestGroup: Group = {
  name: 'loadtest',
  summary: 'Load-test a release through an environment’s gateway against the release it serves.',
  commands: [
    {
      group: 'loadtest',
      name: 'run',
      summary: 'Run a load test and follow it to its verdict; exit 0 passed, 1 failed or inconclusive',
      details:
        "Sends a fixed rate of chat requests for a fixed time through the environment's own gateway to the release (pinned) and, in alternating turns, to the release the environment serves now, then compares p50/p95/p99 latency, time to first token, tokens per second and errors, and holds the release to the environment's objectives. The requests are synthetic: left out of the environment's metrics, cost, alerts and analysis. The target is always the environment's gateway; no URL can be given.",
      args: [{ name: 'service', description: 'the service' }],
      options: {
        environment: { type: 'string', value: '<env>', description: 'the environment whose gateway to send through (required)' },
        release: { type: 'string', value: '<n>', description: 'the release to test (required)' },
        ...Object.fromEntries(Object.entries(NUMBER_FLAGS).map(([flag, spec]) => [flag, { type: 'string' as const, value: spec.value, description: spec.description }])),
        stream: { type: 'string', value: '<always|never|mixed>', description: 'streamed requests (default mixed: every other one)' },
        suite: { type: 'string', value: '<suite>', description: 'send the cases of this eval suite’s dataset (default: one fixed question)' },
        prompt: { type: 'string', value: '<text>', description: 'send this user message instead of the default question' },
        'no-objectives': { type: 'boolean', description: 'do not hold the release to the environment’s objectives' },
        'no-wait': { type: 'boolean', description: 'start the test and print its id without following it' },
        timeout: { type: 'string', value: '<s>', description: 'how long to follow the test (default: its duration plus 10 minutes)' },
      },
      examples: ['slipway loadtest run support-bot --environment staging --release 8', 'slipway loadtest run support-bot --environment staging --release 8 --rate 20 --duration 60 --stream always --json'],
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = options.string('environment');
        if (!environment) throw usageError('--environment is required: the environment whose gateway to send through');
        const releaseText = options.string('release');
        const release = Number(releaseText?.replace(/^.*#/, ''));
        if (!releaseText || !Number.isInteger(release) || release < 1) throw usageError('--release is required: the number of the release to test, e.g. 8 or support-bot#8');
        const settings = settingsFrom(options);
        const timeoutText = options.string('timeout');
        const timeoutS = timeoutText === undefined ? undefined : Number(timeoutText);
        if (timeoutS !== undefined && (!Number.isFinite(timeoutS) || timeoutS <= 0)) throw usageError('--timeout must be a number of seconds greater than 0');
        let test: Test;
        try {
          const started = await api().loadTests.run.mutate({ service, environment, release, settings: settings as never });
          test = await api().loadTests.get.query({ id: started.id });
        } catch (err) {
          if (err instanceof Error) err.message = inFlagNames(err.message);
          throw err;
        }
        if (!options.flag('no-wait')) {
          const deadline = Date.now() + (timeoutS ?? test.settings.durationSeconds + 600) * 1000;
          while (test.status === 'running' && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, POLL_MS));
            test = await api().loadTests.get.query({ id: test.id });
          }
        }
        out.result(test, () => renderLoadTest(test));
        if (options.flag('no-wait')) return;
        if (test.status === 'running') throw new CliError(`load test ${test.id} is still running after the timeout; follow it with slipway loadtest show ${test.id}`, EXIT.timeout);
        if (test.status !== 'passed') throw new CliError(`load test of ${service}#${release} in ${environment} ${test.status === 'error' ? `could not run: ${test.error ?? ''}` : `${test.status}: ${(test.verdict?.reasons ?? []).join('; ')}`}`, EXIT.api, true);
      },
    },
    {
      group: 'loadtest',
      name: 'show',
      summary: 'Show one load test: each arm’s figures, the checks and the verdict',
      args: [{ name: 'id', description: 'the load test id' }],
      examples: ['slipway loadtest show 0f9c…'],
      async run({ args, out, api }) {
        const test = await api().loadTests.get.query({ id: args.id! });
        out.result(test, () => renderLoadTest(test));
      },
    },
    {
      group: 'loadtest',
      name: 'list',
      summary: 'List the latest load tests of a service, or of one environment',
      args: [{ name: 'service', description: 'the service' }],
      options: { environment: { type: 'string', value: '<env>', description: 'only this environment' } },
      examples: ['slipway loadtest list support-bot --environment staging'],
      async run({ args, options, out, api }) {
        const list = await api().loadTests.list.query({ service: args.service!, environment: options.string('environment') });
        out.result(list, () =>
          table(
            ['ID', 'ENV', 'CANDIDATE', 'STABLE', 'LOAD', 'STATUS', 'CANDIDATE P95', 'STABLE P95', 'STARTED'],
            list.tests.map((t) => [
              t.id,
              t.environment,
              `#${t.candidateNumber}`,
              t.baselineNumber ? `#${t.baselineNumber}` : '—',
              `${t.settings.ratePerSecond}/s × ${t.settings.durationSeconds} s`,
              t.status,
              ms(t.results?.candidate.latencyMs.p95 ?? null),
              ms(t.results?.baseline?.latencyMs.p95 ?? null),
              t.createdAt.toISOString(),
            ]),
          ),
        );
      },
    },
  ],
};
