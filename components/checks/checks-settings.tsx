'use client';
// An environment's production checks, saved as a whole: drift reports (schedule, reference and current windows,
// sampling, dataset-drift share, per-release arms, embeddings), online evals of sampled live requests, scheduled
// smoke tests, and the trigger rules that turn what they find into notifications, signed retraining webhooks or
// pipeline runs. The server validates; its messages appear at the fields they name (checks.drift.maxRows,
// checks.triggers.1.threshold, …).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { numberOr } from '@/components/registry/forms';
import { useTRPC, type RouterInputs, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Checkbox, Field, Input, Select } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import { DEFAULT_COOLDOWN_HOURS, type DriftReference, type ProductionChecks, type TriggerRule, type TriggerSource } from '@/db/schema';
import { featureLabel } from './drift-text';

const SOURCES: { id: TriggerSource; label: string }[] = [
  { id: 'drift', label: 'Drift report' },
  { id: 'online-quality', label: 'Online quality' },
  { id: 'feedback', label: 'Feedback' },
  { id: 'smoke', label: 'Smoke test failed' },
];

/** The features a drift rule can name (blank: the report's dataset drift). */
export const DRIFT_FEATURES = ['input_tokens', 'output_tokens', 'latency_ms', 'ttft_ms', 'cost_usd', 'refusal', 'json_valid', 'finish_reason', 'feedback', 'input_text', 'output_text'];

const REFERENCE_KINDS: { id: DriftReference['kind']; label: string }[] = [
  { id: 'release-start', label: 'First hours of the serving release' },
  { id: 'period', label: 'A fixed period' },
  { id: 'dataset', label: 'An eval dataset’s inputs' },
];

/** A rule as the form edits it: numbers as typed. */
interface RuleDraft {
  id: string;
  source: TriggerSource;
  enabled: boolean;
  feature: string;
  threshold: string;
  maxDrop: string;
  windowHours: string;
  minCount: string;
  /** Blank: the source's default. */
  cooldownHours: string;
  notify: boolean;
  pipeline: boolean;
  webhookUrl: string;
  webhookSecret: string;
}

const opt = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

function draftOf(r: TriggerRule): RuleDraft {
  return {
    id: r.id,
    source: r.source,
    enabled: r.enabled,
    feature: r.feature ?? '',
    threshold: opt(r.threshold),
    maxDrop: opt(r.maxDrop),
    windowHours: String(r.windowHours),
    minCount: String(r.minCount),
    cooldownHours: opt(r.cooldownHours),
    notify: r.actions.notify,
    pipeline: r.actions.pipeline,
    webhookUrl: r.actions.webhook?.url ?? '',
    webhookSecret: r.actions.webhook?.secret ?? '',
  };
}

function ruleOf(d: RuleDraft): TriggerRule {
  const quality = d.source === 'online-quality' || d.source === 'feedback';
  return {
    id: d.id.trim(),
    source: d.source,
    enabled: d.enabled,
    feature: d.source === 'drift' && d.feature.trim() ? d.feature.trim() : null,
    threshold: quality ? numberOr(d.threshold, null) : null,
    maxDrop: quality ? numberOr(d.maxDrop, null) : null,
    windowHours: numberOr(d.windowHours, NaN),
    minCount: quality ? numberOr(d.minCount, NaN) : numberOr(d.minCount, 0),
    ...(d.cooldownHours.trim() ? { cooldownHours: numberOr(d.cooldownHours, NaN) } : {}),
    actions: { notify: d.notify, pipeline: d.pipeline, webhook: d.webhookUrl.trim() || d.webhookSecret ? { url: d.webhookUrl.trim(), secret: d.webhookSecret } : null },
  };
}

/** A `datetime-local` value in the browser's time zone, and back to an ISO instant ('' stays '' for the server to name). */
const localInput = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
};
const isoOf = (local: string) => (local && !Number.isNaN(Date.parse(local)) ? new Date(local).toISOString() : local);

export function ChecksSettings({ service, environment }: { service: string; environment: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(trpc.checks.get.queryOptions({ service, environment }));
  // Held here: a save reloads the settings, which draws the form afresh from them, and its outcome stays shown.
  const save = useMutation(
    trpc.checks.update.mutationOptions({
      onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: trpc.checks.pathKey() }), qc.invalidateQueries({ queryKey: trpc.environments.pathKey() })]),
    }),
  );
  return (
    <Card role="region" aria-label="Production checks">
      <CardHeader
        title="Production checks"
        description="What watches this environment once a release serves it: drift reports on gateway traffic, online evals of sampled requests, scheduled smoke tests, and the rules that act on what they find."
      />
      {q.isLoading ? <Loading /> : null}
      <LoadError error={q.error} />
      {q.data ? <ChecksForm key={JSON.stringify(q.data.checks)} service={service} environment={environment} checks={q.data.checks} defaultTriggers={q.data.defaultTriggers} save={save} /> : null}
    </Card>
  );
}

type Save = ReturnType<typeof useMutation<RouterOutputs['checks']['update'], unknown, RouterInputs['checks']['update']>>;

function ChecksForm({ service, environment, checks, defaultTriggers, save }: { service: string; environment: string; checks: ProductionChecks; defaultTriggers: TriggerRule[]; save: Save }) {
  const trpc = useTRPC();
  const canWrite = useCan('environments:write');
  const canReadSecrets = useCan('secrets:read');
  const suites = useQuery(trpc.evals.listSuites.queryOptions({ service }));
  const datasets = useQuery(trpc.datasets.list.queryOptions({ service }));
  const secrets = useQuery(trpc.secrets.list.queryOptions(undefined, { enabled: canReadSecrets }));
  const d = checks.drift;
  const [referenceKind, setReferenceKind] = useState<DriftReference['kind']>(d.reference.kind);
  const [custom, setCustom] = useState(checks.triggers !== null);
  const [rules, setRules] = useState<RuleDraft[]>((checks.triggers ?? defaultTriggers).map(draftOf));
  const fields = fieldErrors(save.error);
  // The server names fields under `checks.`; a message for a whole object (a rule, the reference) shows on its
  // first field.
  const at = (path: string): string | undefined => fields[`checks.${path}`] ?? fields[path];
  const under = (path: string): string | undefined => {
    const key = Object.keys(fields).find((k) => k.startsWith(`checks.${path}.`) || k.startsWith(`${path}.`));
    return key ? fields[key] : undefined;
  };

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (name: string) => numberOr(f.get(name), NaN);
    const text = (name: string) => String(f.get(name) ?? '').trim();
    const reference: DriftReference =
      referenceKind === 'release-start'
        ? { kind: 'release-start', hours: num('reference.hours') }
        : referenceKind === 'period'
          ? { kind: 'period', from: isoOf(text('reference.from')), to: isoOf(text('reference.to')) }
          : { kind: 'dataset', dataset: text('reference.dataset'), version: numberOr(f.get('reference.version'), null) };
    const next: ProductionChecks = {
      drift: {
        enabled: f.get('drift.enabled') === 'on',
        everyMinutes: num('drift.everyMinutes'),
        reference,
        currentHours: num('drift.currentHours'),
        maxRows: num('drift.maxRows'),
        datasetDriftShare: num('drift.datasetDriftShare'),
        perRelease: f.get('drift.perRelease') === 'on',
        embeddingsModel: text('drift.embeddingsModel') || null,
      },
      onlineEvals: {
        enabled: f.get('onlineEvals.enabled') === 'on',
        suite: text('onlineEvals.suite') || null,
        samplePercent: num('onlineEvals.samplePercent'),
        dailyBudgetUsd: num('onlineEvals.dailyBudgetUsd'),
      },
      smoke: {
        enabled: f.get('smoke.enabled') === 'on',
        schedule: text('smoke.schedule'),
        suite: text('smoke.suite') || null,
        cases: num('smoke.cases'),
        afterRollouts: f.get('smoke.afterRollouts') === 'on',
      },
      triggers: custom ? rules.map(ruleOf) : null,
    };
    save.mutate({ service, environment, checks: next });
  }

  const setRule = (i: number, patch: Partial<RuleDraft>) => setRules((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const suiteNames = (suites.data ?? []).map((s) => s.name);
  const secretNames = (secrets.data ?? []).filter((s) => s.purposes.includes('webhook_signing')).map((s) => s.name);

  return (
    <form onSubmit={onSubmit} className="grid gap-6 px-5 py-4" aria-label={`Production checks of ${environment}`} onChange={() => save.isSuccess && save.reset()}>
      <fieldset disabled={!canWrite || save.isPending} className="grid gap-6">
        <Section title="Drift reports" description="Each report compares a reference window with the latest traffic, feature by feature (KS / chi-squared / z-test up to 1,000 reference rows at p < 0.05, normed Wasserstein / Jensen–Shannon above at 0.1), and the input and output texts with a domain classifier.">
          <Checkbox name="drift.enabled" label="Run reports on a schedule" defaultChecked={d.enabled} className="sm:col-span-2 lg:col-span-3" />
          <Field label="Every (minutes)" hint="5 to 10,080; Run now works either way" error={at('drift.everyMinutes')}>
            <Input name="drift.everyMinutes" inputMode="numeric" defaultValue={d.everyMinutes} />
          </Field>
          <Field label="Current window (hours)" hint="The latest hours of traffic, 0.25 to 720" error={at('drift.currentHours')}>
            <Input name="drift.currentHours" inputMode="decimal" defaultValue={d.currentHours} />
          </Field>
          <Field label="Max requests per window" hint="Sampled evenly when there are more, 100 to 50,000" error={at('drift.maxRows')}>
            <Input name="drift.maxRows" inputMode="numeric" defaultValue={d.maxRows} />
          </Field>
          <Field label="Reference window" error={at('drift.reference.kind') ?? at('drift.reference')}>
            <Select value={referenceKind} onChange={(e) => setReferenceKind(e.target.value as DriftReference['kind'])}>
              {REFERENCE_KINDS.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.label}
                </option>
              ))}
            </Select>
          </Field>
          {referenceKind === 'release-start' ? (
            <Field label="Reference hours" hint="The first hours of traffic of the release that serves most now, 1 to 720" error={at('drift.reference.hours')}>
              <Input name="reference.hours" inputMode="decimal" defaultValue={d.reference.kind === 'release-start' ? d.reference.hours : 24} />
            </Field>
          ) : null}
          {referenceKind === 'period' ? (
            <>
              <Field label="Reference from" error={at('drift.reference.from')}>
                <Input name="reference.from" type="datetime-local" step={1} defaultValue={d.reference.kind === 'period' ? localInput(d.reference.from) : ''} />
              </Field>
              <Field label="Reference to" error={at('drift.reference.to')}>
                <Input name="reference.to" type="datetime-local" step={1} defaultValue={d.reference.kind === 'period' ? localInput(d.reference.to) : ''} />
              </Field>
            </>
          ) : null}
          {referenceKind === 'dataset' ? (
            <>
              <Field label="Dataset" hint="Its cases’ inputs: input text and input tokens only" error={at('drift.reference.dataset')}>
                <Select name="reference.dataset" defaultValue={d.reference.kind === 'dataset' ? d.reference.dataset : ''} key={datasets.data ? 'loaded' : 'loading'}>
                  <option value="">Choose a dataset</option>
                  {withCurrent(d.reference.kind === 'dataset' ? d.reference.dataset : null, (datasets.data ?? []).map((x) => x.name)).map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Dataset version" hint="Blank: the latest" error={at('drift.reference.version')}>
                <Input name="reference.version" inputMode="numeric" defaultValue={d.reference.kind === 'dataset' ? opt(d.reference.version) : ''} />
              </Field>
            </>
          ) : null}
          <Field label="Dataset drift share" hint="The share of drifted features that makes dataset drift, above 0 up to 1" error={at('drift.datasetDriftShare')}>
            <Input name="drift.datasetDriftShare" inputMode="decimal" defaultValue={d.datasetDriftShare} />
          </Field>
          <Field label="Embeddings model" hint="model@version of a registered OpenAI-compatible endpoint for embedding drift; blank: none" error={at('drift.embeddingsModel')}>
            <Input name="drift.embeddingsModel" defaultValue={d.embeddingsModel ?? ''} placeholder="embedder@1" />
          </Field>
          <Checkbox name="drift.perRelease" label="Also a report per release arm when several releases serve (canaries)" defaultChecked={d.perRelease} className="sm:col-span-2 lg:col-span-3" />
        </Section>

        <Section title="Online evals" description="A share of live requests (not shadow or smoke traffic) scored off the request path with the suite’s assertions that need no expected answer; model-graded ones within the daily budget.">
          <Checkbox name="onlineEvals.enabled" label="Score sampled live requests" defaultChecked={checks.onlineEvals.enabled} className="sm:col-span-2 lg:col-span-3" />
          <Field label="Eval suite" error={at('onlineEvals.suite')}>
            <Select name="onlineEvals.suite" defaultValue={checks.onlineEvals.suite ?? ''} key={suites.data ? 'loaded' : 'loading'}>
              <option value="">None</option>
              {withCurrent(checks.onlineEvals.suite, suiteNames).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Requests scored (%)" hint="0 to 100" error={at('onlineEvals.samplePercent')}>
            <Input name="onlineEvals.samplePercent" inputMode="decimal" defaultValue={checks.onlineEvals.samplePercent} />
          </Field>
          <Field label="Daily budget (USD)" hint="For model-graded assertions per UTC day; past it only deterministic ones run" error={at('onlineEvals.dailyBudgetUsd')}>
            <Input name="onlineEvals.dailyBudgetUsd" inputMode="decimal" defaultValue={checks.onlineEvals.dailyBudgetUsd} />
          </Field>
        </Section>

        <Section title="Smoke tests" description="The first cases of the suite’s dataset sent through the gateway to every routed release, tagged so they stay out of user metrics and cost.">
          <Checkbox name="smoke.enabled" label="Run on a schedule" defaultChecked={checks.smoke.enabled} className="sm:col-span-2 lg:col-span-3" />
          <Field label="Schedule (cron, UTC)" hint={
              <>
                Five fields: minute hour day month weekday, e.g. <code className="font-mono whitespace-nowrap">*/15 * * * *</code>
              </>
            } error={at('smoke.schedule')}>
            <Input name="smoke.schedule" defaultValue={checks.smoke.schedule} className="font-mono" />
          </Field>
          <Field label="Eval suite" error={at('smoke.suite')}>
            <Select name="smoke.suite" defaultValue={checks.smoke.suite ?? ''} key={suites.data ? 'loaded' : 'loading'}>
              <option value="">None</option>
              {withCurrent(checks.smoke.suite, suiteNames).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Cases" hint="1 to 50" error={at('smoke.cases')}>
            <Input name="smoke.cases" inputMode="numeric" defaultValue={checks.smoke.cases} />
          </Field>
          <Checkbox name="smoke.afterRollouts" label="Also after every rollout step and rollback" defaultChecked={checks.smoke.afterRollouts} className="sm:col-span-2 lg:col-span-3" />
        </Section>

        <fieldset className="grid gap-3">
          <legend className="mb-1 text-sm font-semibold">Trigger rules</legend>
          <p className="text-sm text-muted-fg">When drift, online quality or feedback crosses a rule, or a smoke test fails, an event is recorded once per report, run or window and its actions run; then the rule stays quiet for its cooldown.</p>
          <div role="radiogroup" aria-label="Trigger rules" className="flex flex-wrap gap-x-5 gap-y-2">
            <label className="flex items-center gap-2 text-sm">
              <input type="radio" name="triggers.mode" checked={!custom} onChange={() => setCustom(false)} className="accent-primary" /> The defaults
            </label>
            <label className="flex items-center gap-2 text-sm">
              <input type="radio" name="triggers.mode" checked={custom} onChange={() => setCustom(true)} className="accent-primary" /> Rules of this environment
            </label>
          </div>
          {!custom ? (
            <ul className="grid gap-1 rounded-md border border-border px-3 py-2 text-sm">
              {defaultTriggers.map((r) => (
                <li key={r.id}>
                  <span className="font-mono text-xs">{r.id}</span> — {describeRule(r)}
                </li>
              ))}
            </ul>
          ) : (
            <>
              {rules.map((r, i) => (
                <RuleEditor key={i} index={i} rule={r} onChange={(patch) => setRule(i, patch)} onRemove={() => setRules((rs) => rs.filter((_, j) => j !== i))} at={(k) => at(`triggers.${i}.${k}`) ?? (k === 'id' ? at(`triggers.${i}`) : undefined)} under={(k) => under(`triggers.${i}.${k}`)} secrets={withCurrent(r.webhookSecret || null, secretNames)} />
              ))}
              {!rules.length ? <p className="text-sm text-muted-fg">No rules: nothing fires. Add one, or go back to the defaults.</p> : null}
              {at('triggers') ? (
                <p role="alert" className="text-xs text-danger">
                  {at('triggers')}
                </p>
              ) : null}
              <div>
                <Button variant="secondary" size="sm" disabled={rules.length >= 20} onClick={() => setRules((rs) => [...rs, draftOf({ id: nextId(rs), source: 'drift', enabled: true, feature: null, threshold: null, maxDrop: null, windowHours: 24, minCount: 0, actions: { notify: true, webhook: null, pipeline: false } })])}>
                  <Plus className="h-3.5 w-3.5" aria-hidden /> Add rule
                </Button>
              </div>
            </>
          )}
        </fieldset>
      </fieldset>
      <ErrorAlert error={save.error} besideFields />
      {save.isSuccess ? (
        <p role="status" className="text-sm text-success">
          Production checks saved.
        </p>
      ) : null}
      {canWrite ? (
        <div>
          <Button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save production checks'}
          </Button>
        </div>
      ) : (
        <p className="text-sm text-muted-fg">Changing these needs environments:write (approvers and admins).</p>
      )}
    </form>
  );
}

function Section({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <fieldset className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      <legend className="mb-2 text-sm font-semibold">{title}</legend>
      <p className="-mt-2 text-sm text-muted-fg sm:col-span-2 lg:col-span-3">{description}</p>
      {children}
    </fieldset>
  );
}

function RuleEditor({
  index,
  rule,
  onChange,
  onRemove,
  at,
  under,
  secrets,
}: {
  index: number;
  rule: RuleDraft;
  onChange: (patch: Partial<RuleDraft>) => void;
  onRemove: () => void;
  at: (key: string) => string | undefined;
  under: (key: string) => string | undefined;
  secrets: string[];
}) {
  const quality = rule.source === 'online-quality' || rule.source === 'feedback';
  const listId = `drift-features-${index}`;
  return (
    <fieldset className="grid gap-3 rounded-md border border-border px-3 py-3 sm:grid-cols-2 lg:grid-cols-4" aria-label={`Rule ${index + 1}`}>
      <legend className="sr-only">Rule {index + 1}</legend>
      <div className="flex flex-wrap items-center justify-between gap-2 sm:col-span-2 lg:col-span-4">
        <p className="text-sm font-medium">
          Rule {index + 1} {rule.enabled ? null : <Badge>off</Badge>}
        </p>
        <div className="flex items-center gap-3">
          <Checkbox label="Enabled" checked={rule.enabled} onChange={(e) => onChange({ enabled: e.target.checked })} />
          <Button variant="ghost" size="icon" aria-label={`Remove rule ${index + 1}`} onClick={onRemove}>
            <Trash2 className="h-4 w-4" aria-hidden />
          </Button>
        </div>
      </div>
      <Field label="Rule id" hint="Lowercase letters, digits and dashes" error={at('id')}>
        <Input value={rule.id} onChange={(e) => onChange({ id: e.target.value })} className="font-mono" />
      </Field>
      <Field label="When" error={at('source')}>
        <Select value={rule.source} onChange={(e) => onChange({ source: e.target.value as TriggerSource })}>
          {SOURCES.map((s) => (
            <option key={s.id} value={s.id}>
              {s.label}
            </option>
          ))}
        </Select>
      </Field>
      {rule.source === 'drift' ? (
        <Field label="Feature" hint="Blank: when the report shows dataset drift" error={at('feature')}>
          <Input value={rule.feature} onChange={(e) => onChange({ feature: e.target.value })} list={listId} placeholder="dataset drift" />
        </Field>
      ) : null}
      {rule.source === 'drift' ? (
        <datalist id={listId}>
          {DRIFT_FEATURES.map((f) => (
            <option key={f} value={f}>
              {featureLabel(f)}
            </option>
          ))}
        </datalist>
      ) : null}
      {quality ? (
        <>
          <Field label={rule.source === 'feedback' ? 'Below mean score' : 'Below pass rate'} hint={rule.source === 'feedback' ? '−1 to 1; blank: no floor' : '0 to 1; blank: no floor'} error={at('threshold')}>
            <Input value={rule.threshold} onChange={(e) => onChange({ threshold: e.target.value })} inputMode="decimal" />
          </Field>
          <Field label="Or a drop of more than" hint="From the window before; blank: off" error={at('maxDrop')}>
            <Input value={rule.maxDrop} onChange={(e) => onChange({ maxDrop: e.target.value })} inputMode="decimal" />
          </Field>
          <Field label="Window (hours)" error={at('windowHours')}>
            <Input value={rule.windowHours} onChange={(e) => onChange({ windowHours: e.target.value })} inputMode="decimal" />
          </Field>
          <Field label="At least (scores)" hint="In each window compared" error={at('minCount')}>
            <Input value={rule.minCount} onChange={(e) => onChange({ minCount: e.target.value })} inputMode="numeric" />
          </Field>
        </>
      ) : null}
      <Field label="Quiet after firing (hours)" hint={`Blank: ${DEFAULT_COOLDOWN_HOURS[rule.source]} h for this source; 0: fire every time`} error={at('cooldownHours')}>
        <Input value={rule.cooldownHours} onChange={(e) => onChange({ cooldownHours: e.target.value })} inputMode="decimal" placeholder={String(DEFAULT_COOLDOWN_HOURS[rule.source])} />
      </Field>
      <div className="grid gap-2 sm:col-span-2 lg:col-span-4">
        <p className="text-sm font-medium">Then</p>
        <div className="flex flex-wrap gap-x-5 gap-y-2">
          <Checkbox label="Notify (the environment’s notification webhook)" checked={rule.notify} onChange={(e) => onChange({ notify: e.target.checked })} />
          <Checkbox label="Start the service’s pipeline" checked={rule.pipeline} onChange={(e) => onChange({ pipeline: e.target.checked })} />
        </div>
      </div>
      <div className="sm:col-span-2">
        <Field label="Retraining webhook URL" hint="POSTed the event with the report and where its samples are, signed with HMAC-SHA256; blank: none" error={at('actions.webhook.url') ?? (rule.webhookUrl ? undefined : under('actions.webhook'))}>
          <Input value={rule.webhookUrl} onChange={(e) => onChange({ webhookUrl: e.target.value })} placeholder="https://ml.example.com/retrain" inputMode="url" />
        </Field>
      </div>
      <div className="sm:col-span-2">
        <Field label="Signing secret" hint="A stored secret of purpose webhook_signing" error={at('actions.webhook.secret')}>
          <Select value={rule.webhookSecret} onChange={(e) => onChange({ webhookSecret: e.target.value })}>
            <option value="">None</option>
            {secrets.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </Field>
      </div>
    </fieldset>
  );
}

/** A rule in a sentence, for the list of defaults. */
export function describeRule(r: TriggerRule): string {
  const then = [r.actions.notify ? 'notify' : null, r.actions.webhook ? 'call the retraining webhook' : null, r.actions.pipeline ? 'start the pipeline' : null].filter(Boolean).join(', ') || 'record an event';
  const when =
    r.source === 'drift'
      ? r.feature
        ? `when ${featureLabel(r.feature)} drifts`
        : 'when a report shows dataset drift'
      : r.source === 'smoke'
        ? 'when a smoke test fails'
        : `when ${r.source === 'feedback' ? 'the mean feedback score' : 'the online pass rate'} over ${r.windowHours} h ${[r.threshold !== null ? `falls below ${r.threshold}` : null, r.maxDrop !== null ? `drops by more than ${r.maxDrop}` : null].filter(Boolean).join(' or ')}${r.minCount ? ` (at least ${r.minCount} scores)` : ''}`;
  const quiet = r.cooldownHours ?? DEFAULT_COOLDOWN_HOURS[r.source];
  return `${when}: ${then}${quiet > 0 ? `, then stay quiet for ${quiet} h` : ''}.`;
}

function nextId(rules: RuleDraft[]): string {
  for (let i = rules.length + 1; ; i++) if (!rules.some((r) => r.id === `rule-${i}`)) return `rule-${i}`;
}

/** Names for a select, keeping the configured one even when the list lacks it. */
function withCurrent(current: string | null, names: string[]): string[] {
  return current && !names.includes(current) ? [current, ...names] : names;
}
