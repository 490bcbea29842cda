// `slipway envs …`: what an environment runs now or ran at a given time, its history, and deploying releases to it.
import type { inferRouterOutputs } from '@trpc/server';
import type { ProtectionRules, RolloutPolicy, Slos } from '@/db/schema';
import type { AppRouter } from '@/server/api/root';
import type { Group } from '../core/args';
import { usageError } from '../core/errors';
import { pairs, table, time, truncate } from '../core/output';

type Entry = NonNullable<inferRouterOutputs<AppRouter>['environments']['get']['current']>;

export function describeProtection(p: ProtectionRules): string {
  return [
    `${p.requiredApprovals} approval${p.requiredApprovals === 1 ? '' : 's'}${p.requiredApprovals && p.preventSelfApproval ? ' (not by the author)' : ''}`,
    `branches ${p.allowedBranches.join(', ') || 'any'}`,
    ...(p.waitTimerMinutes ? [`wait ${p.waitTimerMinutes} min`] : []),
    `gates ${p.requiredGates.join(', ') || 'none'}`,
  ].join('; ');
}

export function describeSlos(s: Slos): string {
  const parts = [
    s.p95LatencyMs !== null ? `p95 ≤ ${s.p95LatencyMs} ms` : null,
    s.maxErrorRate !== null ? `errors ≤ ${+(s.maxErrorRate * 100).toFixed(3)}%` : null,
    s.maxCostPerRequestUsd !== null ? `cost ≤ $${s.maxCostPerRequestUsd}/request` : null,
    s.minEvalScore !== null ? `eval score ≥ ${s.minEvalScore}` : null,
  ].filter(Boolean);
  return parts.join('; ') || 'none';
}

export function describeRollout(r: RolloutPolicy): string {
  const base =
    r.strategy === 'canary'
      ? `canary ${r.steps.map((s) => `${s.weight}%`).join(' → ')} → 100% (bake ${[...new Set(r.steps.map((s) => s.bakeMinutes))].join('/')} min)`
      : r.strategy === 'linear'
        ? `linear +${r.stepPercent}% every ${r.intervalMinutes} min`
        : r.strategy === 'blue-green'
          ? `blue-green (bake ${r.bakeMinutes} min)`
          : 'all at once';
  return `${base}${r.autoRollback ? ', auto-rollback' : ''}`;
}

function running(service: string, entry: Entry | null, nothing: string): [string, string][] {
  if (!entry) return [['running', nothing]];
  const routes = entry.routes.map((r) => `${service}#${r.releaseNumber} ${r.weight}%${r.model ? ` (${r.model})` : ''}`).join(', ');
  return [
    ['running', routes],
    ['since', `${time(entry.at)} by ${entry.actorLabel} (${entry.kind}${entry.reason ? `: ${truncate(entry.reason, 60)}` : ''})`],
  ];
}

/** `3`, `#3`, `3=90` or `#3=90`. */
export function parseRoutes(specs: string[]): { release: number; weight: number }[] {
  const routes = specs.map((spec) => {
    const m = /^#?(\d+)(?:=(\d+))?$/.exec(spec.trim());
    if (!m) throw usageError(`"${spec}" is not a release: use a number, optionally with a weight, e.g. 3 or 3=90`);
    return { release: Number(m[1]), weight: m[2] === undefined ? undefined : Number(m[2]) };
  });
  if (routes.length === 1) return [{ release: routes[0]!.release, weight: routes[0]!.weight ?? 100 }];
  if (routes.some((r) => r.weight === undefined)) throw usageError('give every release a weight when splitting traffic, e.g. 3=90 4=10');
  return routes.map((r) => ({ release: r.release, weight: r.weight! }));
}

const envArgs = [
  { name: 'service', description: 'the service' },
  { name: 'env', description: 'the environment, e.g. staging' },
];

export const envsGroup: Group = {
  name: 'envs',
  summary: 'Environments: what runs there now or at a given time, their history, deploying releases.',
  commands: [
    {
      group: 'envs',
      name: 'show',
      summary: 'Show what an environment runs now (with its settings), or what it ran at a given time',
      args: envArgs,
      options: { at: { type: 'string', value: '<time>', description: 'an ISO 8601 time, e.g. 2025-06-01T12:00:00Z' } },
      examples: ['slipway envs show support-bot production', 'slipway envs show support-bot production --at 2025-06-01T12:00:00Z'],
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = args.env!;
        const atText = options.string('at');
        if (atText !== undefined) {
          const at = new Date(atText);
          if (!/^\d{4}-\d{2}-\d{2}/.test(atText) || Number.isNaN(at.getTime())) throw usageError(`--at "${atText}" is not a time; use ISO 8601, e.g. 2025-06-01T12:00:00Z`);
          const state = await api().environments.stateAt.query({ service, environment, at });
          out.result({ service, environment, ...state }, () =>
            pairs([['environment', `${service}/${environment}`], ['at', time(state.at)], ...running(service, state.entry, 'nothing (no deployment before that time)')]),
          );
          return;
        }
        const env = await api().environments.get.query({ service, environment });
        out.result(env, () =>
          pairs([
            ['environment', `${service}/${environment}`],
            ...running(service, env.current, 'nothing deployed yet'),
            ['protection', describeProtection(env.protection)],
            ['slos', describeSlos(env.slos)],
            ['rollout', describeRollout(env.rollout)],
          ]),
        );
      },
    },
    {
      group: 'envs',
      name: 'history',
      summary: 'List every change of what an environment runs, newest first',
      args: envArgs,
      options: { limit: { type: 'string', value: '<n>', description: 'at most this many entries (default 50)' } },
      async run({ args, options, out, api }) {
        const limitText = options.string('limit');
        const limit = limitText === undefined ? undefined : Number(limitText);
        if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 200)) throw usageError('--limit must be a whole number from 1 to 200');
        const page = await api().environments.history.query({ service: args.service!, environment: args.env!, limit });
        out.result(page, () =>
          table(
            ['ID', 'AT', 'KIND', 'RUNNING', 'BY', 'REASON'],
            page.items.map((h) => {
              const overrides = h.gateOverrides.map((o) => `#${o.release} ${o.gate} gate overridden: ${o.reason}`).join('; ');
              const why = [h.bypassReason ? `bypass: ${h.bypassReason}` : '', overrides, h.reason].filter(Boolean).join('; ');
              const marks = [h.bypassReason ? 'bypass' : '', h.gateOverrides.length ? 'gate override' : ''].filter(Boolean).join(', ');
              return [String(h.id), time(h.at), marks ? `${h.kind} (${marks})` : h.kind, h.routes.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', '), h.actorLabel, truncate(why, 50)];
            }),
            `Nothing has been deployed to ${args.service}/${args.env} yet.`,
          ),
        );
      },
    },
    {
      group: 'envs',
      name: 'deploy',
      summary: 'Route an environment to one release, or split traffic between releases',
      details:
        'Environments that require approvals (protected) take no direct change: promote a release instead (slipway promote), so that approvals, gates and the rollout apply. ' +
        'An admin may still change one directly with --bypass "<why>": the bypass is audited and marked in the history. ' +
        "A release the environment never ran needs the environment's required gates here too (slipway gates run), or an admin's override.",
      args: envArgs,
      rest: { name: 'release', description: 'release number, with a weight when splitting: 3, or 3=90 4=10' },
      options: {
        reason: { type: 'string', value: '<text>', description: 'why, recorded in the history' },
        bypass: { type: 'string', value: '<why>', description: 'admins, protected environments only: change it directly, outside the release flow (at least 10 characters)' },
      },
      examples: ['slipway envs deploy support-bot dev 7', 'slipway envs deploy support-bot staging 6=90 7=10 --reason "canary"', 'slipway envs deploy support-bot production 6 --bypass "incident 42: #7 leaks PII, approvers unreachable"'],
      async run({ args, rest, options, out, api }) {
        const routes = parseRoutes(rest);
        const bypass = options.string('bypass');
        const entry = await api().environments.deploy.mutate({ service: args.service!, environment: args.env!, routes, reason: options.string('reason'), bypass: bypass === undefined ? undefined : { reason: bypass } });
        out.result(entry, () =>
          pairs([
            ['deployed', `${args.service}/${args.env} now runs ${entry.routes.map((r) => `${args.service}#${r.releaseNumber} ${r.weight}%`).join(', ')}`],
            ...(entry.bypassReason ? [['bypass', `the release flow was bypassed: ${entry.bypassReason}`] as [string, string]] : []),
          ]),
        );
      },
    },
  ],
};
