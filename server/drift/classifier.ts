// The domain classifier behind text and embedding drift: can a model tell a current row from a reference row?
// Rows of both windows are split in halves, stratified by window (seeded); an L2-regularised logistic regression is
// trained on one half by stochastic gradient descent (seeded order, decaying step) and scores the other half.
// Its ROC AUC there (ties count half) is 0.5 when the windows are indistinguishable and 1 when they separate
// perfectly. The threshold is 0.55, or, when the reference has at most 1,000 rows (where the AUC of a useless
// classifier on a small test half can exceed 0.55 by chance), the 95th percentile of the AUCs the same held-out
// scores get under shuffled window labels, if higher.
import { seededRandom, shuffleInPlace } from './special';

/** A feature vector: the indices of its non-zero entries and their values. */
export interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

export const MIN_AUC_THRESHOLD = 0.55;
export const PERMUTATION_REFERENCE_ROWS = 1000;
export const DEFAULT_PERMUTATIONS = 200;
export const DEFAULT_SEED = 42;

const EPOCHS = 12;
const LEARNING_RATE = 0.5;
const L2 = 1e-3;

export interface LogisticModel {
  weights: Float64Array;
  bias: number;
}

function dot(row: SparseRow, w: Float64Array): number {
  let s = 0;
  for (let k = 0; k < row.idx.length; k++) s += w[row.idx[k]!]! * row.val[k]!;
  return s;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Logistic regression by SGD over `train` (indices into rows), with the weight decay applied lazily through a scale. */
export function trainLogistic(rows: SparseRow[], labels: Uint8Array, train: number[], dim: number, random: () => number): LogisticModel {
  const w = new Float64Array(dim);
  let scale = 1;
  let bias = 0;
  const order = [...train];
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    shuffleInPlace(order, random);
    const eta = LEARNING_RATE / Math.sqrt(1 + epoch);
    for (const i of order) {
      const row = rows[i]!;
      const g = sigmoid(bias + scale * dot(row, w)) - labels[i]!;
      scale *= 1 - eta * L2;
      const step = (eta * g) / scale;
      for (let k = 0; k < row.idx.length; k++) w[row.idx[k]!]! -= step * row.val[k]!;
      bias -= eta * g;
      if (scale < 1e-6) {
        for (let j = 0; j < dim; j++) w[j]! *= scale;
        scale = 1;
      }
    }
  }
  for (let j = 0; j < dim; j++) w[j]! *= scale;
  return { weights: w, bias };
}

/** The half of each window held out for testing (seeded, stratified), and the rest for training. */
export function stratifiedSplit(labels: Uint8Array, random: () => number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) members.push(i);
    shuffleInPlace(members, random);
    const held = Math.floor(members.length / 2);
    test.push(...members.slice(0, held));
    train.push(...members.slice(held));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** Mid-ranks (1-based, ties averaged) of the values. */
function midRanks(values: number[]): Float64Array {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

function aucFromRanks(ranks: Float64Array, labels: ArrayLike<number>): number {
  let pos = 0;
  let sum = 0;
  for (let i = 0; i < ranks.length; i++) {
    if (labels[i] === 1) {
      pos++;
      sum += ranks[i]!;
    }
  }
  const neg = ranks.length - pos;
  if (pos === 0 || neg === 0) throw new Error('rocAuc: both classes need at least one row');
  return (sum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** ROC AUC of scores for labels 1 vs 0 (the Mann–Whitney form: a tied pair counts half). */
export function rocAuc(scores: number[], labels: ArrayLike<number>): number {
  return aucFromRanks(midRanks(scores), labels);
}

/** numpy.percentile (linear) of unsorted values. */
function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export interface ClassifierResult {
  auc: number;
  threshold: number;
  drifted: boolean;
  model: LogisticModel;
}

/**
 * Trains the domain classifier on rows (label 1 = current) and returns its held-out AUC, the threshold and the
 * model. `referenceRows` decides whether the permutation threshold applies.
 */
export function domainClassifier(
  rows: SparseRow[],
  labels: Uint8Array,
  dim: number,
  opts: { seed: number; permutations: number; referenceRows: number },
): ClassifierResult {
  const random = seededRandom(opts.seed);
  const { train, test } = stratifiedSplit(labels, random);
  const model = trainLogistic(rows, labels, train, dim, random);
  const scores = test.map((i) => model.bias + dot(rows[i]!, model.weights));
  const testLabels = Uint8Array.from(test, (i) => labels[i]!);
  const ranks = midRanks(scores);
  const auc = aucFromRanks(ranks, testLabels);
  let threshold = MIN_AUC_THRESHOLD;
  if (opts.referenceRows <= PERMUTATION_REFERENCE_ROWS && opts.permutations > 0) {
    const shuffled = Array.from(testLabels);
    const aucs: number[] = [];
    for (let p = 0; p < opts.permutations; p++) aucs.push(aucFromRanks(ranks, shuffleInPlace(shuffled, random)));
    threshold = Math.max(MIN_AUC_THRESHOLD, percentile(aucs, 0.95));
  }
  return { auc, threshold, drifted: auc > threshold, model };
}

export function validateClassifierOptions(name: string, opts: { seed?: number; permutations?: number; minRows?: number }): { seed: number; permutations: number; minRows: number } {
  const seed = opts.seed ?? DEFAULT_SEED;
  const permutations = opts.permutations ?? DEFAULT_PERMUTATIONS;
  const minRows = opts.minRows ?? 30;
  if (!Number.isInteger(seed)) throw new Error(`${name}: seed must be an integer, got ${seed}`);
  if (!Number.isInteger(permutations) || permutations < 0 || permutations > 100_000) throw new Error(`${name}: permutations must be an integer from 0 to 100000, got ${permutations}`);
  if (!Number.isInteger(minRows) || minRows < 4) throw new Error(`${name}: minRows must be an integer of at least 4, got ${minRows}`);
  return { seed, permutations, minRows };
}
