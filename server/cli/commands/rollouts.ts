// The release flow from scripts and CI: `slipway promote` (preview, then a rollout; with --wait, follow it to its
// end), `slipway rollback` (one click back), and `slipway rollouts …` (list, status, and the controls pause,
// resume, abort and promote-now). Rendering and the follow loop are shared with `slipway approvals`.
import type { inferRouterOutputs } from '@trpc/server';
import { isActiveRolloutStatus } from '@/db/schema/rollout-status';
import type { AppRouter } from '@/server/api/root';
import type { Api } from '../core/client';
import type { Command, Group, ParsedOptions } from '../core/args';
import { CliError, EXIT, toCliError, usageError } from '../core/errors';
import { pairs, table, time, truncate, type Output } from '../core/output';

type Outputs = inferRouterOutputs<AppRouter>;
export type RolloutView = Outputs['rollouts']['get'];
export type Preview = Outputs['rollouts']['preview'];
export type RollbackResult = Outputs['rollouts']['rollback'];
type Diff = NonNullable<Preview['diff']>;
type Gates = Preview['gates'];
type Current = Preview['current'];
type PlanStep = Preview['plan'][number];

const POLL_MS = 1000;
/** Rollouts bake for minutes and may wait for people: an hour by default, then exit 5 and let it go on. */
export const DEFAULT_TIMEOUT_MS = 3600_000;
/** While following, this many failed polls in a row (server restarting, a network blip) are tolerated. */
const MAX_POLL_FAILURES = 3;
export const isActive = isActiveRolloutStatus;

// ---- parsing --------------------------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000 };

/** `90` (seconds), `90s`, `15m`, `1h30m`, `500ms`, in milliseconds. */
export function parseDuration(text: string, option = '--timeout'): number {
  const t = text.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000;
  else if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) ms = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((sum, m) => sum + Number(m[1]) * UNIT_MS[m[2]!]!, 0);
  else throw usageError(`${option} "${text}" is not a duration; use seconds or e.g. 90s, 15m, 1h30m`);
  if (!(ms > 0)) throw usageError(`${option} must be longer than 0`);
  return ms;
}

/** `--wait` and its `--timeout`; a timeout without waiting is a mistake worth saying. */
export function waitOptions(options: ParsedOptions): { wait: boolean; timeoutMs: number } {
  const wait = options.flag('wait');
  const text = options.string('timeout');
  if (text !== undefined && !wait) throw usageError('--timeout needs --wait');
  return { wait, timeoutMs: text === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(text) };
}

/** `3` or `#3`. */
export function parseNumber(text: string, what: 'release' | 'rollout', option?: string): number {
  const m = /^#?(\d+)$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`${option ? `${option} ` : ''}"${text}" is not a ${what} number; use e.g. 3`);
  return n;
}

function limitOption(options: ParsedOptions, max: number): number | undefined {
  const text = options.string('limit');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > max) throw usageError(`--limit must be a whole number from 1 to ${max}`);
  return n;
}

// ---- words ----------------------------------------------------------------------------------------------------

/** `0.5 s`, `45 s`, `10 min`, `1 h 30 min`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${+(ms / 1000).toFixed(3)} s`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

type Route = { releaseNumber: number; weight: number; model?: string | null };

/** `support-bot#7 90% (llm@3), support-bot#8 10%`; releases kept at 0% are left out unless nothing else runs. */
export function routesText(service: string, routes: Route[], opts: { models?: boolean; zero?: boolean } = {}): string {
  const shown = opts.zero ? routes : routes.filter((r) => r.weight > 0);
  if (!shown.length) return 'nothing';
  return shown.map((r) => `${service}#${r.releaseNumber} ${r.weight}%${opts.models && r.model ? ` (${r.model})` : ''}`).join(', ');
}

export const rolloutName = (v: { service: string; environment: string; number: number; release: { ref: string } }) => `${v.service}/${v.environment} rollout ${v.number} of ${v.release.ref}`;

const bakeText = (s: { bakeSeconds: number; holdSeconds?: number }) =>
  [s.bakeSeconds ? `bake ${durationText(s.bakeSeconds * 1000)}` : '', s.holdSeconds ? `old release kept ${durationText(s.holdSeconds * 1000)}` : ''].filter(Boolean).join(', ');

/** One line per planned move: `1. 25% to #7 (bake 10 min)`. */
export function planLines(plan: PlanStep[]): string[] {
  return plan.map((s) => `${s.index + 1}. ${s.description}${bakeText(s) ? ` (${bakeText(s)})` : ''}`);
}

/** Where a rollout stands, in a few words: `running: step 2 of 4, 25% on #7`. */
export function statusText(v: Pick<RolloutView, 'status' | 'stepIndex' | 'plan' | 'weight' | 'release' | 'approval'>): string {
  if (v.status === 'awaiting-approval' && v.approval) return `awaiting-approval: ${v.approval.approvals} of ${v.approval.required} approval(s)`;
  if (v.status === 'running' || v.status === 'paused') {
    return v.stepIndex < 0 ? `${v.status}: before its first step` : `${v.status}: step ${v.stepIndex + 1} of ${v.plan.length}, ${v.weight}% on #${v.release.number}`;
  }
  return v.status;
}

/** What changes against what runs now: `model llm@2 → llm@3; prompt answer @4 → @5; config temperature`. */
export function diffText(diff: Diff | null): string {
  if (!diff) return '—';
  const parts: string[] = [];
  if (diff.model.length) {
    const ref = diff.model.find((c) => c.path === 'ref');
    const others = diff.model.filter((c) => c.path !== 'ref').map((c) => c.path);
    parts.push(`model ${ref ? `${String(ref.before)} → ${String(ref.after)}` : diff.to.model.ref}${others.length ? ` (${others.join(', ')})` : ''}`);
  }
  for (const p of diff.prompts) {
    if (p.change === 'added') parts.push(`prompt ${p.name} added (@${p.to})`);
    else if (p.change === 'removed') parts.push(`prompt ${p.name} removed`);
    else if (p.change === 'changed') parts.push(`prompt ${p.name} @${p.from} → @${p.to}`);
  }
  if (diff.config.length) parts.push(`config ${diff.config.map((c) => c.path).join(', ')}`);
  return parts.join('; ') || 'same model, prompts and config';
}

export function gatesText(gates: Gates): string {
  if (!gates) return 'no pipeline run tested this release';
  const failed = gates.steps.filter((s) => s.status !== 'passed' && s.status !== 'skipped');
  const steps = gates.steps.map((s) => `${s.name} ${s.status}`).join(', ');
  return `run ${gates.run} ${gates.status}${steps ? `: ${steps}` : ''}${failed.some((s) => s.error) ? ` (${truncate(failed.find((s) => s.error)!.error!, 80)})` : ''}`;
}

export function currentText(service: string, current: Current): string {
  return current ? routesText(service, current.routes, { models: true }) : 'nothing deployed yet';
}

function approvalsNeeded(p: Preview['protection']): string {
  if (!p.requiredApprovals) return 'none needed';
  return `${p.requiredApprovals} approval${p.requiredApprovals === 1 ? '' : 's'}${p.preventSelfApproval ? ', not by whoever asks or made the release' : ''}; the request expires after ${durationText(p.approvalTimeoutMinutes * 60_000)}`;
}

/** What promoting would do, before anything starts. */
export function renderPreview(service: string, environment: string, p: Preview): string {
  const plan = planLines(p.plan);
  const rows: [string, string][] = [
    ['promote', `${p.release.ref} to ${service}/${environment}`],
    ['release', `by ${p.release.createdBy}${p.release.branch ? `, branch ${p.release.branch}` : ''}${p.release.notes ? ` — ${truncate(p.release.notes, 60)}` : ''}`],
    ['running now', currentText(service, p.current)],
    ['changes', diffText(p.diff)],
    ['gates', gatesText(p.gates)],
    ['strategy', `${p.strategy}${p.autoRollback ? ', automatic rollback on failed analysis' : ''}`],
    ['plan', plan[0] ?? '—'],
    ...plan.slice(1).map((l): [string, string] => ['', l]),
    ['approvals', approvalsNeeded(p.protection)],
    ...(p.protection.waitTimerMinutes ? [['wait timer', `${p.protection.waitTimerMinutes} min before the first step`] as [string, string]] : []),
    ...(p.problem ? [['problem', p.problem] as [string, string]] : []),
  ];
  return pairs(rows);
}

function analysisText(a: NonNullable<RolloutView['lastAnalysis']>): string {
  return `step ${a.step + 1}: ${a.verdict} — ${a.summary}`;
}

/** A rollout with its plan and timeline, for `rollouts status`. */
export function renderRollout(v: RolloutView): string {
  const a = v.approval;
  const head = pairs([
    ['rollout', rolloutName(v)],
    ['status', statusText(v)],
    ['strategy', `${v.strategy}${v.policy.autoRollback ? ', automatic rollback on failed analysis' : ''}`],
    ['requested', `${time(v.createdAt)} by ${v.requestedBy}${v.pipelineRun ? ` (pipeline run ${v.pipelineRun})` : ''}${v.branch ? `, branch ${v.branch}` : ''}`],
    ['started', time(v.startedAt)],
    ...(isActive(v.status) ? [] : [['ended', time(v.endedAt)] as [string, string]]),
    ...(v.reason ? [['reason', v.reason] as [string, string]] : []),
    ['baseline', routesText(v.service, v.baseline)],
    ...(a ? [['approval', `${a.status}: ${a.approvals} of ${a.required}, request ${a.id}${a.status === 'pending' ? `, expires ${time(a.expiresAt)}` : ''}`] as [string, string]] : []),
    ...(v.lastAnalysis ? [['analysis', analysisText(v.lastAnalysis)] as [string, string]] : []),
  ]);
  const stepState = (i: number) => (i < v.stepIndex ? 'done' : i === v.stepIndex ? (isActive(v.status) ? 'current' : v.status === 'succeeded' ? 'done' : 'reached') : '');
  const plan = table(
    ['STEP', 'MOVE', 'BAKE', 'STATE'],
    v.plan.map((s) => [String(s.index + 1), s.description, bakeText(s) || '—', stepState(s.index)]),
  );
  const events = table(
    ['AT', 'EVENT', 'BY', 'MESSAGE'],
    v.events.map((e) => [time(e.at), e.kind, e.by, truncate(e.message, 120)]),
    'no events',
  );
  return `${head}\n${plan}\n${events}`;
}

// ---- following a rollout --------------------------------------------------------------------------------------

const KIND_WIDTH = 18;
const line = (kind: string, text: string) => `${kind.padEnd(KIND_WIDTH)}  ${text}`;

export interface FollowState {
  events: Set<number>;
  /** The analysis line last shown: an analysis that says the same again (every few seconds while baking) is not repeated. */
  analysis: string | null;
  approvalShown: boolean;
}

export const followState = (): FollowState => ({ events: new Set(), analysis: null, approvalShown: false });

/**
 * The lines a person following a rollout has not seen yet: each new timeline event (a step with the weights it
 * set), each analysis that says something new, and once, how to decide a pending approval. Updates `state`.
 */
export function progressLines(v: RolloutView, state: FollowState): string[] {
  const out: string[] = [];
  for (const e of v.events) {
    if (state.events.has(e.id)) continue;
    state.events.add(e.id);
    // "started: …" under the kind "started" says it twice.
    const message = e.message.startsWith(`${e.kind}: `) ? e.message.slice(e.kind.length + 2) : e.message;
    const routes = e.kind === 'step' && Array.isArray((e.data as { routes?: unknown }).routes) ? (e.data as { routes: Route[] }).routes : null;
    out.push(line(e.kind, `${message}${routes ? ` (now ${routesText(v.service, routes, { zero: true })})` : ''}`));
  }
  const a = v.lastAnalysis ? analysisText(v.lastAnalysis) : null;
  if (a && a !== state.analysis) {
    state.analysis = a;
    out.push(line('analysis', a));
  }
  if (v.status === 'awaiting-approval' && v.approval?.status === 'pending' && !state.approvalShown) {
    state.approvalShown = true;
    out.push(line('approval', `request ${v.approval.id} needs ${v.approval.required - v.approval.approvals} more; decide with: slipway approvals approve|reject ${v.approval.id}`));
  }
  return out;
}

/** Why a rollout that ended did not succeed, as the one error line. */
export function notSucceeded(v: RolloutView): CliError {
  return new CliError(`${rolloutName(v)} did not succeed (${v.status})${v.reason ? `: ${v.reason}` : ''}`, EXIT.api);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the rollout until it ends. People see each new event, analysis verdict and how to approve; with --json
 * only the rollout as it ended. Exits 0 when it succeeded, 1 when it ended otherwise, 5 on timeout.
 */
export async function followRollout(api: Api, out: Output, ref: { service: string; environment: string; number: number }, timeoutMs: number, seen: RolloutView | null = null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const state = followState();
  let failures = 0;
  let view: RolloutView | null = seen;
  for (let first = true; ; first = false) {
    if (!first || !view) {
      try {
        view = await api.rollouts.get.query(ref);
        failures = 0;
      } catch (err) {
        if (toCliError(err, '').exitCode !== EXIT.unreachable || ++failures > MAX_POLL_FAILURES) throw err;
      }
    }
    if (view) {
      if (!out.json) for (const l of progressLines(view, state)) out.line(l);
      if (!isActive(view.status)) {
        const from = view.startedAt ?? view.createdAt;
        if (out.json) out.result(view, () => '');
        else out.line(line(view.status, `${rolloutName(view)}${view.endedAt ? ` (${durationText(new Date(view.endedAt).getTime() - new Date(from).getTime())})` : ''}`));
        if (view.status !== 'succeeded') throw notSucceeded(view);
        return;
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      if (out.json && view) out.result(view, () => '');
      const where = view ? `it is still ${statusText(view)}` : 'its status could not be read';
      throw new CliError(`stopped waiting after ${durationText(timeoutMs)}: ${where} (the rollout goes on; see slipway rollouts status ${ref.service} ${ref.environment} ${ref.number})`, EXIT.timeout);
    }
    await sleep(Math.min(POLL_MS, left));
  }
}

// ---- commands -------------------------------------------------------------------------------------------------

const envArgs = [
  { name: 'service', description: 'the service' },
  { name: 'env', description: 'the environment, e.g. staging' },
];
const numberArg = { name: 'number', description: 'the rollout number (from slipway rollouts list); default: the active rollout', optional: true };
const reasonSpec = { type: 'string', value: '<text>', description: 'why, recorded on the rollout and in the audit log' } as const;
const waitSpecs = {
  wait: { type: 'boolean', description: 'follow the rollout until it ends: exit 0 when it succeeded, 1 when it ended otherwise' },
  timeout: { type: 'string', value: '<duration>', description: 'with --wait, stop waiting after this long and exit 5: seconds, or e.g. 90s, 15m, 1h (default 1h)' },
} as const;

export const promoteGroup: Group = {
  name: 'promote',
  summary: 'Promote a release to an environment through its rollout policy.',
  commands: [
    {
      group: 'promote',
      name: '',
      summary: 'Show what promoting a release would do, then start its rollout; with --wait, follow it to the end',
      details:
        'Prints the preview first: what runs now, what changes, gate results, the plan and the approvals needed.\n' +
        'At a terminal it then asks before promoting (--yes skips the question); scripts and CI are not asked.\n' +
        'When the environment requires approvals the rollout waits for them (slipway approvals approve <id>).\n' +
        'With --wait it prints each event of the rollout (steps with their weights, analysis verdicts) until it\n' +
        'ends: exit 0 when it succeeded, 1 when it was rolled back, aborted, rejected, timed out waiting for\n' +
        'approval or failed (with the reason), 5 when --timeout ran out first (the rollout goes on).',
      args: envArgs,
      options: {
        release: { type: 'string', value: '<n>', description: 'the release to promote' },
        reason: reasonSpec,
        yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation at a terminal' },
        ...waitSpecs,
      },
      examples: ['slipway promote support-bot staging --release 7 --wait', 'slipway promote support-bot production --release 7 --reason "weekly release" --yes --json'],
      async run({ args, options, out, api, confirm }) {
        const service = args.service!;
        const environment = args.env!;
        const release = parseNumber(options.required('release'), 'release', '--release');
        const { wait, timeoutMs } = waitOptions(options);
        const client = api();
        const preview = await client.rollouts.preview.query({ service, environment, release });
        if (!out.json) out.line(renderPreview(service, environment, preview).trimEnd());
        if (preview.problem) throw new CliError(`cannot promote ${preview.release.ref} to ${service}/${environment}: ${preview.problem}`, EXIT.api);
        if (!options.flag('yes') && !(await confirm(`Promote ${preview.release.ref} to ${service}/${environment}?`))) {
          throw new CliError(`did not promote ${preview.release.ref}: not confirmed`, EXIT.usage);
        }
        const started = await client.rollouts.promote.mutate({ service, environment, release, reason: options.string('reason') });
        const ref = { service, environment, number: started.number };
        const view = await client.rollouts.get.query(ref);
        if (!out.json) {
          out.line('');
          out.line(line('promoted', `${rolloutName(view)} (${statusText(view)})`));
        }
        if (wait) return followRollout(client, out, ref, timeoutMs, view);
        out.result(view, () =>
          [
            view.approval?.status === 'pending' ? line('approve', `slipway approvals approve ${view.approval.id}`) : null,
            line('follow', `slipway rollouts status ${service} ${environment} ${view.number} --wait`),
          ]
            .filter(Boolean)
            .join('\n'),
        );
      },
    },
  ],
};

export const rollbackGroup: Group = {
  name: 'rollback',
  summary: 'Put an environment back on an earlier release at once.',
  commands: [
    {
      group: 'rollback',
      name: '',
      summary: 'Roll an environment back at once (no analysis): to the release before the current one, or --to one it ran',
      details:
        'A rollout in progress there ends as rolled back; with one under way and no --to, traffic goes back to what\n' +
        'ran before that rollout. Prints the new routes and the history entry.',
      args: envArgs,
      options: {
        to: { type: 'string', value: '<n>', description: 'a release the environment ran before (default: the one before the current release)' },
        reason: { type: 'string', value: '<text>', description: 'why, recorded in the history' },
      },
      examples: ['slipway rollback support-bot production --reason "error rate up"', 'slipway rollback support-bot staging --to 5'],
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = args.env!;
        const toText = options.string('to');
        const to = toText === undefined ? undefined : parseNumber(toText, 'release', '--to');
        const result = await api().rollouts.rollback.mutate({ service, environment, to, reason: options.string('reason') });
        out.result({ service, environment, ...result }, () => renderRollback(service, environment, result));
      },
    },
  ],
};

export function renderRollback(service: string, environment: string, r: RollbackResult): string {
  return pairs([
    ['rolled back', `${service}/${environment} now runs ${routesText(service, r.routes, { zero: true })}`],
    ['history', `entry ${r.historyId} at ${time(r.at)} (see slipway envs history ${service} ${environment})`],
    ...(r.endedRollout !== null ? [['rollout', `rollout ${r.endedRollout} ended as rolled-back`] as [string, string]] : []),
    ...(r.rollout ? [['recorded', `as rollout ${r.rollout} (a rollback) in slipway rollouts list ${service} ${environment}`] as [string, string]] : []),
  ]);
}

/** The rollout a control acts on: the number given, or the environment's active rollout. */
async function targetRollout(api: Api, service: string, environment: string, number: number | undefined, command: string): Promise<number> {
  if (number !== undefined) return number;
  const current = await api.rollouts.current.query({ service, environment });
  if (!current?.active) {
    const latest = current ? ` (the latest, rollout ${current.rollout.number}, is ${current.rollout.status})` : '';
    throw new CliError(`${service}/${environment} has no active rollout${latest}; name one: slipway rollouts ${command} ${service} ${environment} <number>`, EXIT.api);
  }
  return current.rollout.number;
}

type Control = 'pause' | 'resume' | 'abort' | 'promote-now';

type ControlInput = { service: string; environment: string; number: number; reason?: string };

const CONTROLS: Record<Control, { summary: string; done: string; call: (api: Api, input: ControlInput) => Promise<unknown> }> = {
  pause: { summary: 'Pause a running rollout where it is (traffic stays as it is)', done: 'paused', call: (api, input) => api.rollouts.pause.mutate(input) },
  resume: { summary: 'Resume a paused rollout; the current step bakes again from now', done: 'resumed', call: (api, input) => api.rollouts.resume.mutate(input) },
  abort: { summary: 'Abort a rollout; traffic goes back to what ran before it', done: 'aborted', call: (api, input) => api.rollouts.abort.mutate(input) },
  'promote-now': { summary: 'Skip the remaining bakes: all traffic to the release now', done: 'promoted now', call: (api, input) => api.rollouts.promoteNow.mutate(input) },
};

export function controlText(control: Control, v: RolloutView): string {
  const name = rolloutName(v);
  switch (control) {
    case 'abort':
      return line('aborted', `${name}${v.stepIndex >= 0 ? `; traffic is back on ${routesText(v.service, v.baseline)}` : '; no traffic had moved'}`);
    case 'promote-now':
      return line('promoted now', `${name}: the remaining bakes are skipped`);
    default:
      return line(CONTROLS[control].done, `${name} (${statusText(v)})`);
  }
}

function controlCommand(control: Control): Command {
  const spec = CONTROLS[control];
  return {
    group: 'rollouts',
    name: control,
    summary: spec.summary,
    details: 'Without a number it acts on the environment’s active rollout. In environments that require approvals only approvers may do this.',
    args: [...envArgs, numberArg],
    options: { reason: reasonSpec },
    examples: [`slipway rollouts ${control} support-bot production${control === 'abort' ? ' --reason "latency up"' : ''}`],
    async run({ args, options, out, api }) {
      const service = args.service!;
      const environment = args.env!;
      const given = args.number === undefined ? undefined : parseNumber(args.number, 'rollout');
      const client = api();
      const number = await targetRollout(client, service, environment, given, control);
      await spec.call(client, { service, environment, number, reason: options.string('reason') });
      const view = await client.rollouts.get.query({ service, environment, number });
      out.result(view, () => controlText(control, view));
    },
  };
}

export const rolloutsGroup: Group = {
  name: 'rollouts',
  summary: 'An environment’s rollouts: list them, show or follow one, pause, resume, abort or promote it now.',
  commands: [
    {
      group: 'rollouts',
      name: 'list',
      summary: 'List an environment’s rollouts, newest first',
      args: envArgs,
      options: { limit: { type: 'string', value: '<n>', description: 'at most this many (default 50, at most 200)' } },
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = args.env!;
        const limit = limitOption(options, 200);
        const list = await api().rollouts.list.query({ service, environment, limit });
        out.result(list, () =>
          table(
            ['ROLLOUT', 'RELEASE', 'STRATEGY', 'STATUS', 'STEP', 'WEIGHT', 'BY', 'REQUESTED', 'ENDED', 'REASON'],
            list.map((r) => [
              String(r.number),
              r.release.ref,
              r.kind === 'rollback' ? 'rollback' : r.strategy,
              r.status,
              r.stepIndex < 0 ? '—' : `${r.stepIndex + 1}/${r.plan.length}`,
              `${r.weight}%`,
              r.requestedBy,
              time(r.createdAt),
              time(r.endedAt),
              truncate(r.reason ?? '', 60),
            ]),
            `${service}/${environment} has no rollouts yet. Start one with: slipway promote ${service} ${environment} --release <n>`,
          ),
        );
      },
    },
    {
      group: 'rollouts',
      name: 'status',
      summary: 'Show a rollout with its plan and timeline (default: the current one); with --wait, follow it to the end',
      details: 'Without a number it shows the active rollout, or the latest when none is active.\nWith --wait: exit 0 when it succeeded, 1 when it ended otherwise (with the reason), 5 on --timeout.',
      args: [...envArgs, { ...numberArg, description: 'the rollout number (from slipway rollouts list); default: the active or latest rollout' }],
      options: { ...waitSpecs },
      examples: ['slipway rollouts status support-bot production', 'slipway rollouts status support-bot production 4 --wait --timeout 30m'],
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = args.env!;
        const { wait, timeoutMs } = waitOptions(options);
        const number = args.number === undefined ? undefined : parseNumber(args.number, 'rollout');
        const client = api();
        let view: RolloutView;
        if (number !== undefined) {
          view = await client.rollouts.get.query({ service, environment, number });
        } else {
          const current = await client.rollouts.current.query({ service, environment });
          if (!current) throw new CliError(`${service}/${environment} has no rollouts yet`, EXIT.api);
          view = current.rollout;
        }
        if (wait) return followRollout(client, out, { service, environment, number: view.number }, timeoutMs, view);
        out.result(view, () => renderRollout(view));
      },
    },
    controlCommand('pause'),
    controlCommand('resume'),
    controlCommand('abort'),
    controlCommand('promote-now'),
  ],
};
