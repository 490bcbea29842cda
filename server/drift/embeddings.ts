// Embedding drift: the domain classifier of ./classifier.ts on dense vectors (one per text, from an embeddings
// endpoint). Each dimension is standardised (mean 0, standard deviation 1) and the vector
// scaled by 1/√dimensions, so the step size suits any embedding width. The statistics come from all rows of both
// windows (no labels are used, so nothing of the answer leaks into the test half). Reports the held-out ROC AUC
// against the same threshold as text drift; there are no n-grams to show.
import type { TextDrift } from '@/db/schema/production';
import { domainClassifier, validateClassifierOptions, type SparseRow } from './classifier';
import { skippedResult, tooFewRows } from './text';

export function embeddingDrift(
  field: 'input' | 'output',
  reference: number[][],
  current: number[][],
  opts: { seed?: number; permutations?: number; minRows?: number } = {},
): TextDrift {
  if (field !== 'input' && field !== 'output') throw new Error(`embeddingDrift: field must be input or output, got ${JSON.stringify(field)}`);
  const { seed, permutations, minRows } = validateClassifierOptions(`embeddingDrift(${field})`, opts);
  const skipped = tooFewRows(reference.length, current.length, minRows);
  if (skipped) return skippedResult(field, 'embeddings-classifier', reference.length, current.length, skipped);
  const vectors = [...reference, ...current];
  const dim = vectors[0]?.length ?? 0;
  if (dim === 0) throw new Error(`embeddingDrift(${field}): reference[0] must be a non-empty vector`);
  vectors.forEach((v, i) => {
    const where = i < reference.length ? `reference[${i}]` : `current[${i - reference.length}]`;
    if (!Array.isArray(v) || v.length !== dim) throw new Error(`embeddingDrift(${field}): every vector needs ${dim} numbers like reference[0]; ${where} has ${Array.isArray(v) ? v.length : 'none'}`);
    for (const x of v) if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`embeddingDrift(${field}): ${where} holds a value that is not a finite number`);
  });
  const labels = new Uint8Array(vectors.length);
  labels.fill(1, reference.length);
  const meanOf = new Float64Array(dim);
  const sdOf = new Float64Array(dim);
  for (const v of vectors) for (let j = 0; j < dim; j++) meanOf[j]! += v[j]! / vectors.length;
  for (const v of vectors) for (let j = 0; j < dim; j++) sdOf[j]! += (v[j]! - meanOf[j]!) ** 2 / vectors.length;
  const scale = 1 / Math.sqrt(dim);
  for (let j = 0; j < dim; j++) sdOf[j] = sdOf[j]! > 0 ? Math.sqrt(sdOf[j]!) : 1;
  const idx = Int32Array.from({ length: dim }, (_, j) => j);
  const rows: SparseRow[] = vectors.map((v) => ({ idx, val: Float64Array.from(v, (x, j) => ((x - meanOf[j]!) / sdOf[j]!) * scale) }));
  const result = domainClassifier(rows, labels, dim, { seed, permutations, referenceRows: reference.length });
  return {
    field,
    method: 'embeddings-classifier',
    auc: result.auc,
    threshold: result.threshold,
    drifted: result.drifted,
    referenceRows: reference.length,
    currentRows: current.length,
    topNgrams: [],
    skipped: null,
  };
}
