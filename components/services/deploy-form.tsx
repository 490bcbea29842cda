'use client';
// Changes what an environment runs: one release at 100%, or a split of traffic between releases.
// Environments that require approval take direct changes only from approvers; others see why.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { numberOr } from '@/components/registry/forms';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Label, Select } from '@/components/ui/form';
import { Empty, LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';

type Row = { release: string; weight: string };

/** Who may change an environment directly, and if not, the reason to show. */
export function useDeployBlock(environment: string, requiredApprovals: number): string | null {
  const canDeploy = useCan('environments:deploy');
  const canDeployProtected = useCan('environments:deploy-protected');
  if (!canDeploy) return 'Your role may not change what environments run (needs environments:deploy).';
  if (requiredApprovals > 0 && !canDeployProtected) return `${environment} requires approval: only approvers may change what it runs directly.`;
  return null;
}

export function DeployForm({ service, environment, requiredApprovals, current, onDone }: { service: string; environment: string; requiredApprovals: number; current: { releaseNumber: number; weight: number }[]; onDone: () => void }) {
  const trpc = useTRPC();
  const releases = useQuery(trpc.releases.list.queryOptions({ service }));
  const blocked = useDeployBlock(environment, requiredApprovals);
  const [split, setSplit] = useState(current.length > 1);
  const [single, setSingle] = useState('');
  const [rows, setRows] = useState<Row[]>(() => (current.length > 1 ? current.map((r) => ({ release: String(r.releaseNumber), weight: String(r.weight) })) : [{ release: '', weight: '90' }, { release: '', weight: '10' }]));
  const deploy = useMutation(trpc.environments.deploy.mutationOptions({ onSuccess: onDone }));
  const fields = fieldErrors(deploy.error);
  const total = rows.reduce((sum, r) => sum + (Number(r.weight) || 0), 0);
  const chosenSingle = single || String(releases.data?.[0]?.number ?? '');

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const reason = String(new FormData(e.currentTarget).get('reason') ?? '');
    const routes = split ? rows.map((r) => ({ release: numberOr(r.release, NaN), weight: numberOr(r.weight, NaN) })) : [{ release: Number(chosenSingle), weight: 100 }];
    deploy.mutate({ service, environment, routes, reason });
  }

  const setRow = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const options = releases.data?.map((r) => (
    <option key={r.id} value={r.number}>
      #{r.number} · {r.model}
      {r.prompts.length ? ` · ${r.prompts.join(', ')}` : ''}
    </option>
  ));

  return (
    <Card>
      <CardHeader title="Deploy" description="Point this environment at a release. The change is recorded in the history and reaches the gateway within a second." />
      {releases.isLoading ? <Loading /> : null}
      <LoadError error={releases.error} />
      {releases.data && !releases.data.length ? <Empty>{service} has no releases yet. Create one under Releases first.</Empty> : null}
      {releases.data?.length ? (
        <form onSubmit={onSubmit} className="grid gap-4 px-5 py-4" aria-label={`Deploy to ${environment}`}>
          <fieldset disabled={Boolean(blocked) || deploy.isPending} className="grid gap-4">
            <legend className="sr-only">Traffic</legend>
            <div className="flex gap-4 text-sm">
              <label className="flex items-center gap-2">
                <input type="radio" name="mode" checked={!split} onChange={() => setSplit(false)} /> One release, 100%
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="mode" checked={split} onChange={() => setSplit(true)} /> Split traffic
              </label>
            </div>
            {!split ? (
              <Field label="Release" error={errorAt(fields, 'routes')}>
                <Select value={chosenSingle} onChange={(e) => setSingle(e.target.value)}>
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
                    <Button variant="ghost" size="icon" aria-label={`Remove release ${i + 1}`} disabled={rows.length <= 1} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                      <Trash2 className="h-4 w-4" aria-hidden />
                    </Button>
                  </div>
                ))}
                <div className="flex items-center justify-between text-sm">
                  <Button variant="secondary" size="sm" disabled={rows.length >= 10} onClick={() => setRows((rs) => [...rs, { release: '', weight: '0' }])}>
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
            <Field label="Reason" error={fields.reason}>
              <Input name="reason" placeholder="why, for the history" maxLength={500} />
            </Field>
          </fieldset>
          {blocked ? (
            <p role="note" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
              {blocked}
            </p>
          ) : null}
          <ErrorAlert error={deploy.error} besideFields />
          {deploy.isSuccess ? (
            <p role="status" className="text-sm text-success">
              {environment} now runs {deploy.data.routes.map((r) => `#${r.releaseNumber} at ${r.weight}%`).join(', ')}.
            </p>
          ) : null}
          <div>
            <Button type="submit" disabled={Boolean(blocked) || deploy.isPending}>
              {deploy.isPending ? 'Deploying…' : `Deploy to ${environment}`}
            </Button>
          </div>
        </form>
      ) : null}
    </Card>
  );
}
