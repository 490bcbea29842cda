'use client';
// Changes what an environment runs: one release at 100%, or a split of traffic between releases.
// The form follows the live routing table: untouched, it shows what runs now; edited while the table changed, it
// says so and lets the person load the new table or keep their edit, and every change is sent with the entry it
// was made against, so a stale form never sends traffic back. A protected environment is changed through the
// release flow (Promote); an admin may bypass it in a separate, confirmed dialog with a mandatory reason.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Plus, ShieldAlert, Trash2 } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { formatTime } from '@/components/format';
import { numberOr } from '@/components/registry/forms';
import { PromoteDialog } from '@/components/rollouts/promote-dialog';
import { useTRPC } from '@/components/trpc';
import { ActionDialog } from '@/components/ui/action-dialog';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Label, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';

type Row = { release: string; weight: string };
type Route = { releaseNumber: number; weight: number };
/** The live routing table the form follows: the environment's newest history entry. */
export type LiveEntry = { id: number; at: Date; kind: string; actorLabel: string; routes: Route[] } | null;

/** Who may change an environment directly, and if not, the reason to show. */
export function useDeployBlock(environment: string, requiredApprovals: number): string | null {
  const canDeploy = useCan('environments:deploy');
  const canDeployProtected = useCan('environments:deploy-protected');
  if (!canDeploy) return 'Your role may not change what environments run (needs environments:deploy).';
  if (requiredApprovals > 0 && !canDeployProtected) return `${environment} requires approval: only approvers may change what it runs directly.`;
  return null;
}

const routesText = (routes: Route[]) => routes.filter((r) => r.weight > 0).map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', ') || 'nothing';
const live = (entry: LiveEntry) => (entry?.routes ?? []).filter((r) => r.weight > 0);
const rowsOf = (entry: LiveEntry): Row[] => {
  const routes = live(entry);
  return routes.length > 1 ? routes.map((r) => ({ release: String(r.releaseNumber), weight: String(r.weight) })) : [{ release: '', weight: '90' }, { release: '', weight: '10' }];
};

export function DeployForm({
  service,
  environment,
  requiredApprovals,
  current,
  activeRollout,
  onDone,
}: {
  service: string;
  environment: string;
  requiredApprovals: number;
  current: LiveEntry;
  /** A rollout holding the environment: its next step overwrites a direct change. */
  activeRollout: { number: number; status: string } | null;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const releases = useQuery(trpc.releases.list.queryOptions({ service }));
  const protectedEnv = requiredApprovals > 0;
  const canDeploy = useCan('environments:deploy');
  const canBypass = useCan('environments:bypass-protection');
  const blocked = protectedEnv ? null : canDeploy ? null : 'Your role may not change what environments run (needs environments:deploy).';

  // What the form was filled from (sent as `basedOn`), whether the person edited it, and a newer table seen since.
  const [base, setBase] = useState<LiveEntry>(current);
  const [dirty, setDirty] = useState(false);
  const [split, setSplit] = useState(live(current).length > 1);
  const [single, setSingle] = useState('');
  const [rows, setRows] = useState<Row[]>(() => rowsOf(current));
  const [refreshed, setRefreshed] = useState<LiveEntry>(null);
  // History ids only grow: a newer entry than the form's is a change made elsewhere (or the form's own, reloaded).
  const changed = current !== null && (base === null || current.id > base.id);

  function load(entry: LiveEntry) {
    setBase(entry);
    setDirty(false);
    setSplit(live(entry).length > 1);
    setSingle('');
    setRows(rowsOf(entry));
  }

  // Untouched, the form follows the live table and says it did; edited, it waits for the person to choose.
  useEffect(() => {
    if (!changed || dirty) return;
    load(current);
    setRefreshed(current);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new entry id matters
  }, [current?.id]);

  const deploy = useMutation(
    trpc.environments.deploy.mutationOptions({
      onSuccess: (entry) => {
        setRefreshed(null);
        load({ ...entry, routes: entry.routes });
        onDone();
      },
    }),
  );
  const fields = fieldErrors(deploy.error);
  const total = rows.reduce((sum, r) => sum + (Number(r.weight) || 0), 0);
  const sole = live(base).length === 1 ? live(base)[0]!.releaseNumber : null;
  const chosenSingle = single || String(releases.data?.find((r) => r.number !== sole)?.number ?? releases.data?.[0]?.number ?? '');
  const routes = () => (split ? rows.map((r) => ({ release: numberOr(r.release, NaN), weight: numberOr(r.weight, NaN) })) : [{ release: Number(chosenSingle), weight: 100 }]);
  const planned = split ? rows.filter((r) => Number(r.weight) > 0).map((r) => `#${r.release || '?'} ${r.weight}%`).join(', ') : `#${chosenSingle} 100%`;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (protectedEnv) return;
    const reason = String(new FormData(e.currentTarget).get('reason') ?? '');
    deploy.mutate({ service, environment, routes: routes(), reason, basedOn: base?.id ?? null });
  }

  const edit = () => {
    setDirty(true);
    setRefreshed(null);
  };
  const setRow = (i: number, patch: Partial<Row>) => {
    edit();
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  const options = releases.data?.map((r) => (
    <option key={r.id} value={r.number}>
      #{r.number} · {r.model}
      {r.prompts.length ? ` · ${r.prompts.join(', ')}` : ''}
    </option>
  ));
  const disabled = Boolean(blocked) || deploy.isPending;
  const stale = changed && dirty;

  return (
    <Card role="region" aria-label={protectedEnv ? `Change ${environment}` : `Deploy to ${environment}`}>
      <CardHeader
        title={protectedEnv ? `Change what ${environment} runs` : 'Deploy'}
        description={
          protectedEnv
            ? `${environment} is protected (${requiredApprovals} approval${requiredApprovals === 1 ? '' : 's'} required): promote a release to change it through approvals, gates and its rollout policy.`
            : 'Point this environment at a release. The change is recorded in the history and reaches the gateway within a second.'
        }
      />
      {protectedEnv && canDeploy ? (
        <div className="flex flex-wrap items-center gap-3 border-b border-border px-5 py-4">
          <PromoteDialog service={service} environment={environment} current={live(current)} triggerLabel="Promote a release…" />
          <span className="text-sm text-muted-fg">The release flow: approvals, gates, then the rollout step by step.</span>
        </div>
      ) : null}
      {protectedEnv && !canBypass ? (
        <p role="note" className="px-5 py-4 text-sm text-muted-fg">
          Only an admin may change {environment} directly, outside the release flow, as an audited bypass with a reason.
        </p>
      ) : null}
      {protectedEnv && !canBypass ? null : releases.isLoading ? <Loading /> : null}
      <LoadError error={releases.error} />
      {releases.data && !releases.data.length ? <Empty>{service} has no releases yet. Create one under Releases first.</Empty> : null}
      {releases.data?.length && (!protectedEnv || canBypass) ? (
        <form onSubmit={onSubmit} className="grid gap-4 px-5 py-4" aria-label={protectedEnv ? `Bypass the release flow of ${environment}` : `Deploy to ${environment}`}>
          {protectedEnv ? (
            <h3 className="flex items-center gap-2 text-sm font-semibold">
              <ShieldAlert className="h-4 w-4 text-danger" aria-hidden /> Direct change (admins only, bypasses the release flow)
            </h3>
          ) : null}
          <p className="text-xs text-muted-fg" aria-live="polite">
            Live routing: {routesText(current?.routes ?? [])}
            {current ? ` (entry ${current.id}, ${current.kind} by ${current.actorLabel} ${formatTime(current.at, { seconds: true })})` : ''}
          </p>
          {refreshed && !stale ? (
            <p role="status" className="rounded-md bg-primary/10 px-3 py-2 text-sm text-primary">
              The live routing table changed ({refreshed.kind} by {refreshed.actorLabel}): {environment} runs {routesText(refreshed.routes)} now, and the form starts again from it.
            </p>
          ) : null}
          {stale ? (
            <div role="alert" className="grid gap-2 rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
              <p>
                The live routing table changed while you edited: {environment} runs {routesText(current?.routes ?? [])} now ({current?.kind} by {current?.actorLabel}). Your edit was made against{' '}
                {routesText(base?.routes ?? [])}.
              </p>
              <div className="flex flex-wrap gap-2">
                <Button size="sm" variant="secondary" onClick={() => load(current)}>
                  Load the live table
                </Button>
                <Button size="sm" variant="ghost" onClick={() => setBase(current)}>
                  Keep my edit
                </Button>
              </div>
            </div>
          ) : null}
          {activeRollout ? (
            <p role="note" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
              Rollout {activeRollout.number} is {activeRollout.status} here: its next step overwrites a direct change. Pause or abort it first.
            </p>
          ) : null}
          <fieldset disabled={disabled} className="grid gap-4">
            <legend className="sr-only">Traffic</legend>
            <div className="flex gap-4 text-sm">
              <label className="flex items-center gap-2">
                <input
                  type="radio"
                  name="mode"
                  checked={!split}
                  onChange={() => {
                    edit();
                    setSplit(false);
                  }}
                />{' '}
                One release, 100%
              </label>
              <label className="flex items-center gap-2">
                <input
                  type="radio"
                  name="mode"
                  checked={split}
                  onChange={() => {
                    edit();
                    setSplit(true);
                  }}
                />{' '}
                Split traffic
              </label>
            </div>
            {!split ? (
              <Field label="Release" error={errorAt(fields, 'routes')}>
                <Select
                  value={chosenSingle}
                  onChange={(e) => {
                    edit();
                    setSingle(e.target.value);
                  }}
                >
                  {options}
                </Select>
              </Field>
            ) : (
              <div className="grid gap-2">
                {rows.map((r, i) => (
                  <div key={i} className="grid grid-cols-[1fr_6rem_auto] items-end gap-2">
                    <div className="grid gap-1.5">
                      <Label htmlFor={`route-${i}-release`}>Release {i + 1}</Label>
                      <Select id={`route-${i}-release`} value={r.release} onChange={(e) => setRow(i, { release: e.target.value })} aria-invalid={Boolean(fields[`routes.${i}.release`])}>
                        <option value="">Choose…</option>
                        {options}
                      </Select>
                    </div>
                    <div className="grid gap-1.5">
                      <Label htmlFor={`route-${i}-weight`}>Weight %</Label>
                      <Input id={`route-${i}-weight`} inputMode="numeric" value={r.weight} onChange={(e) => setRow(i, { weight: e.target.value })} aria-invalid={Boolean(fields[`routes.${i}.weight`])} />
                    </div>
                    <Button
                      variant="ghost"
                      size="icon"
                      aria-label={`Remove release ${i + 1}`}
                      disabled={rows.length <= 1}
                      onClick={() => {
                        edit();
                        setRows((rs) => rs.filter((_, j) => j !== i));
                      }}
                    >
                      <Trash2 className="h-4 w-4" aria-hidden />
                    </Button>
                  </div>
                ))}
                <div className="flex items-center justify-between text-sm">
                  <Button
                    variant="secondary"
                    size="sm"
                    disabled={rows.length >= 10}
                    onClick={() => {
                      edit();
                      setRows((rs) => [...rs, { release: '', weight: '0' }]);
                    }}
                  >
                    <Plus className="h-3.5 w-3.5" aria-hidden /> Add release
                  </Button>
                  <span className={total === 100 ? 'text-muted-fg' : 'text-warning'}>Total {total}%</span>
                </div>
                {errorAt(fields, 'routes') ? (
                  <p role="alert" className="text-xs text-danger">
                    {errorAt(fields, 'routes')}
                  </p>
                ) : null}
              </div>
            )}
            {protectedEnv ? null : (
              <Field label="Reason" error={fields.reason}>
                <Input name="reason" placeholder="why, for the history" maxLength={500} onChange={edit} />
              </Field>
            )}
          </fieldset>
          {blocked ? (
            <p role="note" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
              {blocked}
            </p>
          ) : null}
          <ErrorAlert error={deploy.error} besideFields />
          {deploy.isSuccess ? (
            <p role="status" className="text-sm text-success">
              {environment} now runs {deploy.data.routes.map((r) => `#${r.releaseNumber} at ${r.weight}%`).join(', ')}
              {deploy.data.bypassReason ? ' (bypass, recorded in the history)' : ''}.
            </p>
          ) : null}
          <div>
            {protectedEnv ? (
              <BypassDialog
                service={service}
                environment={environment}
                from={routesText(current?.routes ?? [])}
                to={planned}
                disabled={disabled || stale}
                onConfirm={async (reason) => {
                  await deploy.mutateAsync({ service, environment, routes: routes(), reason: '', basedOn: base?.id ?? null, bypass: { reason } });
                }}
              />
            ) : (
              <Button type="submit" disabled={disabled || stale}>
                {deploy.isPending ? 'Deploying…' : `Deploy to ${environment}`}
              </Button>
            )}
          </div>
        </form>
      ) : null}
    </Card>
  );
}

/** The admin bypass: says what skips what, and asks for the reason the history and the audit log keep. */
function BypassDialog({ service, environment, from, to, disabled, onConfirm }: { service: string; environment: string; from: string; to: string; disabled: boolean; onConfirm: (reason: string) => Promise<void> }) {
  return (
    <ActionDialog
      trigger={
        <Button variant="danger" disabled={disabled}>
          <ShieldAlert className="h-4 w-4" aria-hidden /> Deploy directly (bypass)…
        </Button>
      }
      title={`Bypass the release flow of ${service}/${environment}`}
      description={`No approval or rollout: ${environment} switches at once from ${from} to ${to}. Its required gates still apply (a release it never ran needs their pass or an admin's override). The change is audited as a bypass and marked in the history with your reason.`}
      reasonPlaceholder="why the release flow cannot be used (kept in the history and the audit log)"
      reasonMinLength={10}
      confirmLabel={`Bypass and deploy to ${environment}`}
      pendingLabel="Deploying…"
      variant="danger"
      onConfirm={onConfirm}
    />
  );
}
