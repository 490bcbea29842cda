// The release flow in words: plans, routes, diffs, gates, previews, rollouts and rollbacks, as the CLI prints them.
import type { inferRouterOutputs } from '@trpc/server';
import { isActiveRolloutStatus } from '@/db/schema/rollout-status';
import type { AppRouter } from '@/server/api/root';
import { pairs, table, time, truncate } from '../../core/output';

type Outputs = inferRouterOutputs<AppRouter>;
export type RolloutView = Outputs['rollouts']['get'];
export type Preview = Outputs['rollouts']['preview'];
export type RollbackResult = Outputs['rollouts']['rollback'];
type Diff = NonNullable<Preview['diff']>;
type Gates = Preview['gates'];
type Current = Preview['current'];
type PlanStep = Preview['plan'][number];

/** `0.5 s`, `45 s`, `10 min`, `1 h 30 min`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${+(ms / 1000).toFixed(3)} s`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

export type Route = { releaseNumber: number; weight: number; model?: string | null };

/** `support-bot#7 90% (llm@3), support-bot#8 10%`; releases kept at 0% are left out unless nothing else runs. */
export function routesText(service: string, routes: Route[], opts: { models?: boolean; zero?: boolean } = {}): string {
  const shown = opts.zero ? routes : routes.filter((r) => r.weight > 0);
  if (!shown.length) return 'nothing';
  return shown.map((r) => `${service}#${r.releaseNumber} ${r.weight}%${opts.models && r.model ? ` (${r.model})` : ''}`).join(', ');
}

export const rolloutName = (v: { service: string; environment: string; number: number; release: { ref: string } }) => `${v.service}/${v.environment} rollout ${v.number} of ${v.release.ref}`;

export const isActive = isActiveRolloutStatus;

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

export function analysisText(a: NonNullable<RolloutView['lastAnalysis']>): string {
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

const KIND_WIDTH = 18;
/** One line of a rollout's progress: its kind in a column, then the text. */
export const line = (kind: string, text: string) => `${kind.padEnd(KIND_WIDTH)}  ${text}`;

export function renderRollback(service: string, environment: string, r: RollbackResult): string {
  return pairs([
    ['rolled back', `${service}/${environment} now runs ${routesText(service, r.routes, { zero: true })}`],
    ['history', `entry ${r.historyId} at ${time(r.at)} (see slipway envs history ${service} ${environment})`],
    ...(r.endedRollout !== null ? [['rollout', `rollout ${r.endedRollout} ended as rolled-back`] as [string, string]] : []),
    ...(r.rollout ? [['recorded', `as rollout ${r.rollout} (a rollback) in slipway rollouts list ${service} ${environment}`] as [string, string]] : []),
  ]);
}
