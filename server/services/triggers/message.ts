// What a trigger event says: its one-sentence summary, the notification (the Slack-compatible shape alerts send)
// and the retraining webhook's JSON body. Everything is built from the event's stored row, so a retry sends the
// same body as the first attempt.
import type { DriftReport, FeatureDrift, SmokeRun, TextDrift, TriggerEvent, TriggerRule, TriggerSource } from '@/db/schema';
import type { SlackMessage } from '../notifications/webhook';

/** The figures of one online-quality or feedback window. */
export interface WindowFigures {
  /** Scores (online-quality) or feedback scores (feedback) in the window. */
  count: number;
  /** Online pass rate (0–1), or mean feedback score (−1…1); null without scores. */
  value: number | null;
}

export interface QualityData {
  kind: 'quality';
  metric: 'online-pass-rate' | 'feedback-mean';
  windowHours: number;
  windowStart: string;
  windowEnd: string;
  current: WindowFigures;
  previous: WindowFigures;
  /** Which limits the window crossed. */
  crossed: ('threshold' | 'drop')[];
  threshold: number | null;
  maxDrop: number | null;
  minCount: number;
}

export interface DriftedItem {
  feature: string;
  method: string;
  statistic: number;
  pValue: number | null;
  threshold: number;
}

export interface DriftData {
  kind: 'drift';
  reportId: string;
  status: DriftReport['status'];
  reportAt: string;
  releaseNumber: number | null;
  reference: DriftReport['reference'];
  current: DriftReport['current'];
  driftedShare: number | null;
  datasetDrift: boolean;
  datasetDriftShare: number;
  /** The feature the rule names (null: dataset drift). */
  feature: string | null;
  drifted: DriftedItem[];
  /** Every tested feature and text field without histograms: what the retraining webhook carries as the report. */
  features: Omit<FeatureDrift, 'histogram'>[];
  text: Omit<TextDrift, 'topNgrams'>[];
}

export interface SmokeData {
  kind: 'smoke';
  runId: string;
  status: SmokeRun['status'];
  trigger: SmokeRun['trigger'];
  key: string;
  cases: number;
  passed: number;
  error: string | null;
  startedAt: string;
  failures: { caseIndex: number; releaseNumber: number | null; status: number; reason: string; requestId: string }[];
}

export type TriggerData = DriftData | QualityData | SmokeData;

/** Text drift reads as a feature named `input_text` / `output_text` (rules may name it so); the name is the drift library's. */
export { textFeature } from '@/server/drift';

const pct = (v: number) => `${(v * 100).toFixed(v >= 0.995 || v < 0.1 ? 0 : 1).replace(/\.0$/, '')}%`;
const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));
const hours = (h: number) => (h < 1 ? `${Math.round(h * 60)} min` : `${Number(h.toFixed(2))} h`);

function driftedWords(d: DriftedItem): string {
  if (d.pValue !== null) return `${d.feature} (${d.method} p=${d.pValue < 0.001 ? d.pValue.toExponential(1) : d.pValue.toFixed(3)} < ${d.threshold})`;
  const above = d.method === 'domain-classifier' || d.method === 'embeddings-classifier' ? `AUC ${num(d.statistic)} > ${d.threshold}` : `${num(d.statistic)} ≥ ${d.threshold}`;
  return `${d.feature} (${d.method} ${above})`;
}

export function driftSummary(d: DriftData): string {
  const whose = d.releaseNumber === null ? 'the environment' : `release #${d.releaseNumber}`;
  const tested = d.features.filter((f) => !f.skipped).length + d.text.filter((t) => !t.skipped).length;
  const list = d.drifted.slice(0, 4).map(driftedWords).join(', ') + (d.drifted.length > 4 ? ` and ${d.drifted.length - 4} more` : '');
  if (d.feature === null) {
    return `dataset drift in ${whose}: ${d.drifted.length} of ${tested} features drifted (${d.driftedShare === null ? '—' : pct(d.driftedShare)}, the rule is ${pct(d.datasetDriftShare)})${list ? `: ${list}` : ''}`;
  }
  return `${d.feature} drifted in ${whose}: ${d.drifted.filter((x) => x.feature === d.feature).map(driftedWords).join(', ')}`;
}

export function qualitySummary(q: QualityData): string {
  const what = q.metric === 'online-pass-rate' ? 'online pass rate' : 'mean feedback';
  const fmt = (v: number | null) => (v === null ? '—' : q.metric === 'online-pass-rate' ? pct(v) : num(v));
  const unit = q.metric === 'online-pass-rate' ? 'scores' : 'feedback scores';
  const parts: string[] = [];
  if (q.crossed.includes('threshold')) parts.push(`is below ${fmt(q.threshold)}`);
  if (q.crossed.includes('drop') && q.previous.value !== null && q.current.value !== null)
    parts.push(`dropped ${q.metric === 'online-pass-rate' ? `${((q.previous.value - q.current.value) * 100).toFixed(1)} points` : num(q.previous.value - q.current.value)} from ${fmt(q.previous.value)} the ${hours(q.windowHours)} before (limit ${q.metric === 'online-pass-rate' ? `${((q.maxDrop ?? 0) * 100).toFixed(1)} points` : num(q.maxDrop ?? 0)})`);
  return `${what} ${fmt(q.current.value)} over the ${hours(q.windowHours)} to ${q.windowEnd.slice(11, 16)} UTC (${q.current.count} ${unit}) ${parts.join(' and ')}`;
}

export function smokeSummary(s: SmokeData): string {
  if (s.status === 'error') return `smoke test could not run (${s.trigger}): ${s.error ?? 'no reason given'}`;
  const releases = [...new Set(s.failures.map((f) => f.releaseNumber).filter((n): n is number => n !== null))].sort((a, b) => a - b);
  return `smoke test failed (${s.trigger}): ${s.cases - s.passed} of ${s.cases} cases failed${releases.length ? ` on release${releases.length > 1 ? 's' : ''} ${releases.map((n) => `#${n}`).join(', ')}` : ''}${s.failures[0] ? ` — first: ${s.failures[0].reason}` : ''}`;
}

export function summaryOf(data: TriggerData): string {
  return data.kind === 'drift' ? driftSummary(data) : data.kind === 'quality' ? qualitySummary(data) : smokeSummary(data);
}

const TAGS: Record<TriggerSource, string> = { drift: 'DRIFT', 'online-quality': 'QUALITY', feedback: 'FEEDBACK', smoke: 'SMOKE' };

export interface EventLinks {
  /** The environment page's tab for what fired it (the drift report itself for drift). */
  detail: string;
  /** The Alerts page of the environment, where its trigger events are listed. */
  events: string;
  environment: string;
}

export function eventLinks(baseUrl: string, service: string, environment: string, event: Pick<TriggerEvent, 'source' | 'sourceKey'>): EventLinks {
  const envUrl = `${baseUrl}/services/${service}/environments/${environment}`;
  return {
    detail: event.source === 'drift' ? `${envUrl}?tab=drift&report=${encodeURIComponent(event.sourceKey)}` : `${envUrl}?tab=checks`,
    events: `${baseUrl}/alerts?service=${encodeURIComponent(service)}&environment=${encodeURIComponent(environment)}`,
    environment: envUrl,
  };
}

/** The notification of a trigger event, in the shape and tone of alerts' messages. */
export function triggerMessage(event: TriggerEvent & { service: string }, baseUrl: string): SlackMessage {
  const where = `${event.service}/${event.environment}`;
  const links = eventLinks(baseUrl, event.service, event.environment, event);
  const text = `[${TAGS[event.source]}] ${where}: ${event.summary}; rule ${event.ruleId}`;
  const detailWords = event.source === 'drift' ? 'Drift report' : 'Checks';
  return {
    text: `${text}\n${links.detail}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${links.detail}|${detailWords} of ${where}> · <${links.events}|Production checks of ${where}>` }] },
    ],
  };
}

/** The rule as the webhook receiver sees it: what it watches and its limits (the secret's name stays here). */
function publicRule(rule: TriggerRule) {
  return { id: rule.id, source: rule.source, feature: rule.feature, threshold: rule.threshold, maxDrop: rule.maxDrop, windowHours: rule.windowHours, minCount: rule.minCount };
}

/** Where the kept samples of a drift report's windows are read: the `drift.samples` API (a Bearer API token). */
export function samplesLocation(baseUrl: string, reportId: string) {
  const at = (window: 'reference' | 'current') => ({
    procedure: 'drift.samples',
    input: { id: reportId, window },
    url: `${baseUrl}/api/trpc/drift.samples?input=${encodeURIComponent(JSON.stringify({ json: { id: reportId, window } }))}`,
  });
  return { reference: at('reference'), current: at('current') };
}

/** The retraining webhook's JSON body. */
export function webhookBody(event: TriggerEvent & { service: string }, baseUrl: string): string {
  const data = event.data as unknown as TriggerData;
  const links = eventLinks(baseUrl, event.service, event.environment, event);
  const base = {
    event: `trigger.${event.source}`,
    id: event.id,
    at: event.at.toISOString(),
    summary: event.summary,
    rule: publicRule(event.rule),
    service: event.service,
    environment: event.environment,
    release: event.releaseNumber === null ? null : { number: event.releaseNumber, ref: `${event.service}#${event.releaseNumber}` },
    sourceKey: event.sourceKey,
    links,
  };
  if (data.kind === 'drift') {
    const { kind: _kind, ...report } = data;
    return JSON.stringify({ ...base, report: { id: data.reportId, url: links.detail, ...report }, samples: samplesLocation(baseUrl, data.reportId) });
  }
  if (data.kind === 'quality') {
    const { kind: _kind, ...figures } = data;
    return JSON.stringify({ ...base, figures });
  }
  const { kind: _kind, ...run } = data;
  return JSON.stringify({ ...base, smokeRun: run });
}
