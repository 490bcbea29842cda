'use client';
// Starts an eval run: a suite, the candidate release, what to compare it with (by default what the chosen
// environment's stable arm serves now; or a release; or nothing), the environment whose gate it decides, and an
// optional budget. The estimate of calls, cache hits and cost is shown before anything starts.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { FlaskConical } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { formatUsd } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/form';

type BaselineChoice = 'stable' | 'release' | 'none';

function Radio({ name, value, checked, onChange, disabled, children }: { name: string; value: string; checked: boolean; onChange: () => void; disabled?: boolean; children: ReactNode }) {
  return (
    <label className="flex items-center gap-2 text-sm has-[:disabled]:opacity-50">
      <input type="radio" name={name} value={value} checked={checked} onChange={onChange} disabled={disabled} className="accent-primary" />
      {children}
    </label>
  );
}

/** The release an environment's stable arm serves: the route with the most weight. */
function stableRelease(routes: { releaseNumber: number; weight: number }[] | undefined): number | null {
  if (!routes?.length) return null;
  return [...routes].sort((a, b) => b.weight - a.weight)[0]!.releaseNumber;
}

/** `release` preselects the candidate; `openAtStart` opens the dialog at once (a release page links here with it). */
export function RunEvalDialog({ service, suite: fixedSuite, release: fixedRelease, openAtStart, trigger }: { service: string; suite?: string; release?: number; openAtStart?: boolean; trigger?: ReactNode }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(Boolean(openAtStart));
  const [suite, setSuite] = useState(fixedSuite ?? '');
  const [release, setRelease] = useState(fixedRelease ? String(fixedRelease) : '');
  const [environment, setEnvironment] = useState('');
  const [baselineChoice, setBaselineChoice] = useState<BaselineChoice>('stable');
  const [baselineRelease, setBaselineRelease] = useState('');
  const [budget, setBudget] = useState('');

  const suites = useQuery(trpc.evals.listSuites.queryOptions({ service }, { enabled: open }));
  const releases = useQuery(trpc.releases.list.queryOptions({ service }, { enabled: open }));
  const serviceView = useQuery(trpc.services.get.queryOptions({ name: service }, { enabled: open }));

  const chosenSuite = suite || suites.data?.[0]?.name || '';
  const chosenRelease = release ? Number(release) : (releases.data?.[0]?.number ?? null);
  const env = serviceView.data?.environments.find((e) => e.name === environment) ?? null;
  const stable = stableRelease(env?.current?.routes);
  const effectiveChoice: BaselineChoice = baselineChoice === 'stable' && !environment ? 'none' : baselineChoice;
  const baseline: number | 'none' | undefined = effectiveChoice === 'none' ? 'none' : effectiveChoice === 'release' ? (baselineRelease ? Number(baselineRelease) : undefined) : undefined;
  const budgetUsd = budget.trim() && Number(budget) > 0 ? Number(budget) : undefined;

  const ready = open && Boolean(chosenSuite) && chosenRelease !== null && !(effectiveChoice === 'release' && !baselineRelease);
  const input = { service, suite: chosenSuite, release: chosenRelease ?? 0, baseline, environment: environment || undefined, budgetUsd };
  // The cache fills with every run, so an estimate is never reused: each opening asks again.
  const estimate = useQuery(trpc.evals.estimate.queryOptions(input, { enabled: ready, placeholderData: keepPreviousData, retry: false, staleTime: 0, gcTime: 0 }));
  const start = useMutation(
    trpc.evals.startRun.mutationOptions({
      onSuccess: async (run) => {
        await qc.invalidateQueries({ queryKey: trpc.evals.pathKey() });
        router.push(`/evals/${service}/runs/${run.number}`);
      },
    }),
  );
  const fields = fieldErrors(start.error);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!ready) return;
    start.mutate(input);
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) start.reset();
      }}
    >
      <DialogTrigger asChild>
        {trigger ?? (
          <Button>
            <FlaskConical className="h-4 w-4" aria-hidden /> Run eval
          </Button>
        )}
      </DialogTrigger>
      <DialogContent title={`Run an eval of ${service}`} description="The candidate answers every case of the suite's dataset, beside its baseline on the same cases; unchanged calls come from the cache.">
        <form onSubmit={onSubmit} className="grid gap-4" aria-label="Run eval">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Suite" error={fields.suite}>
              <Select name="suite" value={chosenSuite} onChange={(e) => setSuite(e.target.value)} disabled={suites.isLoading || Boolean(fixedSuite)}>
                {suites.isLoading ? <option value="">Loading…</option> : null}
                {suites.data && !suites.data.length ? <option value="">No suites yet</option> : null}
                {fixedSuite && !suites.data?.some((s) => s.name === fixedSuite) ? <option value={fixedSuite}>{fixedSuite}</option> : null}
                {suites.data?.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name} (v{s.version})
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Candidate release" error={fields.release}>
              <Select name="release" value={chosenRelease ?? ''} onChange={(e) => setRelease(e.target.value)} disabled={releases.isLoading}>
                {releases.isLoading ? <option value="">Loading…</option> : null}
                {releases.data && !releases.data.length ? <option value="">No releases yet</option> : null}
                {releases.data?.map((r) => (
                  <option key={r.id} value={r.number}>
                    #{r.number} · {r.model}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <Field label="Environment" hint="The run decides this environment's eval gate; leave empty for a run that decides nothing." error={fields.environment}>
            <Select name="environment" value={environment} onChange={(e) => setEnvironment(e.target.value)} disabled={serviceView.isLoading}>
              <option value="">None</option>
              {serviceView.data?.environments.map((e) => (
                <option key={e.id} value={e.name}>
                  {e.name}
                  {e.protection.requiredGates.includes('eval') ? ' (requires eval)' : ''}
                </option>
              ))}
            </Select>
          </Field>
          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">Baseline</legend>
            <Radio name="baseline" value="stable" checked={effectiveChoice === 'stable'} disabled={!environment} onChange={() => setBaselineChoice('stable')}>
              {environment ? (stable ? `What ${environment} serves now (#${stable})` : `What ${environment} serves now (nothing yet)`) : 'What the environment serves now (choose one)'}
            </Radio>
            <Radio name="baseline" value="release" checked={effectiveChoice === 'release'} onChange={() => setBaselineChoice('release')}>
              A release
            </Radio>
            {effectiveChoice === 'release' ? (
              <Field label="Baseline release" error={fields.baseline}>
                <Select name="baselineRelease" required value={baselineRelease} onChange={(e) => setBaselineRelease(e.target.value)}>
                  <option value="">Choose…</option>
                  {releases.data?.map((r) => (
                    <option key={r.id} value={r.number}>
                      #{r.number} · {r.model}
                    </option>
                  ))}
                </Select>
              </Field>
            ) : null}
            <Radio name="baseline" value="none" checked={effectiveChoice === 'none'} onChange={() => setBaselineChoice('none')}>
              None: only the minimum score applies
            </Radio>
          </fieldset>
          <Field label="Budget (USD)" hint="Optional. The run stops before its cost would pass this; the suite's own budget applies otherwise." error={fields.budgetUsd}>
            <Input name="budgetUsd" type="number" min="0" step="any" inputMode="decimal" value={budget} onChange={(e) => setBudget(e.target.value)} placeholder="no cap" />
          </Field>

          <section aria-label="Estimate" aria-live="polite" className="rounded-md border border-border bg-muted/50 px-3 py-2 text-sm">
            {!ready ? (
              <span className="text-muted-fg">Choose a suite and a release to see the estimate.</span>
            ) : estimate.error ? (
              <span className="text-danger">{estimate.error.message}</span>
            ) : !estimate.data ? (
              <span className="text-muted-fg">Estimating…</span>
            ) : (
              <span className="grid gap-1">
                <span>
                  Estimate: <strong className="tabular-nums">{estimate.data.calls}</strong> model call{estimate.data.calls === 1 ? '' : 's'},{' '}
                  <strong className="tabular-nums">{estimate.data.cachedCalls}</strong> from the cache, about <strong className="tabular-nums">{formatUsd(estimate.data.costUsd)}</strong>.
                </span>
                <span className="text-muted-fg">
                  {service}#{estimate.data.release} against {estimate.data.baseline ? `${service}#${estimate.data.baseline}` : 'no baseline'}
                  {estimate.data.budgetUsd !== null ? `; budget ${formatUsd(estimate.data.budgetUsd)}` : ''}.
                </span>
                {!estimate.data.withinBudget ? <span className="text-danger">The estimate is over the budget: the run would stop before it starts calling.</span> : null}
              </span>
            )}
          </section>

          <ErrorAlert error={start.error} besideFields />
          <Button type="submit" disabled={!ready || start.isPending}>
            {start.isPending ? 'Starting…' : 'Start eval'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
