// The webhook messages of an alert: one when it fires, one when it resolves, in the Slack-compatible shape the
// release flow's notifications use (plain text for clients that read only `text`, Block Kit for Slack).
import type { Alert } from '@/db/schema';
import type { SlackMessage } from '../notifications/webhook';
import { formatMeasure, OBJECTIVE_WORDS } from './words';

const burnWords = (b: number | null) => (b === null ? 'no data' : `${b >= 100 ? Math.round(b) : b.toFixed(1)}×`);

function duration(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  return min < 90 ? `${min} min` : `${(min / 60).toFixed(1)} h`;
}

/** What the alert watches, in one phrase: "error rate (objective 2.00%)". */
export function alertSubject(a: Pick<Alert, 'objective' | 'objectiveValue'>): string {
  return `${OBJECTIVE_WORDS[a.objective].toLowerCase()} (objective ${formatMeasure(a.objective, a.objectiveValue)})`;
}

export function alertMessage(a: Alert & { service: string }, event: 'fire' | 'resolve', baseUrl: string): SlackMessage {
  const where = `${a.service}/${a.environment}`;
  const { long, short } = event === 'fire' ? a.figures.start : a.figures.last;
  const windows = `${burnWords(long.burnRate)} over ${a.rule.longWindowMinutes} min (${formatMeasure(a.objective, long.value)}), ${burnWords(short.burnRate)} over ${a.rule.shortWindowMinutes} min (${formatMeasure(a.objective, short.value)})`;
  const text =
    event === 'fire'
      ? `[${a.severity.toUpperCase()}] ${where}: ${alertSubject(a)} is burning its budget: ${windows}; the rule fires above ${a.rule.burnRate}×`
      : `[RESOLVED] ${where}: ${alertSubject(a)} is back under ${a.rule.burnRate}× after ${duration((a.endedAt ?? a.lastEvaluatedAt).getTime() - a.startedAt.getTime())}; peak ${burnWords(a.peakBurnRate)} (${formatMeasure(a.objective, a.peakValue)})`;
  const alertsUrl = `${baseUrl}/alerts?service=${encodeURIComponent(a.service)}&environment=${encodeURIComponent(a.environment)}`;
  const envUrl = `${baseUrl}/services/${a.service}/environments/${a.environment}`;
  return {
    text: `${text}\n${alertsUrl}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${alertsUrl}|Alerts of ${where}> · <${envUrl}|Open ${where}>` }] },
    ],
  };
}
