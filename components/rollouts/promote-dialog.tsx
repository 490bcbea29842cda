'use client';
// Promote: asks for a release to roll out to an environment. From a release's page the environment is chosen,
// from an environment's page the release. Before anything starts the dialog shows what promoting would do:
// what changes against what runs now, the required gates' states (an admin may override one there), the
// pipeline run, the plan, and the approvals it needs; a problem (a branch rule, a rollout already under way, a
// required gate that has not passed…) keeps it from being confirmed, and is shown first, beside the disabled
// button, above the diff.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Rocket } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { formatMinutes } from '@/components/format';
import { RouteList } from '@/components/registry/routes';
import { ReleaseChanges } from '@/components/releases/release-diff';
import { inPipelineOrder } from '@/components/services/environment-text';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { ActionDialog } from '@/components/ui/action-dialog';
import { Button } from '@/components/ui/button';
import { Field, Select } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import { GateStatusView } from '@/components/gates/gate-status';
import { GateResults } from './gate-results';
import { PlanSteps } from './plan-steps';
import { STRATEGY_WORDS } from './status';

type Preview = RouterOutputs['rollouts']['preview'];


export function PromoteDialog({
  service,
  environment,
  release,
  current,
  triggerLabel = 'Promote',
}: {
  service: string;
  environment?: string;
  release?: number;
  current?: { releaseNumber: number; weight: number }[];
  /** The trigger's text, when more than one Promote button is on a page. */
  triggerLabel?: string;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const canPromote = useCan('environments:deploy');
  const [open, setOpen] = useState(false);
  const [env, setEnv] = useState(environment ?? '');
  const [picked, setPicked] = useState('');
  const serviceView = useQuery(trpc.services.get.queryOptions({ name: service }, { enabled: open && environment === undefined }));
  const releases = useQuery(trpc.releases.list.queryOptions({ service }, { enabled: open && release === undefined }));
  // From an environment, the newest release that is not already all it runs.
  const running = current?.length === 1 && current[0]!.weight === 100 ? current[0]!.releaseNumber : null;
  const fallback = releases.data?.find((r) => r.number !== running)?.number ?? releases.data?.[0]?.number;
  const number = release ?? (picked ? Number(picked) : fallback);
  const ready = open && Boolean(env) && number !== undefined;
  const preview = useQuery(trpc.rollouts.preview.queryOptions({ service, environment: env, release: number ?? 1 }, { enabled: ready, staleTime: 0 }));
  const promote = useMutation(trpc.rollouts.promote.mutationOptions());
  if (!canPromote) return null;
  const p = ready ? preview.data : undefined;

  return (
    <ActionDialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o && environment === undefined) setEnv('');
      }}
      trigger={
        <Button>
          <Rocket className="h-4 w-4" aria-hidden /> {triggerLabel}
        </Button>
      }
      size="lg"
      title={release !== undefined ? `Promote ${service}#${release}` : `Promote to ${environment}`}
      description="Nothing changes until you confirm. The rollout follows the environment’s policy and can be paused or aborted from the environment’s page."
      confirmLabel={number !== undefined && env ? `Promote #${number} to ${env}` : 'Promote'}
      pendingLabel="Promoting…"
      disabled={!p}
      blocked={p?.problems.length ? <Blockers problems={p.problems} release={p.release.ref} environment={env} /> : undefined}
      onConfirm={async (reason) => {
        await promote.mutateAsync({ service, environment: env, release: number!, reason });
        await Promise.all([qc.invalidateQueries({ queryKey: trpc.rollouts.pathKey() }), qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() })]);
        router.push(`/services/${service}/environments/${env}`);
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        {environment === undefined ? (
          <Field label="Environment">
            <Select value={env} onChange={(e) => setEnv(e.target.value)} disabled={serviceView.isLoading}>
              <option value="">{serviceView.isLoading ? 'Loading…' : 'Choose an environment…'}</option>
              {inPipelineOrder(serviceView.data?.environments ?? []).map((e) => (
                <option key={e.id} value={e.name}>
                  {e.name}
                  {e.protection.requiredApprovals ? ` (needs ${e.protection.requiredApprovals} approval${e.protection.requiredApprovals === 1 ? '' : 's'})` : ''}
                </option>
              ))}
            </Select>
          </Field>
        ) : null}
        {release === undefined ? (
          <Field label="Release">
            <Select value={number ?? ''} onChange={(e) => setPicked(e.target.value)} disabled={releases.isLoading}>
              {releases.isLoading ? <option value="">Loading…</option> : null}
              {releases.data?.map((r) => (
                <option key={r.id} value={r.number}>
                  #{r.number} · {r.model}
                  {r.prompts.length ? ` · ${r.prompts.join(', ')}` : ''}
                </option>
              ))}
            </Select>
          </Field>
        ) : null}
      </div>
      <LoadError error={serviceView.error ?? releases.error} className="px-0 py-0" />
      {ready && preview.isLoading ? <Loading className="px-0 py-0">Working out what promoting would do…</Loading> : null}
      {ready ? <LoadError error={preview.error} className="px-0 py-0" /> : null}
      {p ? <PromotePreview service={service} environment={env} preview={p} /> : null}
    </ActionDialog>
  );
}

function Blockers({ problems, release, environment }: { problems: string[]; release: string; environment: string }) {
  return (
    <div className="grid gap-1">
      <p className="font-medium">
        {release} cannot be promoted to {environment} now:
      </p>
      <ul aria-label="Why it cannot be promoted" className="list-disc pl-5">
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  );
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const changeCount = (d: NonNullable<Preview['diff']>) =>
  `${count(d.model.length, 'model field')}, ${count(d.prompts.filter((x) => x.change !== 'unchanged').length, 'prompt')}, ${count(d.config.length, 'config field')}`;

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="grid content-start gap-2 border-t border-border pt-3">
      <h3 className="text-sm font-semibold">{title}</h3>
      {children}
    </section>
  );
}

export function PromotePreview({ service, environment, preview: p }: { service: string; environment: string; preview: Preview }) {
  const protection = p.protection;
  return (
    <div className="grid grid-cols-1 gap-3" aria-label="What promoting would do" role="group">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-muted-fg">{environment} runs</span>
        <RouteList service={service} routes={p.current?.routes ?? []} />
        <span className="text-muted-fg">→ #{p.release.number} at 100%</span>
        {p.release.branch ? <span className="font-mono text-xs text-muted-fg">from {p.release.branch}</span> : null}
      </div>
      <div className="grid gap-3 md:grid-cols-2">
        <Section title="Plan">
          <p className="text-sm">
            Strategy: <span className="font-medium">{STRATEGY_WORDS[p.strategy]}</span>
            <span className="text-muted-fg">{p.autoRollback ? ' · rolls back by itself when analysis fails' : ' · a failed analysis pauses for a person'}</span>
          </p>
          <PlanSteps plan={p.plan} />
        </Section>
        <Section title="Approval">
          <ApprovalNeeds protection={protection} needsApproval={p.needsApproval} />
        </Section>
      </div>
      <Section title="Required gates">
        <GateStatusView service={service} environment={environment} release={p.release.number} status={p.requiredGates} rollback={p.requiredGates.rollback} />
      </Section>
      <Section title="Pipeline run">
        <GateResults service={service} gates={p.gates} />
      </Section>
      <Section title="Changes">
        {p.diff ? (
          <details open className="group">
            <summary className="cursor-pointer text-sm text-muted-fg">
              #{p.diff.from.number} → #{p.diff.to.number}: {changeCount(p.diff)} differ
            </summary>
            <div className="mt-3">
              <ReleaseChanges service={service} diff={p.diff} compact />
            </div>
          </details>
        ) : (
          <p className="text-sm text-muted-fg">{p.current?.routes.length ? `#${p.release.number} is what ${environment} mostly runs already.` : `Nothing runs in ${environment} yet: this is its first release.`}</p>
        )}
      </Section>
    </div>
  );
}

export function ApprovalNeeds({ protection, needsApproval }: { protection: Preview['protection']; needsApproval: boolean }) {
  const wait = protection.waitTimerMinutes ? ` Then a wait timer of ${formatMinutes(protection.waitTimerMinutes)} runs before the first step.` : '';
  if (!needsApproval) return <p className="text-sm">No approval needed: the rollout starts once you confirm.{wait}</p>;
  return (
    <p className="text-sm">
      Needs <span className="font-medium">{protection.requiredApprovals}</span> approval{protection.requiredApprovals === 1 ? '' : 's'}
      {protection.preventSelfApproval ? ' from approvers other than whoever asks for it or made the release' : ' from approvers'}. The request expires after{' '}
      {formatMinutes(protection.approvalTimeoutMinutes)}; without enough approvals by then the rollout ends as timed out.{wait}
    </p>
  );
}
