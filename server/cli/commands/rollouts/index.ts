// The release flow from scripts and CI: `slipway promote` (preview, then a rollout; with --wait, follow it to its
// end), `slipway rollback` (one click back), and `slipway rollouts …` (list, status, and the controls pause,
// resume, abort and promote-now). Parsing, words and the follow loop are in their own files, shared with
// `slipway approvals`, `gates` and `evals`.
import type { Api } from '../../core/client';
import type { Command, Group } from '../../core/args';
import { CliError, EXIT } from '../../core/errors';
import { table, time, truncate } from '../../core/output';
import { followRollout } from './follow';
import { limitOption, parseNumber, waitOptions } from './parse';
import { line, renderPreview, renderRollback, renderRollout, rolloutName, routesText, statusText, type RolloutView } from './render';

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
