'use client';
// The approvals inbox: requests waiting for a decision (and, on the other tab, those decided), each with its
// service, environment and release, who asked, when it expires and the approvals so far. One request opens with
// what a reviewer needs to decide: the release against what runs now, gate results and the plan.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorAlert } from '@/components/errors';
import { formatTime, relativeTime } from '@/components/format';
import { RouteList } from '@/components/registry/routes';
import { ReleaseChanges } from '@/components/releases/release-diff';
import { ApprovalLine, Decisions } from '@/components/rollouts/approval-state';
import { RequiredGates } from '@/components/gates/gate-status';
import { GateResults } from '@/components/rollouts/gate-results';
import { PlanSteps } from '@/components/rollouts/plan-steps';
import { ApprovalStatusBadge, RolloutStatusBadge, STRATEGY_WORDS } from '@/components/rollouts/status';
import { PENDING_APPROVALS } from '@/components/shell/nav';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { Field, Textarea } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { TabLinks } from '@/components/ui/tabs';

export type InboxTab = 'pending' | 'decided';
export type Decision = 'approve' | 'reject';

const LIST_REFRESH_MS = 5000;
const REQUEST_REFRESH_MS = 3000;

export function ApprovalsInbox({ tab }: { tab: InboxTab }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.approvals.list.queryOptions(tab === 'pending' ? PENDING_APPROVALS : { status: tab, limit: PENDING_APPROVALS.limit }, { refetchInterval: LIST_REFRESH_MS }));
  const rows = list.data ?? [];
  return (
    <>
      <PageHeader title="Approvals" description="Promotions to protected environments wait here for approvers. Nobody approves a rollout they asked for or a release they made." />
      <TabLinks
        label="Approval requests"
        items={[
          { href: '/approvals', label: 'Pending', current: tab === 'pending' },
          { href: '/approvals?status=decided', label: 'Decided', current: tab === 'decided' },
        ]}
      />
      <Card>
        {list.isLoading ? <Loading /> : null}
        <LoadError error={list.error} />
        {list.isSuccess && !rows.length ? <Empty>{tab === 'pending' ? 'Nothing is waiting for a decision.' : 'No request has been decided yet.'}</Empty> : null}
        {rows.length ? (
          <Table aria-label={tab === 'pending' ? 'Pending approval requests' : 'Decided approval requests'}>
            <THead>
              <tr>
                <TH>Request</TH>
                <TH>Asked by</TH>
                <TH>{tab === 'pending' ? 'Expires' : 'Decided'}</TH>
                <TH>Approvals</TH>
                <TH>Decisions</TH>
              </tr>
            </THead>
            <TBody>
              {rows.map((a) => (
                <TR key={a.id}>
                  <TD>
                    <Link href={`/approvals?request=${a.id}`} className="font-medium text-primary hover:underline">
                      {a.release.ref} to {a.environment}
                    </Link>
                    <div className="text-xs text-muted-fg">
                      rollout {a.rollout.number} · {STRATEGY_WORDS[a.rollout.strategy]}
                      {a.rollout.branch ? ` · ${a.rollout.branch}` : ''}
                    </div>
                  </TD>
                  <TD>
                    {a.requestedBy}
                    <div className="text-xs text-muted-fg">{formatTime(a.createdAt)}</div>
                  </TD>
                  <TD className="whitespace-nowrap">
                    {a.status === 'pending' ? (
                      <>
                        {relativeTime(a.expiresAt)}
                        <div className="text-xs text-muted-fg">{formatTime(a.expiresAt)}</div>
                      </>
                    ) : (
                      <>
                        <ApprovalStatusBadge status={a.status} />
                        <div className="text-xs text-muted-fg">{formatTime(a.decidedAt)}</div>
                      </>
                    )}
                  </TD>
                  <TD className="whitespace-nowrap tabular-nums">
                    {a.approvals} of {a.required}
                    {a.status === 'pending' && !a.canDecide && a.whyNot ? <div className="max-w-48 text-xs whitespace-normal text-muted-fg">{a.whyNot}</div> : null}
                  </TD>
                  <TD className="text-sm">{a.decisions.length ? a.decisions.map((d) => `${d.by} ${d.decision === 'approve' ? 'approved' : 'rejected'}`).join('; ') : <span className="text-muted-fg">none</span>}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        ) : null}
      </Card>
    </>
  );
}

function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Card role="region" aria-label={title}>
      <CardHeader title={title} description={description} />
      <div className="px-5 py-4">{children}</div>
    </Card>
  );
}

/** One request. A decision in the link (from a notification) is preselected, never submitted. */
export function ApprovalRequest({ id, decision }: { id: string; decision: Decision | null }) {
  const trpc = useTRPC();
  const request = useQuery(trpc.approvals.get.queryOptions({ id }, { refetchInterval: (q) => (q.state.data?.status === 'pending' ? REQUEST_REFRESH_MS : false) }));
  const a = request.data;
  return (
    <>
      <Breadcrumbs items={[{ href: '/approvals', label: 'Approvals' }, { label: a ? `${a.release.ref} to ${a.environment}` : 'Request' }]} />
      <PageHeader
        title={a ? `${a.release.ref} to ${a.environment}` : 'Approval request'}
        description={
          a ? (
            <>
              Rollout {a.rollout.number} ({STRATEGY_WORDS[a.rollout.strategy]}) asked for by {a.requestedBy} {formatTime(a.createdAt)}.{' '}
              <Link href={`/services/${a.service}/environments/${a.environment}`} className="text-primary hover:underline">
                Open {a.service}/{a.environment}
              </Link>
            </>
          ) : undefined
        }
      />
      {request.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={request.error} className="px-0" />
      {a ? (
        <div className="grid gap-6">
          <div className="grid gap-6 lg:grid-cols-2">
            <Section title="Request">
              <div className="grid gap-3">
                <ApprovalLine approval={a} />
                <p className="flex flex-wrap items-center gap-2 text-sm">
                  <span className="text-muted-fg">Rollout {a.rollout.number}:</span>
                  <RolloutStatusBadge status={a.rollout.status} />
                  {a.rollout.branch ? <span className="font-mono text-xs text-muted-fg">from {a.rollout.branch}</span> : null}
                </p>
                {a.authors.length ? <p className="text-sm text-muted-fg">Asked for or made by: {a.authors.join(', ')}.</p> : null}
                <Decisions decisions={a.decisions} />
              </div>
            </Section>
            <DecideForm key={a.id} request={a} decision={decision} />
          </div>
          <div className="grid gap-6 lg:grid-cols-2">
            <Section title="Gates">
              <div className="grid gap-3">
                <RequiredGates service={a.service} environment={a.environment} release={a.release.number} />
                <GateResults service={a.service} gates={a.gates} />
              </div>
            </Section>
            <Section title="Plan" description={`${STRATEGY_WORDS[a.rollout.strategy]}, once approved`}>
              <PlanSteps plan={a.plan} />
            </Section>
          </div>
          <Section title="What changes" description={`${a.environment} runs now, and what ${a.release.ref} changes against it.`}>
            <div className="grid gap-4">
              <div className="flex flex-wrap items-center gap-2 text-sm">
                <span className="text-muted-fg">{a.environment} runs</span>
                <RouteList service={a.service} routes={a.current?.routes ?? []} />
                <span className="text-muted-fg">→ #{a.release.number}</span>
              </div>
              {a.diff ? <ReleaseChanges service={a.service} diff={a.diff} compact /> : <p className="text-sm text-muted-fg">Nothing ran in {a.environment} before: there is nothing to compare with.</p>}
            </div>
          </Section>
        </div>
      ) : null}
    </>
  );
}

type Request = RouterOutputs['approvals']['get'];

function DecideForm({ request: a, decision: initial }: { request: Request; decision: Decision | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [decision, setDecision] = useState<Decision | null>(initial);
  const decide = useMutation(trpc.approvals.decide.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() }) }));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!decision) return;
    decide.mutate({ id: a.id, decision, comment: String(new FormData(e.currentTarget).get('comment') ?? '') });
  }

  return (
    <Section title="Decision">
      {decide.isSuccess ? (
        <p role="status" className="text-sm text-success">
          {decide.data.status === 'rejected'
            ? `You rejected ${a.release.ref} to ${a.environment}: the rollout ends.`
            : decide.data.status === 'approved'
              ? `You approved ${a.release.ref} to ${a.environment} (${decide.data.approvals} of ${decide.data.required}): the rollout starts.`
              : `You approved ${a.release.ref} to ${a.environment}: ${decide.data.approvals} of ${decide.data.required} approvals so far.`}
        </p>
      ) : !a.canDecide ? (
        <p role="note" className="rounded-md bg-muted px-3 py-2 text-sm">
          You cannot decide on this request: {a.whyNot}.
        </p>
      ) : (
        <form onSubmit={onSubmit} className="grid gap-4" aria-label="Decide">
          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">Decision</legend>
            <label className="flex items-center gap-2 text-sm">
              <input type="radio" name="decision" value="approve" checked={decision === 'approve'} onChange={() => setDecision('approve')} className="accent-primary" />
              Approve: the rollout starts (once enough approvers agree)
            </label>
            <label className="flex items-center gap-2 text-sm">
              <input type="radio" name="decision" value="reject" checked={decision === 'reject'} onChange={() => setDecision('reject')} className="accent-primary" />
              Reject: the rollout ends and nothing changes
            </label>
          </fieldset>
          <Field label="Comment" hint="Kept with the decision, in the rollout’s timeline and the audit log.">
            <Textarea name="comment" maxLength={2000} rows={3} />
          </Field>
          <ErrorAlert error={decide.error} />
          <div>
            <Button type="submit" variant={decision === 'reject' ? 'danger' : 'primary'} disabled={!decision || decide.isPending}>
              {decide.isPending ? 'Sending…' : decision === 'reject' ? 'Reject' : decision === 'approve' ? 'Approve' : 'Choose a decision'}
            </Button>
          </div>
        </form>
      )}
    </Section>
  );
}
