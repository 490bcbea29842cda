// Text drift by a domain classifier (Evidently's method): each text becomes the set of its lower-cased word
// unigrams and bigrams (the first 500 words), n-grams seen in fewer than two texts are dropped, and a row is the
// presence vector of its n-grams scaled to unit length. The classifier (./classifier.ts) tries to tell current
// texts from reference texts; its held-out ROC AUC is the statistic. The n-grams with the largest weights toward
// each window are reported with the share of each window's texts that contain them, which says what changed
// ("refund policy" in 40% of current inputs, 2% of reference ones).
import type { TextDrift } from '@/db/schema/production';
import { domainClassifier, MIN_AUC_THRESHOLD, validateClassifierOptions, type SparseRow } from './classifier';

const MAX_WORDS = 500;
const MIN_DOCUMENTS = 2;
export const DEFAULT_TOP_NGRAMS = 10;

/** The first 500 words of a text, lower-cased (letters and digits, with inner apostrophes). */
function tokensOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? []).slice(0, MAX_WORDS);
}

/** The distinct word unigrams and bigrams of a text, lower-cased. */
export function ngramsOf(text: string): Set<string> {
  const words = tokensOf(text);
  const out = new Set<string>(words);
  for (let i = 0; i + 1 < words.length; i++) out.add(`${words[i]} ${words[i + 1]}`);
  return out;
}

export const skippedResult = (field: 'input' | 'output', method: TextDrift['method'], referenceRows: number, currentRows: number, skipped: string): TextDrift => ({
  field,
  method,
  auc: null,
  threshold: MIN_AUC_THRESHOLD,
  drifted: false,
  referenceRows,
  currentRows,
  topNgrams: [],
  skipped,
});

export function tooFewRows(referenceRows: number, currentRows: number, minRows: number): string | null {
  if (referenceRows >= minRows && currentRows >= minRows) return null;
  if (referenceRows === 0 && currentRows === 0) return 'no texts in either window';
  return `too few texts: ${referenceRows} in the reference and ${currentRows} in the current window (at least ${minRows} each)`;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Integer ids for word unigrams and bigrams (an open-addressing table keyed by word-id pairs, so no bigram string
 * is built while counting), the rows of kept n-grams (in at least two texts) scaled to unit length, and each kept
 * n-gram's number of texts per window.
 */
function featurise(reference: string[], current: string[]) {
  const wordIds = new Map<string, number>();
  const words: string[] = [];
  // Pair table: key (a, b) with b = −1 for the unigram a.
  let capacity = 1 << 16;
  let keysA = new Int32Array(capacity).fill(-2);
  let keysB = new Int32Array(capacity);
  let slotId = new Int32Array(capacity);
  const gramA: number[] = [];
  const gramB: number[] = [];
  const ref: number[] = [];
  const cur: number[] = [];
  const hash = (a: number, b: number) => (Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 2, 0x85ebca77)) >>> 0;
  const insert = (a: number, b: number, id: number) => {
    let i = hash(a, b) & (capacity - 1);
    while (keysA[i] !== -2) i = (i + 1) & (capacity - 1);
    keysA[i] = a;
    keysB[i] = b;
    slotId[i] = id;
  };
  const idOf = (a: number, b: number): number => {
    let i = hash(a, b) & (capacity - 1);
    for (;;) {
      const k = keysA[i]!;
      if (k === -2) break;
      if (k === a && keysB[i] === b) return slotId[i]!;
      i = (i + 1) & (capacity - 1);
    }
    const id = gramA.length;
    gramA.push(a);
    gramB.push(b);
    ref.push(0);
    cur.push(0);
    if (gramA.length * 2 > capacity) {
      capacity *= 2;
      keysA = new Int32Array(capacity).fill(-2);
      keysB = new Int32Array(capacity);
      slotId = new Int32Array(capacity);
      for (let g = 0; g < gramA.length; g++) insert(gramA[g]!, gramB[g]!, g);
    } else {
      keysA[i] = a;
      keysB[i] = b;
      slotId[i] = id;
    }
    return id;
  };
  const all = [...reference, ...current];
  const docGrams: Int32Array[] = all.map((t, d) => {
    const tokens = tokensOf(t);
    const wids = tokens.map((w) => {
      let id = wordIds.get(w);
      if (id === undefined) {
        id = words.length;
        words.push(w);
        wordIds.set(w, id);
      }
      return id;
    });
    const grams = new Int32Array(wids.length * 2);
    let n = 0;
    for (let i = 0; i < wids.length; i++) {
      grams[n++] = idOf(wids[i]!, -1);
      if (i + 1 < wids.length) grams[n++] = idOf(wids[i]!, wids[i + 1]!);
    }
    const sorted = grams.subarray(0, n).sort();
    let u = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[u++] = sorted[i]!;
    const distinct = sorted.slice(0, u);
    const counts = d < reference.length ? ref : cur;
    for (const g of distinct) counts[g]!++;
    return distinct;
  });
  // Kept n-grams get dense column ids in order of first appearance.
  const column = new Int32Array(gramA.length).fill(-1);
  const kept: number[] = [];
  for (let g = 0; g < gramA.length; g++) {
    if (ref[g]! + cur[g]! >= MIN_DOCUMENTS) {
      column[g] = kept.length;
      kept.push(g);
    }
  }
  const rows: SparseRow[] = docGrams.map((grams) => {
    const ids: number[] = [];
    for (const g of grams) if (column[g]! >= 0) ids.push(column[g]!);
    ids.sort((a, b) => a - b);
    const v = ids.length ? 1 / Math.sqrt(ids.length) : 0;
    return { idx: Int32Array.from(ids), val: new Float64Array(ids.length).fill(v) };
  });
  const gramText = (g: number) => (gramB[g]! < 0 ? words[gramA[g]!]! : `${words[gramA[g]!]} ${words[gramB[g]!]}`);
  return {
    rows,
    terms: { count: kept.length, text: (c: number) => gramText(kept[c]!) },
    refDocs: Int32Array.from(kept, (g) => ref[g]!),
    curDocs: Int32Array.from(kept, (g) => cur[g]!),
  };
}

/**
 * Drift of a text field between two windows of texts; see the top of this file. Options: `seed` (42) fixes the
 * split and the training order; `permutations` (200) label shuffles for the threshold when the reference has at
 * most 1,000 texts; `topN` (10) n-grams listed toward each window; `minRows` (30) texts needed in each window.
 */
export function textDrift(
  field: 'input' | 'output',
  reference: string[],
  current: string[],
  opts: { seed?: number; permutations?: number; topN?: number; minRows?: number } = {},
): TextDrift {
  if (field !== 'input' && field !== 'output') throw new Error(`textDrift: field must be input or output, got ${JSON.stringify(field)}`);
  const { seed, permutations, minRows } = validateClassifierOptions(`textDrift(${field})`, opts);
  const topN = opts.topN ?? DEFAULT_TOP_NGRAMS;
  if (!Number.isInteger(topN) || topN < 0 || topN > 1000) throw new Error(`textDrift(${field}): topN must be an integer from 0 to 1000, got ${topN}`);
  for (const [side, texts] of [['reference', reference], ['current', current]] as const) {
    if (!Array.isArray(texts)) throw new Error(`textDrift(${field}): ${side} must be an array of strings`);
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new Error(`textDrift(${field}): ${side}[${i}] must be a string`);
    });
  }
  const skipped = tooFewRows(reference.length, current.length, minRows);
  if (skipped) return skippedResult(field, 'domain-classifier', reference.length, current.length, skipped);

  const refCount = reference.length;
  const { rows, terms, refDocs, curDocs } = featurise(reference, current);
  const labels = new Uint8Array(rows.length);
  labels.fill(1, refCount);
  const result = domainClassifier(rows, labels, terms.count, { seed, permutations, referenceRows: refCount });

  // Strongest first; on equal weights the shorter n-gram first. An n-gram found in exactly the same texts as a
  // listed one that contains it or is contained in it ("warranty" / "my warranty") adds nothing and is left out.
  const weights = Float64Array.from(result.model.weights, (w) => round(w, 6));
  const text = (id: number) => terms.text(id);
  const tieBreak = (a: number, b: number) => {
    const ta = text(a);
    const tb = text(b);
    return ta.length - tb.length || (ta < tb ? -1 : ta > tb ? 1 : 0);
  };
  const strongest = (sign: 1 | -1): number[] => {
    if (topN === 0) return [];
    const ids: number[] = [];
    for (let id = 0; id < weights.length; id++) if (sign * weights[id]! > 0) ids.push(id);
    const order = (a: number, b: number) => sign * (weights[b]! - weights[a]!) || tieBreak(a, b);
    // Only the strongest few need ordering: those at or above the (10·topN)-th largest magnitude, unless the
    // pick below runs out of them.
    const magnitudes = Float64Array.from(ids, (id) => sign * weights[id]!).sort();
    const cutoff = magnitudes.length > 10 * topN ? magnitudes[magnitudes.length - 10 * topN]! : 0;
    const pick = (candidates: number[]) => {
      const chosen: number[] = [];
      for (const id of candidates) {
        if (chosen.length >= topN) break;
        const words = ` ${text(id)} `;
        const same = chosen.some((c) => weights[c] === weights[id] && refDocs[c] === refDocs[id] && curDocs[c] === curDocs[id] && (words.includes(` ${text(c)} `) || ` ${text(c)} `.includes(words)));
        if (!same) chosen.push(id);
      }
      return chosen;
    };
    const first = pick(ids.filter((id) => sign * weights[id]! >= cutoff).sort(order));
    return first.length >= topN || cutoff === 0 ? first : pick(ids.sort(order));
  };
  const topNgrams = [...strongest(1), ...strongest(-1)].map((id) => ({
    ngram: text(id),
    weight: round(weights[id]!),
    referenceShare: round(refDocs[id]! / refCount),
    currentShare: round(curDocs[id]! / current.length),
  }));
  return {
    field,
    method: 'domain-classifier',
    auc: result.auc,
    threshold: result.threshold,
    drifted: result.drifted,
    referenceRows: refCount,
    currentRows: current.length,
    topNgrams,
    skipped: null,
  };
}
