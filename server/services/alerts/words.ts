// How alerts are named for people, in messages, markers and the console (pure, so client components use it too).
import type { AlertObjective } from '@/db/schema/alerts';

export const OBJECTIVE_WORDS: Record<AlertObjective, string> = {
  'error-rate': 'Error rate',
  'p95-latency': 'p95 latency',
  'p95-ttft': 'p95 time to first token',
  'cost-per-request': 'Cost per request',
};

/** The objective's measure for people: "4.2%", "3,412 ms", "$0.0061". */
export function formatMeasure(objective: AlertObjective, value: number | null): string {
  if (value === null) return 'no data';
  if (objective === 'error-rate') return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)}%`;
  if (objective === 'cost-per-request') return `$${value.toPrecision(2)}`;
  return `${Math.round(value).toLocaleString('en-US')} ms`;
}
