'use client';
// The required gates of an environment for one release: each gate's state, score against the baseline, p-value
// and a link to its run; for an admin, an override that asks for a reason and a confirmation. Shown in the
// promote dialog, on the approval request and on the release page.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { formatTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Checkbox, Field, Textarea } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';

type Status = Pick<RouterOutputs['gates']['status'], 'baseline' | 'passed' | 'gates'>;
type Gate = Status['gates'][number];

const TONES: Record<Gate['state'], 'success' | 'danger' | 'warning' | 'info' | 'neutral'> = {
  passed: 'success',
  failed: 'danger',
  'not-built': 'danger',
  missing: 'warning',
  stale: 'warning',
  running: 'info',
  overridden: 'neutral',
};
const WORDS: Record<Gate['state'], string> = { passed: 'passed', failed: 'failed', 'not-built': 'not built yet', missing: 'not run', stale: 'stale', running: 'running', overridden: 'overridden' };
const pct = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)}%`);

export function GateStateBadge({ state }: { state: Gate['state'] }) {
  return <Badge tone={TONES[state]}>{WORDS[state]}</Badge>;
}

export function GateStatusView({ service, environment, release, status, rollback = false }: { service: string; environment: string; release: number; status: Status; rollback?: boolean }) {
  if (!status.gates.length) return <p className="text-sm text-muted-fg">{environment} requires no gates.</p>;
  return (
    <div className="grid gap-2">
      {rollback ? <p className="text-sm text-muted-fg">#{release} served {environment} before: going back to it is a rollback, which its gates do not hold back.</p> : null}
      <ul aria-label={`Required gates of ${environment}`} className="grid gap-2">
        {status.gates.map((g) => (
          <li key={g.gate} className="grid gap-1 rounded-md border border-border p-2 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-medium">{g.gate}</span>
              <GateStateBadge state={g.state} />
              <span className="text-muted-fg">{g.message}</span>
              {g.loadTest ? (
                <Link className="text-primary hover:underline" href={`/services/${service}/environments/${environment}/load-tests/${g.loadTest.id}`}>
                  load test
                </Link>
              ) : null}
            </div>
            {g.suites.length ? (
              <table className="w-full text-xs">
                <thead className="text-left text-muted-fg">
                  <tr>
                    <th className="font-normal">Suite</th>
                    <th className="font-normal">State</th>
                    <th className="font-normal">Score</th>
                    <th className="font-normal">Baseline</th>
                    <th className="font-normal">p-value</th>
                    <th className="font-normal">Run</th>
                  </tr>
                </thead>
                <tbody>
                  {g.suites.map((s) => (
                    <tr key={s.suite}>
                      <td className="font-mono">
                        {s.suite}@{s.suiteVersion}
                      </td>
                      <td>{WORDS[s.state]}</td>
                      <td>{pct(s.result?.score ?? null)}</td>
                      <td>{s.result?.baselineRelease ? `#${s.result.baselineRelease} ${pct(s.result.baselineScore)}` : s.result ? 'none' : '—'}</td>
                      <td>{s.result?.pValue === null || s.result?.pValue === undefined ? '—' : s.result.pValue.toPrecision(3)}</td>
                      <td>
                        {s.run ? (
                          <Link className="text-primary hover:underline" href={`/evals/${service}/runs/${s.run.number}`}>
                            run {s.run.number}
                          </Link>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {g.override ? (
              <p className="text-xs text-muted-fg">
                Overridden by {g.override.by} on {formatTime(g.override.at)}: “{g.override.reason}”
              </p>
            ) : null}
            {!rollback && g.state !== 'passed' && g.state !== 'overridden' ? <OverrideGate service={service} environment={environment} release={release} gate={g.gate} /> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Admins only: lets the release past one gate, with a reason of at least 10 characters and a confirmation. */
function OverrideGate({ service, environment, release, gate }: { service: string; environment: string; release: number; gate: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const allowed = useCan('gates:override');
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [sure, setSure] = useState(false);
  const override = useMutation(trpc.gates.override.mutationOptions());
  if (!allowed) return null;
  if (!open) {
    return (
      <div>
        <Button variant="secondary" size="sm" onClick={() => setOpen(true)}>
          Override gate…
        </Button>
      </div>
    );
  }
  const ok = reason.trim().length >= 10 && sure;
  return (
    // Not a form: it sits inside the promote dialog's own form.
    <div role="group" aria-label={`Override the ${gate} gate`} className="grid gap-2 rounded-md bg-muted p-2">
      <Field label="Why override" hint="At least 10 characters; recorded on the release, in the environment's history and in the audit log.">
        <Textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
      </Field>
      <Checkbox checked={sure} onChange={(e) => setSure(e.target.checked)} label={`I let ${service}#${release} into ${environment} without a pass of its ${gate} gate`} />
      <LoadError error={override.error} className="px-0 py-0" />
      <div className="flex gap-2">
        <Button
          variant="danger"
          size="sm"
          disabled={!ok || override.isPending}
          onClick={async () => {
            await override.mutateAsync({ service, release, environment, gate, reason: reason.trim() });
            await Promise.all([qc.invalidateQueries({ queryKey: trpc.gates.pathKey() }), qc.invalidateQueries({ queryKey: trpc.rollouts.pathKey() })]);
            setOpen(false);
          }}
        >
          {override.isPending ? 'Overriding…' : `Override the ${gate} gate`}
        </Button>
        <Button type="button" variant="ghost" size="sm" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </div>
  );
}

/** The same, loaded on its own (the approval page). */
export function RequiredGates({ service, environment, release }: { service: string; environment: string; release: number }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.gates.status.queryOptions({ service, environment, release }, { refetchInterval: (q) => (q.state.data?.gates.some((g) => g.state === 'running') ? 3000 : false) }));
  if (status.isLoading) return <Loading className="px-0 py-0">Loading the gates…</Loading>;
  if (status.error) return <LoadError error={status.error} className="px-0 py-0" />;
  return <GateStatusView service={service} environment={environment} release={release} status={status.data!} />;
}

/** The release page: the gates of every environment that requires some, and every override given. */
export function ReleaseGates({ service, release }: { service: string; release: number }) {
  const trpc = useTRPC();
  const data = useQuery(trpc.gates.forRelease.queryOptions({ service, release }));
  if (data.isLoading) return <Loading className="px-0 py-0">Loading the gates…</Loading>;
  if (data.error) return <LoadError error={data.error} className="px-0 py-0" />;
  const d = data.data!;
  return (
    <div className="grid gap-4">
      {d.environments.length ? null : <p className="text-sm text-muted-fg">No environment of {service} requires gates.</p>}
      {d.environments.map((e) => (
        <section key={e.environment} aria-label={`Gates of ${e.environment}`} className="grid gap-1">
          <h3 className="text-sm font-semibold">
            {e.environment}
            {e.baseline ? <span className="font-normal text-muted-fg"> · baseline #{e.baseline.number}</span> : null}
          </h3>
          <GateStatusView service={service} environment={e.environment} release={release} status={e} />
        </section>
      ))}
      {d.overrides.length ? (
        <section aria-label="Gate overrides" className="grid gap-1">
          <h3 className="text-sm font-semibold">Overrides</h3>
          <ul className="grid gap-1 text-sm">
            {d.overrides.map((o) => (
              <li key={`${o.environment}-${o.gate}-${String(o.at)}`}>
                <Badge tone="warning">override</Badge> {o.gate} gate of {o.environment} by {o.by}, {formatTime(o.at)}: “{o.reason}”
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
