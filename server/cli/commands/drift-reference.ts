// `slipway drift reference`: sets what an environment's drift reports compare against — a period (an explicit one,
// or the last N minutes or hours, e.g. the traffic just sent), the first hours of the release serving now, or a
// dataset's inputs — through checks.update, keeping the rest of the environment's checks as they are.
import type { DriftReference } from '@/db/schema';
import { INSTANT_RULE, parseInstant } from '@/server/lib/instant';
import type { Command } from '../core/args';
import { usageError } from '../core/errors';
import { pairs } from '../core/output';

const DURATION = /^(\d+(?:\.\d+)?)(m|h|d)$/;

/** `30m`, `2h`, `1d` → milliseconds; undefined when it is not a duration. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/** The reference the options ask for; exactly one of --last, --from/--to, --release-start, --dataset. */
export function referenceFrom(opts: { last?: string; from?: string; to?: string; releaseStart?: string; dataset?: string }, now = new Date()): DriftReference {
  const given = [opts.last !== undefined, opts.from !== undefined || opts.to !== undefined, opts.releaseStart !== undefined, opts.dataset !== undefined].filter(Boolean).length;
  if (given !== 1) throw usageError('give exactly one of --last <duration>, --from <time> --to <time>, --release-start <duration> or --dataset <name[@version]>');
  if (opts.last !== undefined) {
    const ms = durationMs(opts.last);
    if (!ms) throw usageError('--last must be a duration such as 30m, 2h or 1d');
    return { kind: 'period', from: new Date(now.getTime() - ms).toISOString(), to: now.toISOString() };
  }
  if (opts.releaseStart !== undefined) {
    const ms = durationMs(opts.releaseStart);
    if (!ms) throw usageError('--release-start must be a duration such as 6h or 1d');
    return { kind: 'release-start', hours: ms / 3_600_000 };
  }
  if (opts.dataset !== undefined) {
    const m = /^([^@\s]+)(?:@(\d+))?$/.exec(opts.dataset);
    if (!m) throw usageError('--dataset must be name or name@version');
    return { kind: 'dataset', dataset: m[1]!, version: m[2] ? Number(m[2]) : null };
  }
  if (!opts.from || !opts.to) throw usageError('--from and --to go together');
  // A time without a zone is UTC, as the API reads it: never this machine's zone.
  const [from, to] = [parseInstant(opts.from), parseInstant(opts.to)];
  if (from === undefined) throw usageError(`--from ${INSTANT_RULE}`);
  if (to === undefined) throw usageError(`--to ${INSTANT_RULE}`);
  return { kind: 'period', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export function describeReference(r: DriftReference): string {
  if (r.kind === 'period') return `the period ${r.from} → ${r.to}`;
  if (r.kind === 'release-start') return `the first ${r.hours} h of the release serving now`;
  return `the inputs of dataset ${r.dataset}${r.version === null ? ' (latest version)' : `@${r.version}`}`;
}

export const driftReferenceCommand: Command = {
  group: 'drift',
  name: 'reference',
  summary: 'Set what an environment’s drift reports compare against',
  details:
    'The current window is the last currentHours hours after the reference ends; --last marks the traffic just sent as the reference, so traffic sent from now on is compared with it.',
  args: [{ name: 'service', description: 'the service' }],
  options: {
    environment: { type: 'string', short: 'e', value: '<env>', description: 'the environment' },
    last: { type: 'string', value: '<duration>', description: 'the last 30m, 2h, 1d of traffic' },
    from: { type: 'string', value: '<time>', description: 'a period’s start (ISO time; UTC when it has no zone)' },
    to: { type: 'string', value: '<time>', description: 'a period’s end (ISO time; UTC when it has no zone)' },
    'release-start': { type: 'string', value: '<duration>', description: 'the first 6h, 1d… of the release serving now' },
    dataset: { type: 'string', value: '<name[@version]>', description: 'a dataset’s inputs' },
  },
  examples: ['slipway drift reference support-bot -e staging --last 15m', 'slipway drift reference support-bot -e production --release-start 1d'],
  async run({ args, options, out, api }) {
    const environment = options.required('environment');
    const reference = referenceFrom({ last: options.string('last'), from: options.string('from'), to: options.string('to'), releaseStart: options.string('release-start'), dataset: options.string('dataset') });
    const current = await api().checks.get.query({ service: args.service!, environment });
    const saved = await api().checks.update.mutate({ service: args.service!, environment, checks: { ...current.checks, drift: { ...current.checks.drift, reference } } });
    out.result(saved.checks.drift, () =>
      pairs([
        ['reference', describeReference(saved.checks.drift.reference)],
        ['current', `the last ${saved.checks.drift.currentHours} h after the reference`],
        ['scheduled', saved.checks.drift.enabled ? `every ${saved.checks.drift.everyMinutes} min` : 'off (on demand only)'],
      ]),
    );
  },
};
