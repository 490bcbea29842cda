'use client';
// The live view of an environment's rollout (the one under way, else the latest): the weights now, the plan with
// the current step, approvals, the latest analysis per arm with each check (its windows charted beside it), why it
// paused or ended, and its timeline; with Pause, Resume, Promote now and Abort for those who may change the
// environment.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CirclePause, FastForward, Play, Square } from 'lucide-react';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { formatMinutes, formatMs, formatPercent, formatScore, formatTime, formatUsd } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { ActionDialog } from '@/components/ui/action-dialog';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import type { AnalysisResult, ArmFigures } from '@/db/schema';
import { AnalysisCharts } from './analysis-charts';
import { ApprovalLine, Decisions } from './approval-state';
import { PlanSteps } from './plan-steps';
import { isActiveRollout, RolloutStatusBadge, STRATEGY_WORDS } from './status';

export type RolloutView = NonNullable<RouterOutputs['rollouts']['current']>['rollout'];
type Route = { releaseNumber: number; weight: number };
/** The environment's newest history entry: what its routing table says now, and who made it. */
type CurrentEntry = { id: number; at: Date; kind: string; actorLabel: string; reason: string; rolloutId: string | null; bypassReason?: string | null } | null;

const routesText = (routes: Route[]) => routes.filter((r) => r.weight > 0).map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', ') || 'nothing';

export function LiveRollout({
  service,
  environment,
  rollout: r,
  routes,
  current,
  controlBlocked,
}: {
  service: string;
  environment: string;
  rollout: RolloutView;
  routes: Route[];
  current?: CurrentEntry;
  controlBlocked: string | null;
}) {
  const active = isActiveRollout(r.status);
  const step = r.stepIndex >= 0 ? r.plan[r.stepIndex] : undefined;
  const analysis = r.lastAnalysis ?? latestAnalysis(r.events);
  const rollback = r.kind === 'rollback';
  // An ended rollout is history once something else changed the routing table after it.
  const superseded = !active && current && current.rolloutId !== r.id && (!r.endedAt || current.at.getTime() >= r.endedAt.getTime()) ? current : null;
  return (
    <Card role="region" aria-label="Rollout">
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            {rollback ? `Rollback ${r.number}: to ${r.release.ref}` : `Rollout ${r.number}: ${r.release.ref}`}
            <RolloutStatusBadge status={r.status} />
            {superseded ? <Badge tone="warning">superseded</Badge> : null}
          </span>
        }
        description={
          <>
            {rollback ? 'one-click rollback, at once' : STRATEGY_WORDS[r.strategy]} · {rollback ? 'by' : 'asked by'} {r.requestedBy} <time dateTime={r.createdAt.toISOString()}>{formatTime(r.createdAt, { seconds: true })}</time>
            {r.endedAt ? (
              <>
                {' '}
                · ended <time dateTime={r.endedAt.toISOString()}>{formatTime(r.endedAt, { seconds: true })}</time>
              </>
            ) : null}
            {r.pipelineRun ? (
              <>
                {' '}
                · from{' '}
                <Link href={`/pipelines/${service}/runs/${r.pipelineRun}`} className="text-primary hover:underline">
                  run #{r.pipelineRun}
                </Link>
              </>
            ) : null}
          </>
        }
        actions={active && !controlBlocked ? <RolloutControls service={service} environment={environment} rollout={r} /> : null}
      />
      <div className="grid grid-cols-1 gap-5 px-5 py-4">
        {superseded ? (
          <p role="status" aria-label="Serving now" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
            <span className="font-medium">No longer current:</span> {environment} serves {routesText(routes)} now — changed after this {rollback ? 'rollback' : 'rollout'} by a {superseded.kind}
            {superseded.bypassReason ? ' (bypass)' : ''} by {superseded.actorLabel} <time dateTime={superseded.at.toISOString()}>{formatTime(superseded.at, { seconds: true })}</time>
            {superseded.reason ? ` (“${superseded.reason}”)` : ''}.
          </p>
        ) : null}
        {r.reason ? (
          <p
            role="note"
            className={cn(
              'rounded-md px-3 py-2 text-sm',
              superseded ? 'bg-muted text-muted-fg' : r.status === 'succeeded' ? 'bg-success/10 text-success' : r.status === 'paused' ? 'bg-warning/10 text-warning' : 'bg-danger/10 text-danger',
            )}
          >
            <span className="font-medium">{r.status === 'paused' ? 'Paused' : superseded ? `When it ended (${formatTime(r.endedAt, { seconds: true })})` : r.status === 'succeeded' ? 'Done' : 'Ended'}:</span> {r.reason}
          </p>
        ) : null}
        {active && controlBlocked ? <p className="text-xs text-muted-fg">{controlBlocked}</p> : null}
        <Weights service={service} candidate={r.release.number} routes={routes} />
        {rollback ? null : (
          <>
        <div className="grid grid-cols-1 gap-5 lg:grid-cols-2">
          <Block title="Plan">
            <PlanSteps plan={r.plan} progress={{ reached: r.stepIndex, active, succeeded: r.status === 'succeeded' }} />
            {active && step && r.stepStartedAt ? (
              <p className="mt-1 text-xs text-muted-fg">
                Step {r.stepIndex + 1} since <time dateTime={r.stepStartedAt.toISOString()}>{formatTime(r.stepStartedAt, { seconds: true })}</time>
                {step.bakeSeconds ? `; it bakes ${formatMinutes(step.bakeSeconds / 60)}` : ''}
                {r.promoteNow ? '; promoted now: the remaining bakes are skipped' : ''}.
              </p>
            ) : null}
          </Block>
          <Block title="Approval">
            {r.approval ? (
              <div className="grid gap-2">
                <ApprovalLine approval={r.approval} />
                <Decisions decisions={r.approval.decisions} />
                {r.approval.status === 'pending' ? (
                  <Link href={`/approvals?request=${r.approval.id}`} className="text-sm text-primary hover:underline">
                    Open the approval request
                  </Link>
                ) : null}
              </div>
            ) : (
              <p className="text-sm text-muted-fg">None needed: {environment} required no approval when this was asked for.</p>
            )}
          </Block>
        </div>
        <Block title="Analysis">
          {analysis ? (
            <div className="grid grid-cols-1 gap-5 *:min-w-0 xl:grid-cols-2">
              <AnalysisView analysis={analysis} />
              <AnalysisCharts rollout={r} />
            </div>
          ) : (
            <p className="text-sm text-muted-fg">No analysis yet: figures are taken while a step with traffic on {r.release.ref} bakes.</p>
          )}
        </Block>
          </>
        )}
        <Block title="Timeline">
          <Timeline events={r.events} />
        </Block>
      </div>
    </Card>
  );
}

function Block({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="grid content-start gap-2">
      <h3 className="text-sm font-semibold">{title}</h3>
      {children}
    </section>
  );
}

const OTHER_COLOURS = ['bg-muted-fg/50', 'bg-warning/60', 'bg-success/60', 'bg-danger/50'];

/** What the environment serves now, as one bar: the rollout's release in the primary colour. */
export function Weights({ service, candidate, routes }: { service: string; candidate: number | null; routes: Route[] }) {
  const live = routes.filter((r) => r.weight > 0);
  let other = 0;
  const colour = (n: number) => (n === candidate ? 'bg-primary' : OTHER_COLOURS[other++ % OTHER_COLOURS.length]!);
  const coloured = routes.map((r) => ({ ...r, colour: colour(r.releaseNumber) }));
  return (
    <section aria-label="Weights" className="grid gap-2">
      <h3 className="text-sm font-semibold">Serving now</h3>
      <div className="flex h-3 w-full overflow-hidden rounded-full bg-muted" aria-hidden>
        {coloured
          .filter((r) => r.weight > 0)
          .map((r) => (
            <div key={r.releaseNumber} className={cn('h-full transition-[width] duration-500', r.colour)} style={{ width: `${r.weight}%` }} />
          ))}
      </div>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        {coloured.map((r) => (
          <li key={r.releaseNumber} className="flex items-center gap-1.5">
            <span className={cn('inline-block h-2.5 w-2.5 rounded-full', r.colour)} aria-hidden />
            <Link href={`/releases/${service}/${r.releaseNumber}`} className="font-medium text-primary hover:underline">
              #{r.releaseNumber}
            </Link>
            <span className="tabular-nums">{r.weight}%</span>
            {r.weight === 0 ? <span className="text-xs text-muted-fg">(routable, no traffic)</span> : null}
          </li>
        ))}
        {!live.length ? <li className="text-muted-fg">nothing deployed</li> : null}
      </ul>
    </section>
  );
}

/**
 * The rollout keeps the analysis of the step it is on; once it moved past a step (or ended) the figures that
 * decided are in the timeline's events.
 */
function latestAnalysis(events: RolloutView['events']): AnalysisResult | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const a = (events[i]!.data as { analysis?: AnalysisResult }).analysis;
    if (a && typeof a === 'object' && 'verdict' in a && 'candidate' in a) return a;
  }
  return null;
}

const VERDICT_TONE = { pass: 'success', fail: 'danger', inconclusive: 'warning' } as const;

const FIGURES: { label: string; value: (a: ArmFigures) => string }[] = [
  { label: 'Requests', value: (a) => a.requests.toLocaleString('en') },
  { label: 'Error rate', value: (a) => (a.errorRate === null ? '—' : `${formatPercent(a.errorRate)}${a.errors ? ` (${a.errors})` : ''}`) },
  { label: 'p95 latency', value: (a) => (a.p95LatencyMs === null ? '—' : formatMs(a.p95LatencyMs)) },
  { label: 'p95 TTFT', value: (a) => (a.p95TtftMs === null ? '—' : formatMs(a.p95TtftMs)) },
  { label: 'Cost / request', value: (a) => (a.costPerRequestUsd === null ? '—' : formatUsd(a.costPerRequestUsd)) },
  { label: 'Feedback', value: (a) => (a.feedbackCount ? `${formatScore(a.feedbackMean)} (${a.feedbackCount.toLocaleString('en')})` : 'none') },
  {
    label: 'Online pass rate',
    value: (a) => (a.qualityCount && a.qualityPassRate != null ? `${formatPercent(a.qualityPassRate)} (${a.qualityCount.toLocaleString('en')})` : a.qualityCount === undefined ? '—' : 'none'),
  },
];

export function AnalysisView({ analysis: a }: { analysis: AnalysisResult }) {
  return (
    <div className="grid gap-3">
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <Badge tone={VERDICT_TONE[a.verdict]}>{a.verdict}</Badge>
        <span>{a.summary}</span>
        <span className="text-xs text-muted-fg">
          step {a.step + 1} · figures since {formatTime(a.since, { seconds: true })}, taken {formatTime(a.at, { seconds: true })}
        </span>
      </p>
      <div className="rounded-md border border-border">
        <Table aria-label="Analysis figures">
          <THead>
            <tr>
              <TH>Figure</TH>
              <TH className="text-right">Candidate{a.candidate.releaseNumber !== null ? ` #${a.candidate.releaseNumber}` : ''}</TH>
              <TH className="text-right">Stable{a.baseline?.releaseNumber ? ` #${a.baseline.releaseNumber}` : ''}</TH>
            </tr>
          </THead>
          <TBody>
            {FIGURES.map((f) => (
              <TR key={f.label}>
                <TD>{f.label}</TD>
                <TD className="text-right tabular-nums">{f.value(a.candidate)}</TD>
                <TD className="text-right tabular-nums text-muted-fg">{a.baseline ? f.value(a.baseline) : '—'}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </div>
      {a.checks.length ? (
        <ul aria-label="Checks" className="grid gap-1 text-sm">
          {a.checks.map((c, i) => (
            <li key={`${c.metric}-${c.kind}-${i}`} className="flex flex-wrap items-baseline gap-2">
              <Badge tone={c.passed ? 'success' : 'danger'}>{c.passed ? 'pass' : 'fail'}</Badge>
              <span className="font-mono text-xs">{c.metric}</span>
              <span className="text-xs text-muted-fg">{c.kind === 'slo' ? 'SLO' : 'vs stable'}</span>
              <span>{c.message}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-muted-fg">No checks ran{a.verdict === 'inconclusive' ? ' yet' : ''}.</p>
      )}
    </div>
  );
}

const EVENT_TONE: Record<string, 'neutral' | 'info' | 'success' | 'warning' | 'danger'> = {
  step: 'info',
  started: 'info',
  analysis: 'success',
  approved: 'success',
  'approved-by': 'success',
  succeeded: 'success',
  'smoke-check': 'success',
  paused: 'warning',
  'approval-requested': 'warning',
  'wait-timer': 'warning',
  'promote-now': 'warning',
  aborted: 'warning',
  'rolled-back': 'danger',
  rejected: 'danger',
  'approval-timed-out': 'danger',
  failed: 'danger',
};

export function Timeline({ events }: { events: RolloutView['events'] }) {
  if (!events.length) return <p className="text-sm text-muted-fg">Nothing has happened yet.</p>;
  return (
    <ol aria-label="Rollout timeline" className="grid gap-1.5 border-l border-border pl-4 text-sm">
      {events.map((e) => (
        <li key={e.id} className="relative">
          <span className="absolute top-1.5 -left-[1.3rem] h-2 w-2 rounded-full bg-border" aria-hidden />
          <time dateTime={e.at.toISOString()} className="mr-2 text-xs text-muted-fg tabular-nums">
            {formatTime(e.at, { seconds: true })}
          </time>
          <Badge tone={EVENT_TONE[e.kind] ?? 'neutral'}>{e.kind}</Badge> <span>{e.message}</span>
          {e.by.startsWith('system:') ? null : <span className="text-xs text-muted-fg"> — {e.by}</span>}
        </li>
      ))}
    </ol>
  );
}

/** Controls valid for the rollout's status; the caller shows them only to people who may change the environment. */
function RolloutControls({ service, environment, rollout: r }: { service: string; environment: string; rollout: RolloutView }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const pause = useMutation(trpc.rollouts.pause.mutationOptions());
  const resume = useMutation(trpc.rollouts.resume.mutationOptions());
  const promoteNow = useMutation(trpc.rollouts.promoteNow.mutationOptions());
  const abort = useMutation(trpc.rollouts.abort.mutationOptions());
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: trpc.rollouts.pathKey() }), qc.invalidateQueries({ queryKey: trpc.environments.pathKey() }), qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() })]);
  const input = (reason: string) => ({ service, environment, number: r.number, reason });
  const what = `rollout ${r.number} of ${r.release.ref}`;
  return (
    <div className="flex shrink-0 flex-wrap justify-end gap-2">
      {r.status === 'running' ? (
        <ActionDialog
          trigger={
            <Button variant="secondary" size="sm">
              <CirclePause className="h-3.5 w-3.5" aria-hidden /> Pause
            </Button>
          }
          title={`Pause ${what}`}
          description="Traffic stays where it is and no further step is taken until someone resumes, promotes now or aborts."
          confirmLabel="Pause"
          pendingLabel="Pausing…"
          onConfirm={async (reason) => {
            await pause.mutateAsync(input(reason));
            await refresh();
          }}
        />
      ) : null}
      {r.status === 'paused' ? (
        <ActionDialog
          trigger={
            <Button variant="secondary" size="sm">
              <Play className="h-3.5 w-3.5" aria-hidden /> Resume
            </Button>
          }
          title={`Resume ${what}`}
          description="The current step bakes again from now; its analysis looks only at traffic after the resume."
          confirmLabel="Resume"
          pendingLabel="Resuming…"
          onConfirm={async (reason) => {
            await resume.mutateAsync(input(reason));
            await refresh();
          }}
        />
      ) : null}
      {r.status === 'running' || r.status === 'paused' ? (
        <ActionDialog
          trigger={
            <Button variant="secondary" size="sm">
              <FastForward className="h-3.5 w-3.5" aria-hidden /> Promote now
            </Button>
          }
          title={`Promote ${what} now`}
          description={`The remaining steps and bakes are skipped: ${r.release.ref} takes all of ${environment}'s traffic at once.`}
          confirmLabel="Promote now"
          pendingLabel="Promoting…"
          onConfirm={async (reason) => {
            await promoteNow.mutateAsync(input(reason));
            await refresh();
          }}
        />
      ) : null}
      <ActionDialog
        trigger={
          <Button variant="danger" size="sm">
            <Square className="h-3.5 w-3.5" aria-hidden /> Abort
          </Button>
        }
        title={`Abort ${what}`}
        description={r.stepIndex >= 0 ? `${environment} goes back to what it ran before the rollout, at once.` : `The rollout ends before any traffic moved${r.approval?.status === 'pending' ? '; its approval request is cancelled' : ''}.`}
        confirmLabel="Abort rollout"
        pendingLabel="Aborting…"
        variant="danger"
        onConfirm={async (reason) => {
          await abort.mutateAsync(input(reason));
          await refresh();
        }}
      />
    </div>
  );
}
