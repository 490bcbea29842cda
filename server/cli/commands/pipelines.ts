// `slipway pipelines …`: save a service's pipeline definition from a YAML file, start runs, list them, show one
// (or wait for it to end, for CI), and cancel one.
import { TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { PipelineRunStatus } from '@/db/schema';
import type { AppRouter } from '@/server/api/root';
import { checkDefinition, type DefinitionProblem } from '@/server/services/pipelines/parse';
import { gitShaSchema } from '@/server/services/registry-shared';
import type { Api } from '../core/client';
import type { Group, ParsedOptions } from '../core/args';
import { CliError, EXIT, toCliError, usageError } from '../core/errors';
import { readTextFile } from '@/server/manifest/files';
import type { Output } from '../core/output';
import { pairs, table, time, truncate } from '../core/output';

type Run = inferRouterOutputs<AppRouter>['pipelines']['run'];
type ListedRun = inferRouterOutputs<AppRouter>['pipelines']['runs']['items'][number];

const POLL_MS = 1000;
const DEFAULT_TIMEOUT_S = 1800;
const MAX_PROBLEMS = 5;
/** While waiting, this many failed polls in a row (server restarting, a network blip) are tolerated. */
const MAX_POLL_FAILURES = 3;

const ENDED: PipelineRunStatus[] = ['passed', 'failed', 'cancelled'];

export function parseRunNumber(text: string): number {
  const m = /^#?(\d+)$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`"${text}" is not a run number; use e.g. 3`);
  return n;
}

function positiveInt(options: ParsedOptions, name: string): number | undefined {
  const text = options.string(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw usageError(`--${name} must be a whole number of at least 1`);
  return n;
}

/** `--wait` and its `--timeout` in seconds; a timeout without waiting is a mistake worth saying. */
function waitOptions(options: ParsedOptions): { wait: boolean; timeoutMs: number } {
  const wait = options.flag('wait');
  const text = options.string('timeout');
  if (text !== undefined && !wait) throw usageError('--timeout needs --wait');
  const seconds = text === undefined ? DEFAULT_TIMEOUT_S : Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || text?.trim() === '') throw usageError('--timeout must be a number of seconds greater than 0');
  return { wait, timeoutMs: seconds * 1000 };
}

/** Problems as `file:line: path: message`, the way other commands report a file. */
export function describeProblems(file: string, problems: DefinitionProblem[]): string {
  const parts = problems.slice(0, MAX_PROBLEMS).map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  const more = problems.length - MAX_PROBLEMS;
  return parts.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

/** The server reports definition problems as `line N: path: message` lines; they are shown against the file. */
function serverProblems(err: unknown, file: string): never {
  if (err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === 'BAD_REQUEST' && /^line \d+: /m.test(err.message)) {
    const problems = err.message.split('\n').map((l) => {
      const m = /^line (\d+): (.*)$/.exec(l);
      return m ? `${file}:${m[1]}: ${m[2]}` : `${file}: ${l}`;
    });
    throw new CliError(problems.join('; '), EXIT.api);
  }
  throw err;
}

const runName = (service: string, number: number) => `${service} run ${number}`;
const duration = (ms: number | null) => (ms === null ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
const took = (ms: number | null) => (ms === null ? '' : ` (${duration(ms)})`);
const doesText = (r: { mode: string; targetEnvironment: string | null }) => (r.mode === 'deploy' ? `deploy to ${r.targetEnvironment}` : 'evaluate only');
const commitText = (c: string | null) => (c ? c.slice(0, 7) : '—');

function triggerText(r: ListedRun | Run): string {
  const t = r.trigger;
  return [`${t.kind.replace('_', ' ')}${t.provider ? ` (${t.provider})` : ''} by ${t.author ?? r.createdBy}`, t.branch ? `branch ${t.branch}` : null, t.commit ? `commit ${t.commit.slice(0, 12)}` : null].filter(Boolean).join(', ');
}

function renderRun(service: string, r: Run): string {
  const head = pairs([
    ['run', runName(service, r.number)],
    ['status', r.status],
    ['trigger', triggerText(r)],
    ...(r.trigger.message ? [['message', truncate(r.trigger.message, 100)] as [string, string]] : []),
    ['does', doesText(r)],
    ['candidate', r.releaseNumber ? `${service}#${r.releaseNumber}` : r.trigger.commit ? 'built from the commit when the run starts' : '—'],
    ['queued', time(r.createdAt)],
    ['started', time(r.startedAt)],
    ['duration', duration(r.durationMs)],
    ...(r.error ? [['error', r.error] as [string, string]] : []),
  ]);
  const steps = table(
    ['STAGE', 'STEP', 'TYPE', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR'],
    r.steps.map((s) => [s.stage, s.name, s.type, s.status, String(s.attempts), duration(s.durationMs), s.error ? truncate(s.error, 80) : '']),
  );
  return `${head}\n${steps}`;
}

/** Why a run that ended did not pass, as the one error line. */
function notPassed(service: string, r: Run): CliError {
  const name = runName(service, r.number);
  if (r.status === 'cancelled') {
    const reason = r.error?.replace(/^cancelled:?\s*/, '');
    return new CliError(`${name} was cancelled${reason ? `: ${reason}` : ''}`, EXIT.api);
  }
  return new CliError(`${name} failed: ${r.error ?? 'a step failed'}`, EXIT.api);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the run until it ends. People see a line per step as it ends (and when the run starts); with --json
 * only the final run is printed. Exits 0 when it passed, 1 when it failed or was cancelled, 5 on timeout.
 */
async function waitForRun(api: Api, out: Output, service: string, number: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const reported = new Set<number>();
  let lastStatus: PipelineRunStatus | null = null;
  let failures = 0;
  let run: Run | null = null;
  for (;;) {
    try {
      run = await api.pipelines.run.query({ service, number });
      failures = 0;
    } catch (err) {
      if (toCliError(err, '').exitCode !== EXIT.unreachable || ++failures > MAX_POLL_FAILURES) throw err;
    }
    if (run) {
      if (!out.json) {
        if (run.status !== lastStatus && !ENDED.includes(run.status)) out.line(`${run.status.padEnd(9)}  ${runName(service, number)}`);
        for (const s of run.steps) {
          if (reported.has(s.position) || !['passed', 'failed', 'skipped', 'cancelled'].includes(s.status)) continue;
          reported.add(s.position);
          out.line(`${s.status.padEnd(9)}  ${s.stage}/${s.name}${took(s.durationMs)}${s.error ? `: ${truncate(s.error, 100)}` : ''}`);
        }
      }
      lastStatus = run.status;
      if (ENDED.includes(run.status)) {
        if (out.json) out.result(run, () => '');
        else out.line(`${run.status.padEnd(9)}  ${runName(service, number)}${took(run.durationMs)}`);
        if (run.status !== 'passed') throw notPassed(service, run);
        return;
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      if (out.json && run) out.result(run, () => '');
      const state = run ? `it is still ${run.status}` : 'its status could not be read';
      throw new CliError(`stopped waiting after ${+(timeoutMs / 1000).toFixed(3)} s: ${state} (the run goes on; see slipway pipelines status ${service} ${number})`, EXIT.timeout);
    }
    await sleep(Math.min(POLL_MS, left));
  }
}

const serviceArg = { name: 'service', description: 'the service' };
const runArg = { name: 'run', description: 'the run number (from slipway pipelines list)' };
const waitSpecs = {
  wait: { type: 'boolean', description: 'wait until the run ends: exit 0 when it passed, 1 when it failed or was cancelled' },
  timeout: { type: 'string', value: '<seconds>', description: `with --wait, stop waiting after this long and exit 5 (default ${DEFAULT_TIMEOUT_S})` },
} as const;

export const pipelinesGroup: Group = {
  name: 'pipelines',
  summary: 'Define a service’s pipeline, start runs, follow them and cancel them.',
  commands: [
    {
      group: 'pipelines',
      name: 'define',
      summary: 'Save the pipeline definition in a YAML file as the service’s new version (unchanged text saves nothing)',
      details:
        'The file is checked before it is sent, with the rules the server applies; every problem is reported as\n' +
        'file:line: path: message and nothing is saved. The format and the step types are shown on the\n' +
        'definition page of the console (Pipelines → a service → Definition).',
      args: [serviceArg],
      options: { file: { type: 'string', short: 'f', value: '<file>', description: 'the pipeline definition (YAML)' } },
      examples: ['slipway pipelines define support-bot --file pipeline.yaml'],
      async run({ args, options, out, api }) {
        const file = options.required('file');
        const yaml = readTextFile(file);
        const check = checkDefinition(yaml);
        if (!check.ok) throw usageError(describeProblems(file, check.problems));
        const saved = await api()
          .pipelines.saveDefinition.mutate({ service: args.service!, yaml })
          .catch((err: unknown) => serverProblems(err, file));
        out.result({ service: args.service, ...saved }, () => `${saved.created ? 'saved' : 'unchanged'} v${saved.version}\n`);
      },
    },
    {
      group: 'pipelines',
      name: 'run',
      summary: 'Start a pipeline run; with --wait, follow it until it ends',
      details:
        'Without --commit the run tests an existing release: --release, or the newest. With --commit it builds\n' +
        'its candidate from the manifest at that commit. The branch rule of the definition decides whether the\n' +
        'run deploys; --env or --evaluate-only decide instead.',
      args: [serviceArg],
      options: {
        branch: { type: 'string', value: '<branch>', description: 'the branch the run is for (its rule decides what the run does)' },
        commit: { type: 'string', value: '<sha>', description: 'the 40-character git commit to build the candidate from' },
        release: { type: 'string', value: '<n>', description: 'test this release instead of the newest' },
        env: { type: 'string', value: '<environment>', description: 'deploy the candidate to this environment when every step passes' },
        'evaluate-only': { type: 'boolean', description: 'only evaluate; deploy nowhere, whatever the branch rule says' },
        ...waitSpecs,
      },
      examples: ['slipway pipelines run support-bot --branch main --wait', 'slipway pipelines run support-bot --release 7 --evaluate-only --json'],
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = options.string('env');
        const evaluateOnly = options.flag('evaluate-only');
        if (environment !== undefined && evaluateOnly) throw usageError('choose --env or --evaluate-only, not both');
        const commit = options.string('commit');
        if (commit !== undefined && !gitShaSchema.safeParse(commit).success) throw usageError('--commit must be a 40-character hex git commit');
        const release = positiveInt(options, 'release');
        if (release !== undefined && commit !== undefined) throw usageError('choose --commit (build a candidate) or --release (test one), not both');
        const { wait, timeoutMs } = waitOptions(options);
        const client = api();
        const run = await client.pipelines.start.mutate({ service, branch: options.string('branch'), commit, release, environment, evaluateOnly });
        if (!wait) {
          out.result(run, () =>
            pairs([
              ['started', `${runName(service, run.number)} (${run.status})`],
              ['does', doesText(run)],
              ['follow', `slipway pipelines status ${service} ${run.number} --wait`],
            ]),
          );
          return;
        }
        if (!out.json) out.line(`started    ${runName(service, run.number)}: ${doesText(run)}`);
        await waitForRun(client, out, service, run.number, timeoutMs);
      },
    },
    {
      group: 'pipelines',
      name: 'list',
      summary: 'List a service’s pipeline runs, newest first',
      args: [serviceArg],
      options: {
        limit: { type: 'string', value: '<n>', description: 'at most this many runs (default 20, at most 200)' },
        before: { type: 'string', value: '<run>', description: 'only runs numbered below this one (the next page)' },
      },
      async run({ args, options, out, api }) {
        const limit = positiveInt(options, 'limit') ?? 20;
        if (limit > 200) throw usageError('--limit must be at most 200');
        const before = options.string('before');
        const page = await api().pipelines.runs.query({ service: args.service!, limit, cursor: before === undefined ? undefined : parseRunNumber(before) });
        out.result(page, () =>
          table(
            ['RUN', 'STATUS', 'TRIGGER', 'BRANCH', 'COMMIT', 'DOES', 'RELEASE', 'STARTED', 'DURATION'],
            page.items.map((r) => [
              String(r.number),
              r.status,
              `${r.trigger.kind.replace('_', ' ')} by ${r.trigger.author ?? r.createdBy}`,
              r.trigger.branch ?? '—',
              commitText(r.trigger.commit),
              doesText(r),
              r.releaseNumber ? `#${r.releaseNumber}` : '—',
              time(r.startedAt),
              duration(r.durationMs),
            ]),
            `${args.service} has no pipeline runs${before ? ` before run ${before}` : ''}. Start one with: slipway pipelines run ${args.service}`,
          ) + (page.nextCursor ? `more: slipway pipelines list ${args.service} --before ${page.nextCursor}\n` : ''),
        );
      },
    },
    {
      group: 'pipelines',
      name: 'status',
      summary: 'Show a run and its steps; with --wait, wait until it ends (exit 0 passed, 1 failed or cancelled, 5 timeout)',
      args: [serviceArg, runArg],
      options: { ...waitSpecs },
      examples: ['slipway pipelines status support-bot 12', 'slipway pipelines status support-bot 12 --wait --timeout 600'],
      async run({ args, options, out, api }) {
        const number = parseRunNumber(args.run!);
        const { wait, timeoutMs } = waitOptions(options);
        if (wait) return waitForRun(api(), out, args.service!, number, timeoutMs);
        const run = await api().pipelines.run.query({ service: args.service!, number });
        out.result(run, () => renderRun(args.service!, run));
      },
    },
    {
      group: 'pipelines',
      name: 'cancel',
      summary: 'Cancel a queued or running run; it stops before its next step',
      args: [serviceArg, runArg],
      options: { reason: { type: 'string', value: '<text>', description: 'why, shown on the run' } },
      async run({ args, options, out, api }) {
        const number = parseRunNumber(args.run!);
        const run = await api().pipelines.cancel.mutate({ service: args.service!, number, reason: options.string('reason') });
        out.result(run, () => pairs([['cancelled', `${runName(args.service!, number)}${run.error && run.error !== 'cancelled' ? ` (${run.error.replace(/^cancelled: /, '')})` : ''}`]]));
      },
    },
  ],
};
