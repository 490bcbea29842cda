'use client';
// An environment's protection rules, SLOs, rollout policy (with its analysis settings) and gateway behaviour,
// saved as a whole. The server validates; its messages appear at the fields they name (e.g.
// rollout.steps.1.weight, rollout.analysis.minSamples, gateway.shadow.percent). Minutes may be fractions.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { numberOr, splitList } from '@/components/registry/forms';
import { useTRPC, type RouterInputs } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Checkbox, Field, Input, Label, Select } from '@/components/ui/form';
import { useCan } from '@/components/viewer';
import type { AnalysisSettings, GatewaySettings, ProtectionRules, RolloutPolicy, RuntimeSettings, Slos } from '@/db/schema';
import { SAMPLE_MAX_CHARS } from '@/server/lib/redact';
// The gate names come from the server's schema so the checkboxes never offer one it would refuse.
import { DEFAULT_ANALYSIS, DEFAULT_APPROVAL_TIMEOUT_MINUTES, protectionSchema } from '@/server/services/environments/settings';
import { STRATEGY_LABELS } from './environment-text';

const GATES = protectionSchema.shape.requiredGates.element.options;
type Strategy = RolloutPolicy['strategy'];
type Step = { weight: string; bakeMinutes: string };

/** The analysis fields: name, label, hint, and whether blank switches the check off. */
const ANALYSIS_FIELDS: { name: keyof AnalysisSettings; label: string; hint: string; nullable: boolean }[] = [
  { name: 'minSamples', label: 'Minimum requests', hint: 'On the new release before a verdict; fewer is inconclusive', nullable: false },
  { name: 'intervalSeconds', label: 'Check every (seconds)', hint: 'How often figures are taken during a bake', nullable: false },
  { name: 'maxErrorRateIncrease', label: 'Max error-rate increase', hint: 'Over the stable release, as a fraction (0.02 = 2 points); blank: off', nullable: true },
  { name: 'maxLatencyRatio', label: 'Max p95 latency ratio', hint: 'New over stable, e.g. 1.5; blank: off', nullable: true },
  { name: 'maxTtftRatio', label: 'Max p95 TTFT ratio', hint: 'Time to first token, new over stable; blank: off', nullable: true },
  { name: 'maxCostRatio', label: 'Max cost-per-request ratio', hint: 'New over stable; blank: off', nullable: true },
  { name: 'maxFeedbackDrop', label: 'Max feedback drop', hint: 'Stable mean score minus new (scores −1 to 1); blank: off', nullable: true },
  { name: 'minFeedbackSamples', label: 'Minimum ratings', hint: 'On each release before feedback is compared', nullable: false },
  { name: 'maxQualityDrop', label: 'Max online pass-rate drop', hint: 'Stable share of live answers passing the online evals minus new (0.1 = 10 points); blank: off', nullable: true },
  { name: 'minQualitySamples', label: 'Minimum online scores', hint: 'Scored live answers on each release before their pass rates are compared', nullable: false },
  { name: 'inconclusiveWaitMinutes', label: 'Wait when inconclusive (minutes)', hint: 'After the bake, for more traffic, before pausing for a person', nullable: false },
];

export function EnvironmentSettings({
  service,
  environment,
  protection,
  slos,
  rollout,
  gateway,
  runtime,
  onSaved,
}: {
  service: string;
  environment: string;
  protection: ProtectionRules;
  slos: Slos;
  rollout: RolloutPolicy;
  gateway: GatewaySettings;
  runtime: RuntimeSettings;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const canWrite = useCan('environments:write');
  const canReadSecrets = useCan('secrets:read');
  const releases = useQuery(trpc.releases.list.queryOptions({ service }));
  const secrets = useQuery(trpc.secrets.list.queryOptions(undefined, { enabled: canReadSecrets }));
  // Policies saved before a limit existed lack it: the form shows the default the server applies.
  const analysis = { ...DEFAULT_ANALYSIS, ...rollout.analysis };
  // '' is "no shadow traffic"; otherwise the release number as typed in the select.
  const [shadowRelease, setShadowRelease] = useState(gateway.shadow ? String(gateway.shadow.releaseNumber) : '');
  const [strategy, setStrategy] = useState<Strategy>(rollout.strategy);
  const [runtimeKind, setRuntimeKind] = useState<RuntimeSettings['kind']>(runtime.kind);
  const docker = runtime.kind === 'docker' ? runtime : null;
  const [steps, setSteps] = useState<Step[]>(rollout.strategy === 'canary' ? rollout.steps.map((s) => ({ weight: String(s.weight), bakeMinutes: String(s.bakeMinutes) })) : [{ weight: '10', bakeMinutes: '10' }]);
  const save = useMutation(trpc.environments.update.mutationOptions({ onSuccess: onSaved }));
  const fields = fieldErrors(save.error);
  const at = (path: string) => errorAt(fields, path);
  const analysisError = Object.keys(fields).some((k) => k.startsWith('rollout.analysis'));
  const [analysisOpen, setAnalysisOpen] = useState(false);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const autoRollback = f.get('autoRollback') === 'on';
    const num = (name: string) => numberOr(f.get(name), NaN);
    const nextAnalysis = Object.fromEntries(ANALYSIS_FIELDS.map((a) => [a.name, numberOr(f.get(`analysis.${a.name}`), a.nullable ? null : NaN)])) as unknown as AnalysisSettings;
    let nextRollout: RouterInputs['environments']['update']['rollout'];
    switch (strategy) {
      case 'all-at-once':
        nextRollout = { strategy, autoRollback, bakeMinutes: num('allAtOnceBakeMinutes'), analysis: nextAnalysis };
        break;
      case 'canary':
        nextRollout = { strategy, autoRollback, steps: steps.map((s) => ({ weight: numberOr(s.weight, NaN), bakeMinutes: numberOr(s.bakeMinutes, NaN) })), analysis: nextAnalysis };
        break;
      case 'linear':
        nextRollout = { strategy, autoRollback, stepPercent: num('stepPercent'), intervalMinutes: num('intervalMinutes'), analysis: nextAnalysis };
        break;
      case 'blue-green':
        nextRollout = { strategy, autoRollback, bakeMinutes: num('bakeMinutes'), rollbackWindowMinutes: num('rollbackWindowMinutes'), analysis: nextAnalysis };
        break;
    }
    save.mutate({
      service,
      environment,
      protection: {
        requiredApprovals: num('requiredApprovals'),
        preventSelfApproval: f.get('preventSelfApproval') === 'on',
        allowedBranches: splitList(String(f.get('allowedBranches') ?? '')),
        waitTimerMinutes: num('waitTimerMinutes'),
        requiredGates: f.getAll('requiredGates').map(String) as (typeof GATES)[number][],
        approvalTimeoutMinutes: num('approvalTimeoutMinutes'),
        notifySecret: String(f.get('notifySecret') ?? '') || null,
      },
      slos: {
        p95LatencyMs: numberOr(f.get('p95LatencyMs'), null),
        maxErrorRate: numberOr(f.get('maxErrorRate'), null),
        maxCostPerRequestUsd: numberOr(f.get('maxCostPerRequestUsd'), null),
        minEvalScore: numberOr(f.get('minEvalScore'), null),
        p95TtftMs: numberOr(f.get('p95TtftMs'), null),
      },
      rollout: nextRollout,
      gateway: {
        fallbackToStable: f.get('fallbackToStable') === 'on',
        shadow: shadowRelease ? { releaseNumber: Number(shadowRelease), percent: num('shadowPercent') } : null,
        samplePercent: num('samplePercent'),
        upstreamTimeoutMs: num('upstreamTimeoutMs'),
      },
      runtime:
        runtimeKind === 'docker'
          ? { kind: 'docker', replicas: num('runtime.replicas'), healthTimeoutSeconds: num('runtime.healthTimeoutSeconds'), keepOldMinutes: numberOr(f.get('runtime.keepOldMinutes'), null) }
          : { kind: 'endpoints' },
    });
  }

  const setStep = (i: number, patch: Partial<Step>) => setSteps((ss) => ss.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const opt = (v: number | null) => (v === null ? '' : String(v));

  return (
    <Card>
      <CardHeader
        title="Settings"
        description={
          canWrite ? 'Protection rules, service-level objectives, how new releases roll out and how the gateway treats traffic.' : 'Protection rules, SLOs, rollout policy and gateway behaviour. Changing them needs environments:write (approvers and admins).'
        }
      />
      <form onSubmit={onSubmit} className="grid gap-6 px-5 py-4" aria-label={`Settings of ${environment}`} onChange={() => save.isSuccess && save.reset()}>
        <fieldset disabled={!canWrite || save.isPending} className="grid gap-6">
          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-sm font-semibold">Protection</legend>
            <Field label="Required approvals" error={at('protection.requiredApprovals')}>
              <Input name="requiredApprovals" inputMode="numeric" defaultValue={protection.requiredApprovals} />
            </Field>
            <Field label="Wait timer (minutes)" error={at('protection.waitTimerMinutes')}>
              <Input name="waitTimerMinutes" inputMode="numeric" defaultValue={protection.waitTimerMinutes} />
            </Field>
            <Field label="Allowed source branches" hint="Names or globs separated by commas; empty allows any branch" error={at('protection.allowedBranches')}>
              <Input name="allowedBranches" defaultValue={protection.allowedBranches.join(', ')} placeholder="main, release/*" />
            </Field>
            <div className="flex items-end pb-2">
              <Checkbox name="preventSelfApproval" label="Nobody approves their own change" defaultChecked={protection.preventSelfApproval} />
            </div>
            <Field label="Approval timeout (minutes)" hint="A request not approved by then fails the rollout as timed out" error={at('protection.approvalTimeoutMinutes')}>
              <Input name="approvalTimeoutMinutes" inputMode="numeric" defaultValue={protection.approvalTimeoutMinutes ?? DEFAULT_APPROVAL_TIMEOUT_MINUTES} />
            </Field>
            <Field
              label="Notifications"
              hint={canReadSecrets ? 'A stored secret for notifications (scoped to this service or all): a Slack-compatible webhook URL told of approval requests and how rollouts end' : 'Choosing a secret needs secrets:read'}
              error={at('protection.notifySecret')}
            >
              <Select name="notifySecret" defaultValue={protection.notifySecret ?? ''} key={secrets.data ? 'loaded' : 'loading'}>
                <option value="">None</option>
                {notifyOptions(protection.notifySecret ?? null, secrets.data).map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </Select>
            </Field>
            <fieldset className="sm:col-span-2" aria-describedby={at('protection.requiredGates') ? 'gates-error' : undefined}>
              <legend className="mb-2 text-sm font-medium">Required gates</legend>
              <div className="flex flex-wrap gap-x-5 gap-y-2">
                {GATES.map((g) => (
                  <Checkbox key={g} name="requiredGates" value={g} label={g} defaultChecked={protection.requiredGates.includes(g)} />
                ))}
              </div>
              {at('protection.requiredGates') ? (
                <p id="gates-error" role="alert" className="mt-1 text-xs text-danger">
                  {at('protection.requiredGates')}
                </p>
              ) : null}
            </fieldset>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <legend className="mb-2 text-sm font-semibold">Service-level objectives</legend>
            <Field label="p95 latency (ms)" hint="Blank: no objective" error={at('slos.p95LatencyMs')}>
              <Input name="p95LatencyMs" inputMode="decimal" defaultValue={opt(slos.p95LatencyMs)} />
            </Field>
            <Field label="Max error rate" hint="A fraction, e.g. 0.02" error={at('slos.maxErrorRate')}>
              <Input name="maxErrorRate" inputMode="decimal" defaultValue={opt(slos.maxErrorRate)} />
            </Field>
            <Field label="Max cost per request (USD)" error={at('slos.maxCostPerRequestUsd')}>
              <Input name="maxCostPerRequestUsd" inputMode="decimal" defaultValue={opt(slos.maxCostPerRequestUsd)} />
            </Field>
            <Field label="Min eval score" hint="0 to 1" error={at('slos.minEvalScore')}>
              <Input name="minEvalScore" inputMode="decimal" defaultValue={opt(slos.minEvalScore)} />
            </Field>
            <Field label="p95 time to first token (ms)" hint="Of streamed answers; blank: no objective" error={at('slos.p95TtftMs')}>
              <Input name="p95TtftMs" inputMode="decimal" defaultValue={opt(slos.p95TtftMs ?? null)} />
            </Field>
          </fieldset>

          <fieldset className="grid gap-4">
            <legend className="mb-2 text-sm font-semibold">Rollout policy</legend>
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label="Strategy" error={at('rollout.strategy')}>
                <Select value={strategy} onChange={(e) => setStrategy(e.target.value as Strategy)}>
                  {(Object.keys(STRATEGY_LABELS) as Strategy[]).map((s) => (
                    <option key={s} value={s}>
                      {STRATEGY_LABELS[s]}
                    </option>
                  ))}
                </Select>
              </Field>
              <div className="flex items-end pb-2">
                <Checkbox name="autoRollback" label="Roll back automatically when an SLO is breached" defaultChecked={rollout.autoRollback} />
              </div>
            </div>
            {strategy === 'canary' ? (
              <div className="grid gap-2">
                <p className="text-sm text-muted-fg">Traffic to the new release rises step by step, each held for its bake time, then goes to 100%. Minutes may be fractions (0.5 = 30 s).</p>
                {steps.map((s, i) => (
                  <div key={i} className="grid grid-cols-[8rem_10rem_auto] items-end gap-2">
                    <div className="grid gap-1.5">
                      <Label htmlFor={`step-${i}-weight`}>Step {i + 1} weight %</Label>
                      <Input id={`step-${i}-weight`} inputMode="numeric" value={s.weight} onChange={(e) => setStep(i, { weight: e.target.value })} aria-invalid={Boolean(fields[`rollout.steps.${i}.weight`])} />
                    </div>
                    <div className="grid gap-1.5">
                      <Label htmlFor={`step-${i}-bake`}>Bake (minutes)</Label>
                      <Input id={`step-${i}-bake`} inputMode="decimal" value={s.bakeMinutes} onChange={(e) => setStep(i, { bakeMinutes: e.target.value })} aria-invalid={Boolean(fields[`rollout.steps.${i}.bakeMinutes`])} />
                    </div>
                    <Button variant="ghost" size="icon" aria-label={`Remove step ${i + 1}`} disabled={steps.length <= 1} onClick={() => setSteps((ss) => ss.filter((_, j) => j !== i))}>
                      <Trash2 className="h-4 w-4" aria-hidden />
                    </Button>
                    {fields[`rollout.steps.${i}.weight`] || fields[`rollout.steps.${i}.bakeMinutes`] ? (
                      <p role="alert" className="col-span-3 text-xs text-danger">
                        Step {i + 1}: {fields[`rollout.steps.${i}.weight`] ?? fields[`rollout.steps.${i}.bakeMinutes`]}
                      </p>
                    ) : null}
                  </div>
                ))}
                {fields['rollout.steps'] ? (
                  <p role="alert" className="text-xs text-danger">
                    {fields['rollout.steps']}
                  </p>
                ) : null}
                <div>
                  <Button variant="secondary" size="sm" disabled={steps.length >= 20} onClick={() => setSteps((ss) => [...ss, { weight: '', bakeMinutes: '10' }])}>
                    <Plus className="h-3.5 w-3.5" aria-hidden /> Add step
                  </Button>
                </div>
              </div>
            ) : null}
            {strategy === 'linear' ? (
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label="Step (% of traffic)" error={at('rollout.stepPercent')}>
                  <Input name="stepPercent" inputMode="numeric" defaultValue={rollout.strategy === 'linear' ? rollout.stepPercent : 10} />
                </Field>
                <Field label="Interval (minutes)" error={at('rollout.intervalMinutes')}>
                  <Input name="intervalMinutes" inputMode="decimal" defaultValue={rollout.strategy === 'linear' ? rollout.intervalMinutes : 5} />
                </Field>
              </div>
            ) : null}
            {strategy === 'blue-green' ? (
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label="Bake before switching (minutes)" error={at('rollout.bakeMinutes')}>
                  <Input name="bakeMinutes" inputMode="decimal" defaultValue={rollout.strategy === 'blue-green' ? rollout.bakeMinutes : 10} />
                </Field>
                <Field label="Rollback window (minutes)" hint="How long the old release stays routable after the switch" error={at('rollout.rollbackWindowMinutes')}>
                  <Input name="rollbackWindowMinutes" inputMode="decimal" defaultValue={rollout.strategy === 'blue-green' ? (rollout.rollbackWindowMinutes ?? 10) : 10} />
                </Field>
              </div>
            ) : null}
            {strategy === 'all-at-once' ? (
              <div className="grid gap-4 sm:grid-cols-2">
                <p className="text-sm text-muted-fg sm:col-span-2">A new release takes all traffic at once, then bakes with analysis (0: no bake).</p>
                <Field label="Bake after the switch (minutes)" error={at('rollout.bakeMinutes')}>
                  <Input name="allAtOnceBakeMinutes" inputMode="decimal" defaultValue={rollout.strategy === 'all-at-once' ? (rollout.bakeMinutes ?? 0) : 0} />
                </Field>
              </div>
            ) : null}
            <details open={analysisOpen || analysisError} onToggle={(e) => setAnalysisOpen(e.currentTarget.open)} className="rounded-md border border-border">
              <summary className="cursor-pointer px-3 py-2 text-sm font-medium">
                Analysis <span className="font-normal text-muted-fg">— how each bake compares the new release with the stable one</span>
              </summary>
              <fieldset className="grid gap-4 border-t border-border px-3 py-3 sm:grid-cols-2 lg:grid-cols-3">
                <legend className="sr-only">Analysis</legend>
                {ANALYSIS_FIELDS.map((a) => (
                  <Field key={a.name} label={a.label} hint={a.hint} error={at(`rollout.analysis.${a.name}`)}>
                    <Input name={`analysis.${a.name}`} inputMode="decimal" defaultValue={opt(analysis[a.name])} />
                  </Field>
                ))}
              </fieldset>
            </details>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-sm font-semibold">Gateway</legend>
            <div className="grid gap-1 sm:col-span-2">
              <Checkbox name="fallbackToStable" label="Fall back to the stable release when a canary’s upstream fails" defaultChecked={gateway.fallbackToStable} />
              <p className="pl-6 text-xs text-muted-fg">Only when nothing was sent to the caller yet; the failed attempt is still recorded.</p>
            </div>
            <Field label="Shadow traffic" hint="Mirrors requests to a candidate in the background; callers always get the routed release’s answer." error={at('gateway.shadow.releaseNumber') ?? fields['gateway.shadow']}>
              <Select value={shadowRelease} onChange={(e) => setShadowRelease(e.target.value)}>
                <option value="">Off</option>
                {shadowOptions(gateway.shadow?.releaseNumber, releases.data).map((r) => (
                  <option key={r.number} value={r.number}>
                    {service}#{r.number}
                    {r.model ? ` · ${r.model}` : ''}
                  </option>
                ))}
              </Select>
            </Field>
            {shadowRelease ? (
              <Field label="Share mirrored (%)" hint="0.1 to 100" error={at('gateway.shadow.percent')}>
                <Input name="shadowPercent" inputMode="decimal" defaultValue={gateway.shadow?.percent ?? 10} />
              </Field>
            ) : (
              <div aria-hidden className="hidden sm:block" />
            )}
            <Field label="Samples kept (%)" hint={`Inputs and outputs of this share of requests, truncated to ${SAMPLE_MAX_CHARS.toLocaleString('en')} characters with emails, phone and card numbers redacted. 0 keeps none.`} error={at('gateway.samplePercent')}>
              <Input name="samplePercent" inputMode="decimal" defaultValue={gateway.samplePercent} />
            </Field>
            <Field label="Upstream timeout (ms)" hint="How long the gateway waits for an upstream before failing the request." error={at('gateway.upstreamTimeoutMs')}>
              <Input name="upstreamTimeoutMs" inputMode="numeric" defaultValue={gateway.upstreamTimeoutMs} />
            </Field>
          </fieldset>

          <fieldset className="grid gap-4 sm:grid-cols-2">
            <legend className="mb-2 text-sm font-semibold">Container runtime</legend>
            <Field label="Container releases run" hint="Releases whose model version is a container image need the Docker engine (DOCKER_HOST) to serve here." error={fields['runtime.kind'] ?? fields.runtime}>
              <Select name="runtime.kind" value={runtimeKind} onChange={(e) => setRuntimeKind(e.target.value as RuntimeSettings['kind'])}>
                <option value="endpoints">Nowhere: endpoints only</option>
                <option value="docker">On the Docker engine</option>
              </Select>
            </Field>
            {runtimeKind === 'docker' ? (
              <>
                <Field label="Replicas per release" hint="1 to 8; each gets its own host port" error={at('runtime.replicas')}>
                  <Input name="runtime.replicas" inputMode="numeric" defaultValue={docker?.replicas ?? 1} />
                </Field>
                <Field label="Health timeout (seconds)" hint="How long replicas have to answer their health path before the rollout step fails" error={at('runtime.healthTimeoutSeconds')}>
                  <Input name="runtime.healthTimeoutSeconds" inputMode="numeric" defaultValue={docker?.healthTimeoutSeconds ?? 60} />
                </Field>
                <Field label="Keep old slot (minutes)" hint="After a release loses its traffic; blank: the blue-green rollback window (else 10)" error={at('runtime.keepOldMinutes')}>
                  <Input name="runtime.keepOldMinutes" inputMode="decimal" defaultValue={opt(docker?.keepOldMinutes ?? null)} />
                </Field>
              </>
            ) : null}
          </fieldset>
        </fieldset>
        <ErrorAlert error={save.error} besideFields />
        {save.isSuccess ? (
          <p role="status" className="text-sm text-success">
            Settings saved.
          </p>
        ) : null}
        {canWrite ? (
          <div>
            <Button type="submit" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save settings'}
            </Button>
          </div>
        ) : null}
      </form>
    </Card>
  );
}

/** Secrets that can hold a notification URL, keeping the configured one even if it is missing or unreadable. */
function notifyOptions(current: string | null, secrets: { name: string; purposes: string[] }[] | undefined): string[] {
  const names = (secrets ?? []).filter((s) => s.purposes.includes('notifications')).map((s) => s.name);
  return current && !names.includes(current) ? [current, ...names] : names;
}

/** The service's releases for the shadow select, keeping the configured one even if the list is cut short. */
function shadowOptions(current: number | undefined, releases: { number: number; model: string }[] | undefined): { number: number; model: string | null }[] {
  const list: { number: number; model: string | null }[] = releases ?? [];
  return current !== undefined && !list.some((r) => r.number === current) ? [{ number: current, model: null }, ...list] : list;
}
