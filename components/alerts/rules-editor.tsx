'use client';
// An environment's SLO alert rules: each objective's page and ticket rules (two windows and the burn rate both
// must exceed), the defaults derived from the SLOs until the environment has its own, saved as a whole. The
// server validates; its messages appear at the fields they name (rules.1.shortWindowMinutes).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { formatTime } from '@/components/format';
import { numberOr } from '@/components/registry/forms';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Checkbox, Input, Select } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import type { AlertObjective, AlertSeverity } from '@/db/schema/alerts';
import type { Slos } from '@/db/schema/registry';
import { formatMeasure, OBJECTIVE_WORDS } from '@/server/services/alerts/words';

type Row = { objective: AlertObjective; severity: AlertSeverity; longWindowMinutes: string; shortWindowMinutes: string; burnRate: string; minEvents: string; enabled: boolean };
type RulesView = RouterOutputs['alerts']['rules'];

const OBJECTIVES = Object.keys(OBJECTIVE_WORDS) as AlertObjective[];
const SLO_FIELD: Record<AlertObjective, keyof Slos> = { 'error-rate': 'maxErrorRate', 'p95-latency': 'p95LatencyMs', 'p95-ttft': 'p95TtftMs', 'cost-per-request': 'maxCostPerRequestUsd' };

const toRows = (rules: RulesView['defaults']): Row[] =>
  rules.map((r) => ({ ...r, longWindowMinutes: String(r.longWindowMinutes), shortWindowMinutes: String(r.shortWindowMinutes), burnRate: String(r.burnRate), minEvents: String(r.minEvents) }));

export function AlertRulesEditor({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const rules = useQuery(trpc.alerts.rules.queryOptions({ service, environment }));
  return (
    <Card role="region" aria-label="Alert rules">
      <CardHeader
        title="Alert rules"
        description="An alert fires when both windows burn the objective's error budget faster than the burn rate (1× spends it exactly over the SLO period), and resolves as soon as either does not. Latency objectives are p95s: their budget is the 5% of requests allowed to be slower. Cost compares the mean cost per request with the objective."
      />
      {rules.isLoading ? <Loading /> : null}
      <LoadError error={rules.error} />
      {rules.data ? <RulesForm key={`${rules.data.custom}-${String(rules.data.updatedAt)}`} view={rules.data} service={service} environment={environment} /> : null}
    </Card>
  );
}

function RulesForm({ view, service, environment }: { view: RulesView; service: string; environment: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('environments:write');
  const [rows, setRows] = useState<Row[]>(() => toRows(view.rules));
  const onSuccess = () => qc.invalidateQueries({ queryKey: trpc.alerts.rules.queryKey({ service, environment }) });
  const save = useMutation(trpc.alerts.updateRules.mutationOptions({ onSuccess }));
  const fields = fieldErrors(save.error);
  const at = (i: number, name: string) => errorAt(fields, `rules.${i}.${name}`);
  const set = (i: number, patch: Partial<Row>) => {
    if (save.isSuccess) save.reset();
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  const free = OBJECTIVES.flatMap((objective) => (['page', 'ticket'] as const).map((severity) => ({ objective, severity }))).find((c) => !rows.some((r) => r.objective === c.objective && r.severity === c.severity));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    save.mutate({
      service,
      environment,
      rules: rows.map((r) => ({ objective: r.objective, severity: r.severity, longWindowMinutes: numberOr(r.longWindowMinutes, NaN), shortWindowMinutes: numberOr(r.shortWindowMinutes, NaN), burnRate: numberOr(r.burnRate, NaN), minEvents: numberOr(r.minEvents, NaN), enabled: r.enabled })),
    });
  }

  const target = (o: AlertObjective) => {
    const v = view.slos[SLO_FIELD[o]] ?? null;
    return v === null ? null : formatMeasure(o, v);
  };

  return (
    <form onSubmit={onSubmit} className="grid gap-4 px-5 py-4" aria-label={`Alert rules of ${environment}`}>
      <p className="text-sm text-muted-fg">
        {view.custom ? `This environment's own rules, last changed by ${view.updatedBy} ${formatTime(view.updatedAt)}.` : 'The defaults derived from the SLOs: a page at 14.4× over 1 h and 5 min, a ticket at 6× over 6 h and 30 min (cost: 2× and 1×).'}
        {canWrite ? '' : ' Changing them needs environments:write (approvers and admins).'}
      </p>
      <fieldset disabled={!canWrite || save.isPending} className="grid gap-3">
        <legend className="sr-only">Rules</legend>
        {rows.length ? null : <p className="text-sm text-muted-fg">No rules: nothing alerts for this environment. Set an SLO above, or add a rule.</p>}
        {rows.map((r, i) => {
          const objective = target(r.objective);
          const label = `${OBJECTIVE_WORDS[r.objective]} ${r.severity}`;
          return (
            <fieldset key={i} className="grid gap-2 rounded-md border border-border p-3 sm:grid-cols-[1fr_auto]" aria-label={label}>
              <div className="grid grid-cols-2 gap-2 lg:grid-cols-[1.6fr_1fr_1fr_1fr_1fr_1fr]">
                <Cell label="Objective" error={at(i, 'objective')} className="col-span-2 lg:col-span-1">
                  <Select aria-label={`Objective of rule ${i + 1}`} value={r.objective} onChange={(e) => set(i, { objective: e.target.value as AlertObjective })}>
                    {OBJECTIVES.map((o) => (
                      <option key={o} value={o}>
                        {OBJECTIVE_WORDS[o]}
                      </option>
                    ))}
                  </Select>
                </Cell>
                <Cell label="Severity" error={at(i, 'severity')}>
                  <Select aria-label={`Severity of rule ${i + 1}`} value={r.severity} onChange={(e) => set(i, { severity: e.target.value as AlertSeverity })}>
                    <option value="page">page</option>
                    <option value="ticket">ticket</option>
                  </Select>
                </Cell>
                <Cell label="Long window (min)" error={at(i, 'longWindowMinutes')}>
                  <Input aria-label={`Long window of rule ${i + 1} (minutes)`} inputMode="numeric" value={r.longWindowMinutes} onChange={(e) => set(i, { longWindowMinutes: e.target.value })} />
                </Cell>
                <Cell label="Short window (min)" error={at(i, 'shortWindowMinutes')}>
                  <Input aria-label={`Short window of rule ${i + 1} (minutes)`} inputMode="numeric" value={r.shortWindowMinutes} onChange={(e) => set(i, { shortWindowMinutes: e.target.value })} />
                </Cell>
                <Cell label="Burn rate (×)" error={at(i, 'burnRate')}>
                  <Input aria-label={`Burn rate of rule ${i + 1}`} inputMode="decimal" value={r.burnRate} onChange={(e) => set(i, { burnRate: e.target.value })} />
                </Cell>
                <Cell label="Min requests" error={at(i, 'minEvents')}>
                  <Input aria-label={`Minimum requests of rule ${i + 1}`} inputMode="numeric" value={r.minEvents} onChange={(e) => set(i, { minEvents: e.target.value })} />
                </Cell>
                <p className="col-span-2 text-xs text-muted-fg lg:col-span-6">{objective ? `Objective ${objective} (from the SLOs).` : 'No SLO is set for this objective: the rule never fires until one is.'}</p>
              </div>
              <div className="flex items-center gap-3 sm:flex-col sm:items-end">
                <Checkbox label="On" checked={r.enabled} onChange={(e) => set(i, { enabled: e.target.checked })} aria-label={`Rule ${i + 1} on`} />
                <Button variant="ghost" size="icon" aria-label={`Remove the ${label} rule`} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                  <Trash2 className="h-4 w-4" aria-hidden />
                </Button>
              </div>
            </fieldset>
          );
        })}
      </fieldset>
      <ErrorAlert error={save.error} besideFields />
      {canWrite ? (
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" disabled={save.isPending}>
            Save rules
          </Button>
          {free ? (
            <Button variant="secondary" onClick={() => setRows((rs) => [...rs, { ...free, longWindowMinutes: '60', shortWindowMinutes: '5', burnRate: '14.4', minEvents: '20', enabled: true }])}>
              <Plus className="h-4 w-4" aria-hidden /> Add rule
            </Button>
          ) : null}
          {view.custom ? (
            <Button variant="ghost" disabled={save.isPending} onClick={() => save.mutate({ service, environment, rules: null })}>
              Back to the defaults
            </Button>
          ) : null}
          {save.isSuccess ? (
            <p role="status" className="text-sm text-success">
              Saved.
            </p>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

function Cell({ label, error, className, children }: { label: string; error?: string; className?: string; children: ReactNode }) {
  return (
    <div className={cn('grid content-start gap-1', className)}>
      <span className="text-xs font-medium text-muted-fg" aria-hidden>
        {label}
      </span>
      {children}
      {error ? (
        <span role="alert" className="text-xs text-danger">
          {error}
        </span>
      ) : null}
    </div>
  );
}
