// `slipway evals …`: run a suite on a release (beside a baseline; with --wait, follow it to its verdict), show a
// run, list runs. For CI the exit codes are 0 when the run passed, 1 when it failed, 2 on usage or any other error
// (the run ended in error or was cancelled, the server refused, could not be reached, or --wait timed out).
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import type { Api } from '../core/client';
import type { Command, Group } from '../core/args';
import { CliError, EXIT, toCliError, usageError } from '../core/errors';
import { pairs, table, time, type Output } from '../core/output';
import { parseRunNumber } from './pipelines';
import { parseDuration, parseNumber } from './rollouts/parse';
import { variationsCommand } from './variations';

export type EvalRunView = inferRouterOutputs<AppRouter>['evals']['getRun'];

const POLL_MS = 500;
const DEFAULT_TIMEOUT_MS = 3600_000;
const MAX_POLL_FAILURES = 3;
const ENDED = ['passed', 'failed', 'error', 'cancelled'];

/** The verdict's exit code: 1 is only ever "the release failed the suite". */
const FAILED = 1 as const;
const OTHER = EXIT.usage;

/** `support-bot#12` → service and release. */
export function parseReleaseRef(text: string): { service: string; release: number } {
  const m = /^([a-z0-9]+(?:-[a-z0-9]+)*)#(\d+)$/.exec(text.trim());
  if (!m || !Number.isSafeInteger(Number(m[2])) || Number(m[2]) < 1) throw usageError(`"${text}" is not a release; use <service>#<number>, e.g. support-bot#12`);
  return { service: m[1]!, release: Number(m[2]) };
}

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
const p = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x < 0.0001 ? '< 0.0001' : x.toPrecision(2));

export function renderRun(r: EvalRunView): string {
  const s = r.summary;
  const score = s ? s.metrics.find((m) => m.metric === 'score') : undefined;
  const head = pairs([
    ['run', `${r.service} eval run ${r.number}`],
    ['status', r.status],
    ['suite', r.suite ? `${r.suite.name} v${r.suite.version}` : '—'],
    ['release', `${r.service}#${r.release}`],
    ['baseline', r.baseline ? `${r.service}#${r.baseline}` : 'none'],
    ['environment', r.environment ?? '—'],
    ['progress', `${r.progress.doneCalls}/${r.progress.totalCalls} calls, ${r.progress.cacheHits} from the cache, ${usd(r.progress.costUsd)} spent (estimated ${usd(r.estimate.costUsd)}${r.budgetUsd !== null ? `, budget ${usd(r.budgetUsd)}` : ''})`],
    ...(s
      ? ([
          ['score', `${s.candidate.score.toFixed(3)} (pass rate ${pct(s.candidate.passRate)}${s.candidate.errors ? `, ${s.candidate.errors} errors` : ''})`],
          ...(s.baseline ? [['baseline score', `${s.baseline.score.toFixed(3)} (pass rate ${pct(s.baseline.passRate)})`] as [string, string]] : []),
          ...(score?.difference !== null && score?.difference !== undefined
            ? [['difference', `${(score.difference * 100).toFixed(1)} points, 95% CI [${(score.ci95![0] * 100).toFixed(1)}, ${(score.ci95![1] * 100).toFixed(1)}], Wilcoxon p ${p(score.wilcoxonP)}${s.mcnemar ? `, McNemar p ${p(s.mcnemar.pValue)}` : ''}`] as [string, string]]
            : []),
          ...(s.minDetectableRegression !== null ? [['detectable', `regressions of ${(s.minDetectableRegression * 100).toFixed(1)} points or more at this size`] as [string, string]] : []),
        ] as [string, string][])
      : []),
    ['started', time(r.startedAt)],
    ['finished', time(r.finishedAt)],
    ...(r.error ? [['error', r.error] as [string, string]] : []),
  ]);
  const reasons = s ? s.verdict.reasons.map((x) => `  - ${x}`).join('\n') : '';
  const metrics = s && s.metrics.length > 1 ? table(['METRIC', 'CANDIDATE', 'BASELINE', 'DIFFERENCE', 'P'], s.metrics.map((m) => [m.metric, m.candidate.toFixed(3), m.baseline === null ? '—' : m.baseline.toFixed(3), m.difference === null ? '—' : `${(m.difference * 100).toFixed(1)} pts`, p(m.wilcoxonP)])) : '';
  return `${head}${metrics ? `\n${metrics}` : ''}${reasons ? `\nverdict: ${s!.verdict.passed ? 'passed' : 'failed'}\n${reasons}\n` : ''}`;
}

/** Exit code of an ended run: 0 passed, 1 failed, 2 anything else. */
function verdictOf(r: EvalRunView): void {
  if (r.status === 'passed') return;
  if (r.status === 'failed') throw new CliError(`${r.service} eval run ${r.number} failed: ${r.summary?.verdict.reasons.find((x) => /below|significant\)|failed/.test(x)) ?? 'see slipway evals status'}`, FAILED);
  throw new CliError(`${r.service} eval run ${r.number} ${r.status === 'cancelled' ? 'was cancelled' : 'ended in error'}${r.error ? `: ${r.error}` : ''}`, OTHER);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function follow(api: Api, out: Output, service: string, number: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failures = 0;
  let shown = -1;
  let run: EvalRunView | null = null;
  for (;;) {
    try {
      run = await api.evals.getRun.query({ service, number });
      failures = 0;
    } catch (err) {
      if (toCliError(err, '').exitCode !== EXIT.unreachable || ++failures > MAX_POLL_FAILURES) throw err;
    }
    if (run) {
      if (!out.json && run.progress.doneCalls !== shown && !ENDED.includes(run.status)) {
        shown = run.progress.doneCalls;
        out.line(`${run.status.padEnd(9)}  ${run.progress.doneCalls}/${run.progress.totalCalls} calls (${run.progress.cacheHits} cached, ${usd(run.progress.costUsd)})`);
      }
      if (ENDED.includes(run.status)) {
        out.result(run, () => renderRun(run!));
        return verdictOf(run);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      if (out.json && run) out.result(run, () => '');
      throw new CliError(`stopped waiting: the run is still ${run?.status ?? 'unknown'} (it goes on; see slipway evals status ${service} ${number})`, OTHER);
    }
    await sleep(Math.min(POLL_MS, left));
  }
}

/** Every failure of an evals command that is not a verdict exits 2. */
function otherwise(run: Command['run']): Command['run'] {
  return async (ctx) => {
    try {
      await run(ctx);
    } catch (err) {
      const failure = toCliError(err, '(the server)');
      if (failure.exitCode === FAILED && err instanceof CliError && err.exitCode === FAILED) throw err;
      throw new CliError(failure.message, OTHER);
    }
  };
}

const serviceArg = { name: 'service', description: 'the service' };

export const evalsGroup: Group = {
  name: 'evals',
  summary: 'Run eval suites on releases against a baseline, read the verdicts, and score prompt variations.',
  commands: [
    {
      group: 'evals',
      name: 'run',
      summary: 'Run a suite on a release; with --wait, follow it to its verdict (exit 0 passed, 1 failed, 2 other errors)',
      details:
        'The release is compared with a baseline on the same cases: --baseline <n>, or none, or by default the\n' +
        'release the environment’s stable arm serves now (with --environment; without one there is no baseline).\n' +
        'With --environment the verdict is recorded as that environment’s eval gate result. The run is refused\n' +
        'before it starts when its estimated cost passes the budget (the suite’s budgetUsd, or --budget).',
      args: [{ name: 'release', description: '<service>#<number>, e.g. support-bot#12' }],
      options: {
        suite: { type: 'string', value: '<name>', description: 'the eval suite to run (required)' },
        baseline: { type: 'string', value: '<n|none>', description: 'the release to compare with, or none' },
        environment: { type: 'string', value: '<env>', description: 'whose stable release is the baseline and whose gate the run decides' },
        budget: { type: 'string', value: '<usd>', description: 'refuse or stop the run past this cost (default: the suite’s budgetUsd)' },
        wait: { type: 'boolean', description: 'wait for the verdict: exit 0 passed, 1 failed, 2 error or cancelled' },
        timeout: { type: 'string', value: '<duration>', description: 'with --wait, stop waiting after this long and exit 2 (default 1h)' },
      },
      examples: ['slipway evals run support-bot#12 --suite accuracy --environment production --wait', 'slipway evals run support-bot#12 --suite accuracy --baseline none --json'],
      run: otherwise(async ({ args, options, out, api }) => {
        const { service, release } = parseReleaseRef(args.release!);
        const suite = options.string('suite');
        if (!suite) throw usageError('--suite is required: the eval suite to run');
        const b = options.string('baseline');
        const baseline = b === undefined ? undefined : b === 'none' ? ('none' as const) : parseNumber(b, 'release', '--baseline');
        const budgetText = options.string('budget');
        const budgetUsd = budgetText === undefined ? undefined : Number(budgetText);
        if (budgetUsd !== undefined && !(budgetUsd > 0)) throw usageError('--budget must be an amount in USD greater than 0');
        const wait = options.flag('wait');
        const timeoutText = options.string('timeout');
        if (timeoutText !== undefined && !wait) throw usageError('--timeout needs --wait');
        const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText);
        const client = api();
        const run = await client.evals.startRun.mutate({ service, suite, release, baseline, environment: options.string('environment'), budgetUsd });
        if (!wait) {
          const view = await client.evals.getRun.query({ service, number: run.number });
          out.result(view, () =>
            pairs([
              ['started', `${service} eval run ${run.number} (${view.status}): ${view.suite?.name} on #${release}${view.baseline ? ` against #${view.baseline}` : ' without a baseline'}`],
              ['estimate', `${view.estimate.calls} call(s), ${view.estimate.cachedCalls} from the cache, about ${usd(view.estimate.costUsd)}`],
              ['follow', `slipway evals status ${service} ${run.number} --wait`],
            ]),
          );
          return;
        }
        if (!out.json) out.line(`started    ${service} eval run ${run.number}`);
        await follow(client, out, service, run.number, timeoutMs);
      }),
    },
    {
      group: 'evals',
      name: 'status',
      summary: 'Show a run: progress, scores, the comparison and the verdict (exit 0 passed, 1 failed, 2 otherwise)',
      args: [serviceArg, { name: 'run', description: 'the run number (from slipway evals list)' }],
      options: {
        wait: { type: 'boolean', description: 'wait until the run ends' },
        timeout: { type: 'string', value: '<duration>', description: 'with --wait, stop waiting after this long and exit 2 (default 1h)' },
      },
      run: otherwise(async ({ args, options, out, api }) => {
        const number = parseRunNumber(args.run!);
        const wait = options.flag('wait');
        const timeoutText = options.string('timeout');
        if (timeoutText !== undefined && !wait) throw usageError('--timeout needs --wait');
        if (wait) return follow(api(), out, args.service!, number, timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText));
        const run = await api().evals.getRun.query({ service: args.service!, number });
        out.result(run, () => renderRun(run));
        if (ENDED.includes(run.status)) verdictOf(run);
        else throw new CliError(`${run.service} eval run ${run.number} is still ${run.status}`, OTHER);
      }),
    },
    {
      group: 'evals',
      name: 'list',
      summary: 'List a service’s eval runs, newest first',
      args: [serviceArg],
      options: {
        release: { type: 'string', value: '<n>', description: 'only runs of this release' },
        suite: { type: 'string', value: '<name>', description: 'only runs of this suite' },
        limit: { type: 'string', value: '<n>', description: 'at most this many runs (default 20, at most 200)' },
      },
      run: otherwise(async ({ args, options, out, api }) => {
        const r = options.string('release');
        const limitText = options.string('limit');
        const limit = limitText === undefined ? 20 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw usageError('--limit must be a whole number from 1 to 200');
        const page = await api().evals.listRuns.query({ service: args.service!, release: r === undefined ? undefined : parseNumber(r, 'release', '--release'), suite: options.string('suite'), limit });
        out.result(page, () =>
          table(
            ['RUN', 'STATUS', 'SUITE', 'RELEASE', 'BASELINE', 'ENV', 'SCORE', 'CALLS', 'CACHED', 'COST', 'STARTED'],
            page.items.map((x) => [
              String(x.number),
              x.status,
              x.suite ? `${x.suite.name} v${x.suite.version}` : '—',
              `#${x.release}`,
              x.baseline ? `#${x.baseline}` : '—',
              x.environment ?? '—',
              x.summary ? `${x.summary.candidate.score.toFixed(3)}${x.summary.baseline ? ` vs ${x.summary.baseline.score.toFixed(3)}` : ''}` : '—',
              `${x.progress.doneCalls}/${x.progress.totalCalls}`,
              String(x.progress.cacheHits),
              usd(x.progress.costUsd),
              time(x.startedAt),
            ]),
            `${args.service} has no eval runs. Start one with: slipway evals run ${args.service}#<release> --suite <name>`,
          ),
        );
      }),
    },
    variationsCommand,
  ],
};
