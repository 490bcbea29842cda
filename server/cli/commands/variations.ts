// `slipway evals variations <service>`: start a prompt-variations matrix on a suite (prompt versions × parameter
// sets × model versions) and, with --wait, follow it and print the matrix with score, pass rate, cost and latency
// per cell. Exit 0 when the run passed, 1 when it failed or stopped, 2 on usage errors, 5 on a --wait timeout.
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import type { Command } from '../core/args';
import { CliError, EXIT, toCliError, usageError } from '../core/errors';
import { pairs, table } from '../core/output';

type View = inferRouterOutputs<AppRouter>['variations']['get'];

const POLL_MS = 1000;
const DEFAULT_TIMEOUT_S = 1800;
const MAX_POLL_FAILURES = 3;
const ENDED = ['passed', 'failed', 'error', 'cancelled'];

/** `a@1,b@2` into a list; every item must be non-empty. */
export function parseList(text: string | undefined, name: string): string[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((s) => s.trim());
  if (!items.length || items.some((s) => !s)) throw usageError(`--${name} must be a comma-separated list, e.g. ${name === 'models' ? 'support-llm@1,support-llm@2' : 'answer@1,answer@2'}`);
  return items;
}

/** `--params '[{"temperature":0},{"temperature":0.7}]'`: a JSON list of objects. */
export function parseParams(text: string | undefined): Record<string, never>[] | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`--params must be JSON: a list of parameter objects, e.g. '[{"temperature":0},{"temperature":0.7}]'`);
  }
  if (!Array.isArray(value) || !value.length || value.some((p) => !p || typeof p !== 'object' || Array.isArray(p))) {
    throw usageError(`--params must be a non-empty JSON list of objects, e.g. '[{"temperature":0}]'`);
  }
  return value as Record<string, never>[];
}

function number(text: string | undefined, name: string, max?: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (max !== undefined && n > max)) throw usageError(`--${name} must be a number${max !== undefined ? ` from 0 to ${max}` : ' greater than 0'}`);
  return n;
}

const money = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

export function renderVariations(v: View): string {
  const head = pairs([
    ['run', `${v.service} run ${v.number} (prompt variations)`],
    ['status', `${v.status}${v.error ? `: ${v.error}` : ''}`],
    ['suite', `${v.suite ?? '—'}, ${v.casesPerCell} cases per cell`],
    ['progress', `${v.doneCalls}/${v.totalCalls} calls, ${v.cacheHits} from the cache, ${money(v.costUsd)} spent`],
    ...(v.threshold !== null ? [['threshold', String(v.threshold)] as [string, string]] : []),
    ['best', v.best ?? '—'],
  ]);
  const cells = table(
    ['CELL', 'PROMPTS', 'PARAMS', 'MODEL', 'SCORE', 'PASS', 'COST', 'P50', 'ERRORS'],
    v.cells.map((c) => [
      `${c.key}${c.key === v.best ? ' *' : ''}`,
      c.promptsLabel,
      c.paramsLabel,
      c.model.ref,
      c.cases ? c.score.toFixed(3) : '—',
      c.cases ? pct(c.passRate) : '—',
      money(c.costUsd),
      c.latencyP50Ms === null ? '—' : `${Math.round(c.latencyP50Ms)} ms`,
      String(c.errors),
    ]),
  );
  return `${head}\n${cells}${v.best ? `release: slipway evals variations ${v.service} --release-from ${v.number}:${v.best}  (or the Create release button)\n` : ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const variationsCommand: Command = {
  group: 'evals',
  name: 'variations',
  summary: 'Score a matrix of prompt versions × parameter sets × model versions on a suite; with --wait, print it',
  details:
    'Each cell runs every case of the suite with its prompts, parameters (as a release config) and model\n' +
    'version, through the response cache. The calls and cost are estimated first and held to --budget (or\n' +
    'the suite’s budgetUsd). At most 24 cells. --release-from RUN:CELL creates a release from a cell instead.',
  args: [{ name: 'service', description: 'the service' }],
  options: {
    suite: { type: 'string', value: '<suite>', description: 'the eval suite (name or name@version)' },
    prompts: { type: 'string', value: '<p@1,p@2>', description: 'prompt versions, comma-separated; join prompts served together with + (answer@2+tone@1)' },
    models: { type: 'string', value: '<m@1,m@2>', description: 'model versions, comma-separated' },
    params: { type: 'string', value: '<json>', description: 'parameter sets as a JSON list (default [{}])' },
    threshold: { type: 'string', value: '<0-1>', description: 'the run passes when its best cell reaches this score' },
    budget: { type: 'string', value: '<usd>', description: 'refuse to start when the estimate is above this, stop when spent' },
    release: { type: 'string', value: '<n>', description: 'the release the run is recorded against (default the newest)' },
    'release-from': { type: 'string', value: '<run>:<cell>', description: 'create a release from a cell of an earlier run (e.g. 7:p2·s1·m1)' },
    wait: { type: 'boolean', description: 'wait for the run to end and print the matrix' },
    timeout: { type: 'string', value: '<seconds>', description: `with --wait, stop waiting after this long and exit 5 (default ${DEFAULT_TIMEOUT_S})` },
  },
  examples: [
    `slipway evals variations support-bot --suite support-answers --prompts answer@1,answer@2 --models support-llm@1,support-llm@2 --params '[{"temperature":0},{"temperature":0.7}]' --wait`,
    'slipway evals variations support-bot --release-from 7:p2·s1·m2',
  ],
  async run({ args, options, out, api }) {
    const service = args.service!;
    const from = options.string('release-from');
    if (from !== undefined) {
      const m = /^(\d+):(\S+)$/.exec(from.trim());
      if (!m) throw usageError('--release-from must be RUN:CELL, e.g. 7:p2·s1·m1');
      const release = await api().variations.createRelease.mutate({ service, number: Number(m[1]), cell: m[2]!, source: 'cli' });
      out.result(release, () => pairs([['created', `${release.ref}: ${release.model.ref} with ${release.prompts.map((p) => p.ref).join(', ') || 'no prompts'}`]]));
      return;
    }
    const suite = options.string('suite');
    if (!suite) throw usageError('--suite is required');
    const prompts = parseList(options.string('prompts'), 'prompts');
    const models = parseList(options.string('models'), 'models');
    if (!prompts) throw usageError('--prompts is required, e.g. --prompts answer@1,answer@2');
    if (!models) throw usageError('--models is required, e.g. --models support-llm@1,support-llm@2');
    const params = parseParams(options.string('params'));
    const threshold = number(options.string('threshold'), 'threshold', 1);
    const budgetUsd = number(options.string('budget'), 'budget');
    const releaseText = options.string('release');
    const release = releaseText === undefined ? undefined : Number(releaseText);
    if (release !== undefined && (!Number.isSafeInteger(release) || release < 1)) throw usageError('--release must be a release number');
    const wait = options.flag('wait');
    const timeoutText = options.string('timeout');
    if (timeoutText !== undefined && !wait) throw usageError('--timeout needs --wait');
    const timeoutMs = (timeoutText === undefined ? DEFAULT_TIMEOUT_S : (number(timeoutText, 'timeout') ?? DEFAULT_TIMEOUT_S)) * 1000;

    const client = api();
    const run = await client.variations.start.mutate({ service, suite, prompts, models, params, threshold, budgetUsd, release });
    if (!out.json) {
      out.line(`started    ${service} run ${run.number}: ${run.matrix?.cells.length ?? 0} cells, ${run.estimate.calls} calls (${run.estimate.cachedCalls} cached), about ${money(run.estimate.costUsd)}`);
      for (const w of run.warnings) out.line(`warning    ${w}`);
    }
    if (!wait) {
      if (out.json) out.result({ service, number: run.number, status: run.status, estimate: run.estimate, warnings: run.warnings }, () => '');
      else out.line(`follow     slipway evals variations ${service} … --wait, or the console: /evals/${service}/variations/${run.number}`);
      return;
    }
    const deadline = Date.now() + timeoutMs;
    let failures = 0;
    let view: View | null = null;
    for (;;) {
      try {
        view = await client.variations.get.query({ service, number: run.number });
        failures = 0;
      } catch (err) {
        if (toCliError(err, '').exitCode !== EXIT.unreachable || ++failures > MAX_POLL_FAILURES) throw err;
      }
      if (view && ENDED.includes(view.status)) break;
      if (Date.now() >= deadline) {
        if (view) out.result(view, () => renderVariations(view!));
        throw new CliError(`stopped waiting: run ${run.number} is still ${view?.status ?? 'unknown'} (it goes on)`, EXIT.timeout);
      }
      await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
    out.result(view, () => renderVariations(view!));
    if (view.status !== 'passed') throw new CliError(`${service} run ${run.number} ${view.status}${view.error ? `: ${view.error}` : ''}`, EXIT.api);
  },
};

/**
 * Until the `evals` group of the CLI holds this command, it is reachable as `slipway evals variations` through
 * this group of its own; merged with that group, the command moves into its list and this goes.
 */
