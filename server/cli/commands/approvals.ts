// `slipway approvals …`: the inbox of rollouts waiting for approval, one request with what a reviewer needs to
// decide, and approving or rejecting it. The server applies the environment's rules (approvers only, never
// whoever asked or made the release when self-approval is prevented, one decision each, not after expiry).
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import type { Command, Group } from '../core/args';
import { usageError } from '../core/errors';
import { pairs, table, time, truncate } from '../core/output';
import { currentText, diffText, gatesText, planLines } from './rollouts/render';

type Outputs = inferRouterOutputs<AppRouter>;
export type ApprovalItem = Outputs['approvals']['list'][number];
export type ApprovalDetail = Outputs['approvals']['get'];
type Decision = Outputs['approvals']['decide'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseApprovalId(text: string): string {
  const id = text.trim();
  if (!UUID.test(id)) throw usageError(`"${text}" is not an approval request id; use the ID from slipway approvals list`);
  return id.toLowerCase();
}

const what = (a: Pick<ApprovalItem, 'release' | 'service' | 'environment'>) => `${a.release.ref} to ${a.service}/${a.environment}`;

export function renderApprovalList(items: ApprovalItem[], all: boolean): string {
  return table(
    ['ID', 'RELEASE', 'ENVIRONMENT', 'ROLLOUT', 'STATUS', 'APPROVALS', 'REQUESTED BY', 'EXPIRES', 'YOU'],
    items.map((a) => [
      a.id,
      a.release.ref,
      `${a.service}/${a.environment}`,
      `${a.rollout.number} (${a.rollout.status})`,
      a.status,
      `${a.approvals}/${a.required}`,
      a.requestedBy,
      a.status === 'pending' ? time(a.expiresAt) : '—',
      a.canDecide ? 'may decide' : (a.whyNot ?? ''),
    ]),
    all ? 'No approval requests yet.' : 'No approval requests are waiting. Add --all to see decided ones.',
  );
}

export function renderApproval(a: ApprovalDetail): string {
  const plan = planLines(a.plan);
  const head = pairs([
    ['request', a.id],
    ['promote', what(a)],
    ['rollout', `${a.rollout.number} (${a.rollout.status}, ${a.rollout.strategy}${a.rollout.branch ? `, branch ${a.rollout.branch}` : ''})`],
    ['status', `${a.status}: ${a.approvals} of ${a.required} approval(s)`],
    ['requested', `${time(a.createdAt)} by ${a.requestedBy}`],
    ['authors', `${a.authors.join(', ') || '—'}`],
    [a.status === 'pending' ? 'expires' : 'decided', time(a.status === 'pending' ? a.expiresAt : a.decidedAt)],
    ['you', a.canDecide ? 'may decide' : `may not decide: ${a.whyNot}`],
    ['running now', currentText(a.service, a.current)],
    ['changes', diffText(a.diff)],
    ['gates', gatesText(a.gates)],
    ['plan', plan[0] ?? '—'],
    ...plan.slice(1).map((l): [string, string] => ['', l]),
  ]);
  if (!a.decisions.length) return head;
  return `${head}\n${table(
    ['DECISION', 'BY', 'AT', 'COMMENT'],
    a.decisions.map((d) => [d.decision, d.by, time(d.at), truncate(d.comment, 80)]),
  )}`;
}

export function decisionText(decision: 'approve' | 'reject', result: Decision, a: ApprovalDetail): string {
  if (decision === 'reject') return pairs([['rejected', `${what(a)}: rollout ${a.rollout.number} ended as ${a.rollout.status}`]]);
  if (result.status === 'approved') return pairs([['approved', `${what(a)} (${result.approvals} of ${result.required}): rollout ${a.rollout.number} starts`]]);
  const more = result.required - result.approvals;
  return pairs([['approved', `${what(a)} (${result.approvals} of ${result.required}): ${more} more approval${more === 1 ? '' : 's'} needed`]]);
}

const idArg = { name: 'id', description: 'the approval request id (from slipway approvals list)' };

function decideCommand(decision: 'approve' | 'reject'): Command {
  return {
    group: 'approvals',
    name: decision,
    summary:
      decision === 'approve'
        ? 'Approve a rollout waiting for approval; with enough approvals it starts'
        : 'Reject a rollout waiting for approval; it ends as rejected and nothing changes',
    details: 'Only approvers decide, once each, before the request expires; whoever asked for the rollout or made the\nrelease may not approve it when the environment prevents self-approval.',
    args: [idArg],
    options: { comment: { type: 'string', value: '<text>', description: 'shown on the request and in the audit log' } },
    examples: [`slipway approvals ${decision} 6f1c2e4a-0b7d-4c1e-9a53-2f7e8d9c0a1b${decision === 'reject' ? ' --comment "wait for the fix"' : ''}`],
    async run({ args, options, out, api }) {
      const id = parseApprovalId(args.id!);
      const client = api();
      const result = await client.approvals.decide.mutate({ id, decision, comment: options.string('comment') });
      const detail = await client.approvals.get.query({ id });
      out.result(
        { id, decision, ...result, service: detail.service, environment: detail.environment, release: detail.release, rollout: detail.rollout },
        () => decisionText(decision, result, detail),
      );
    },
  };
}

export const approvalsGroup: Group = {
  name: 'approvals',
  summary: 'Rollouts waiting for approval: list them, show one, approve or reject it.',
  commands: [
    {
      group: 'approvals',
      name: 'list',
      summary: 'List approval requests waiting for a decision (with --all, decided ones too), newest first',
      options: {
        all: { type: 'boolean', description: 'include approved, rejected, timed-out and cancelled requests' },
        limit: { type: 'string', value: '<n>', description: 'at most this many (default 50, at most 200)' },
      },
      async run({ options, out, api }) {
        const limitText = options.string('limit');
        const limit = limitText === undefined ? undefined : Number(limitText);
        if (limit !== undefined && !(/^\d+$/.test(limitText!.trim()) && limit >= 1 && limit <= 200)) throw usageError('--limit must be a whole number from 1 to 200');
        const all = options.flag('all');
        const items = await api().approvals.list.query({ status: all ? 'all' : 'pending', limit });
        out.result(items, () => renderApprovalList(items, all));
      },
    },
    {
      group: 'approvals',
      name: 'show',
      summary: 'Show an approval request: the release against what runs now, gate results, the plan and decisions',
      args: [idArg],
      async run({ args, out, api }) {
        const id = parseApprovalId(args.id!);
        const detail = await api().approvals.get.query({ id });
        out.result(detail, () => renderApproval(detail));
      },
    },
    decideCommand('approve'),
    decideCommand('reject'),
  ],
};
