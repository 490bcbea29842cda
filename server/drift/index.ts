// The drift statistics library: pure functions over two windows of values (no database). See stats.ts for the
// tests and distances, features.ts for the method per feature, text.ts and embeddings.ts for the domain classifier.
import type { FeatureDrift, TextDrift } from '@/db/schema/production';

export * from './stats';
export * from './features';
export * from './text';
export * from './embeddings';
export { rocAuc, MIN_AUC_THRESHOLD, PERMUTATION_REFERENCE_ROWS, DEFAULT_PERMUTATIONS, DEFAULT_SEED } from './classifier';

/**
 * The name text drift goes by wherever a feature is named (trigger rules, the timeline, the CLI): `input_text`,
 * `output_text`, beside the numeric and categorical features' own names.
 */
export const textFeature = (t: Pick<TextDrift, 'field'>): string => `${t.field}_text`;

/**
 * Dataset drift: the share of tested columns (features and text fields not skipped) that drifted; the dataset
 * drifts when that share is at least `datasetDriftShare` (Evidently's rule, 0.5 by default). With nothing tested
 * the report is `insufficient`.
 */
export function driftVerdict(
  features: FeatureDrift[],
  text: TextDrift[],
  datasetDriftShare: number,
): { driftedShare: number | null; datasetDrift: boolean; status: 'drift' | 'no-drift' | 'insufficient' } {
  if (!(datasetDriftShare > 0 && datasetDriftShare <= 1)) throw new Error(`driftVerdict: datasetDriftShare must be above 0 and at most 1, got ${datasetDriftShare}`);
  const tested = [...features, ...text].filter((c) => c.skipped === null);
  if (tested.length === 0) return { driftedShare: null, datasetDrift: false, status: 'insufficient' };
  const driftedShare = tested.filter((c) => c.drifted).length / tested.length;
  const datasetDrift = driftedShare >= datasetDriftShare;
  return { driftedShare, datasetDrift, status: datasetDrift ? 'drift' : 'no-drift' };
}
