// Words for drift reports, shared by the Drift tab and the Monitoring panel: feature and method names, statistics
// and p-values as people read them, and the verdict of a report in one sentence.
import { formatPercent } from '@/components/format';
import type { DriftMethod, DriftReport, FeatureDrift, TextDrift } from '@/db/schema';

const FEATURE_LABELS: Record<string, string> = {
  input_tokens: 'Input tokens',
  output_tokens: 'Output tokens',
  latency_ms: 'Latency (ms)',
  ttft_ms: 'Time to first token (ms)',
  cost_usd: 'Cost (USD)',
  refusal: 'Refusals',
  json_valid: 'Valid JSON',
  finish_reason: 'Finish reason',
  feedback: 'Feedback score',
  input_text: 'Input text',
  output_text: 'Output text',
};

export function featureLabel(feature: string): string {
  return FEATURE_LABELS[feature] ?? feature.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function textLabel(field: 'input' | 'output'): string {
  return field === 'input' ? 'Input text' : 'Output text';
}

/** Each method's name, the symbol of its statistic, and whether it is a test (p-value) or a distance. */
export const METHODS: Record<DriftMethod, { name: string; short: string; symbol: string; test: boolean }> = {
  ks: { name: 'Kolmogorov–Smirnov test', short: 'KS test', symbol: 'D', test: true },
  'chi-squared': { name: 'chi-squared test', short: 'chi-squared', symbol: 'χ²', test: true },
  'z-test': { name: 'two-proportion z-test', short: 'z-test', symbol: 'z', test: true },
  wasserstein: { name: 'Wasserstein distance (normed)', short: 'Wasserstein', symbol: 'W', test: false },
  'jensen-shannon': { name: 'Jensen–Shannon distance', short: 'Jensen–Shannon', symbol: 'JS', test: false },
  psi: { name: 'population stability index', short: 'PSI', symbol: 'PSI', test: false },
  'domain-classifier': { name: 'domain classifier', short: 'classifier', symbol: 'AUC', test: false },
  'embeddings-classifier': { name: 'embeddings classifier', short: 'embeddings', symbol: 'AUC', test: false },
};

export function methodOf(m: string): { name: string; short: string; symbol: string; test: boolean } {
  return METHODS[m as DriftMethod] ?? { name: m, short: m, symbol: 'statistic', test: false };
}

/** A statistic with three significant digits (0.412, 12.4, 0.00031). */
export function formatStat(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en');
  if (a < 0.001) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

/** The rule a feature was judged by: "p < 0.05" for tests, "≥ 0.1" for distances. */
export function ruleOf(f: Pick<FeatureDrift, 'method' | 'threshold' | 'pValue'>): string {
  return methodOf(f.method).test || f.pValue !== null ? `drift when p < ${formatStat(f.threshold)}` : `drift when ≥ ${formatStat(f.threshold)}`;
}

/** "KS test D = 0.412, p < 0.001" — the method and its figure. */
export function featureFigure(f: Pick<FeatureDrift, 'method' | 'statistic' | 'pValue'>): string {
  const m = methodOf(f.method);
  return `${m.short} ${m.symbol} = ${formatStat(f.statistic)}${f.pValue !== null ? `, p ${f.pValue < 0.001 ? '< 0.001' : `= ${formatP(f.pValue)}`}` : ''}`;
}

/** "AUC 0.83 above 0.62" — a text drift's figure against its threshold. */
export function textFigure(t: Pick<TextDrift, 'auc' | 'threshold' | 'drifted'>): string {
  if (t.auc === null) return 'not tested';
  return `AUC ${formatStat(t.auc)} ${t.drifted ? 'above' : 'within'} ${formatStat(t.threshold)}`;
}

export type ReportStatus = DriftReport['status'];

export const STATUS: Record<ReportStatus, { word: string; tone: 'danger' | 'success' | 'neutral' | 'warning' }> = {
  drift: { word: 'Drift', tone: 'danger' },
  'no-drift': { word: 'No drift', tone: 'success' },
  insufficient: { word: 'Not enough data', tone: 'neutral' },
  failed: { word: 'Failed', tone: 'warning' },
};

type ReportLike = Pick<DriftReport, 'status' | 'features' | 'text' | 'driftedShare' | 'datasetDrift' | 'error'> & { settings: Pick<DriftReport['settings'], 'datasetDriftShare'> };

/** What a report found, in a heading and a sentence under it. */
export function verdictOf(r: ReportLike): { title: string; detail: string } {
  const tested = r.features.filter((f) => !f.skipped).length + r.text.filter((t) => !t.skipped).length;
  const drifted = r.features.filter((f) => f.drifted).length + r.text.filter((t) => t.drifted).length;
  const share = r.driftedShare === null ? '' : ` (${formatPercent(r.driftedShare)}; dataset drift from ${formatPercent(r.settings.datasetDriftShare)})`;
  switch (r.status) {
    case 'failed':
      return { title: 'The report failed', detail: r.error ?? 'No reason was recorded.' };
    case 'insufficient':
      return { title: 'Not enough data to tell', detail: insufficientDetail(r) };
    case 'drift':
      return {
        title: r.datasetDrift ? `Dataset drift: ${drifted} of ${tested} drifted` : `Drift in ${drifted} of ${tested} tested`,
        detail: `${drifted} of ${tested} features and texts tested drifted${share}.`,
      };
    case 'no-drift':
      return {
        title: drifted ? `No dataset drift: ${drifted} of ${tested} drifted` : `No drift in ${tested} tested`,
        detail: drifted ? `${drifted} of ${tested} features and texts tested drifted${share}, below the dataset threshold.` : `None of the ${tested} features and texts tested drifted.`,
      };
  }
}

function insufficientDetail(r: ReportLike): string {
  const reasons = [...new Set([...r.features, ...r.text].map((x) => x.skipped).filter((s): s is string => Boolean(s)))];
  return reasons.length ? `Nothing could be tested: ${reasons.slice(0, 2).join('; ')}.` : 'Nothing could be tested: too few requests in a window.';
}

/** Drifted features and texts first, then the others tested, then the skipped; each group in its own order. */
export function byConcern<T extends { drifted: boolean; skipped: string | null }>(items: T[]): T[] {
  const rank = (x: T) => (x.drifted ? 0 : x.skipped ? 2 : 1);
  return items.map((x, i) => ({ x, i })).sort((a, b) => rank(a.x) - rank(b.x) || a.i - b.i).map(({ x }) => x);
}
