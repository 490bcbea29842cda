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

/** The distinct word unigrams and bigrams of a text, lower-cased. */
export function ngramsOf(text: string): Set<string> {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? []).slice(0, MAX_WORDS);
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

/** Drift of a text field between two windows of texts; see the top of this file. */
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

  // Vocabulary with document counts per window.
  const docs = [...reference, ...current].map(ngramsOf);
  const refCount = reference.length;
  const vocab = new Map<string, { ref: number; cur: number; id: number }>();
  docs.forEach((grams, d) => {
    const isCurrent = d >= refCount;
    for (const g of grams) {
      let e = vocab.get(g);
      if (!e) {
        e = { ref: 0, cur: 0, id: -1 };
        vocab.set(g, e);
      }
      if (isCurrent) e.cur++;
      else e.ref++;
    }
  });
  const terms: string[] = [];
  for (const [g, e] of vocab) {
    if (e.ref + e.cur >= MIN_DOCUMENTS) {
      e.id = terms.length;
      terms.push(g);
    }
  }
  const rows: SparseRow[] = docs.map((grams) => {
    const ids: number[] = [];
    for (const g of grams) {
      const id = vocab.get(g)!.id;
      if (id >= 0) ids.push(id);
    }
    ids.sort((a, b) => a - b);
    const v = ids.length ? 1 / Math.sqrt(ids.length) : 0;
    return { idx: Int32Array.from(ids), val: new Float64Array(ids.length).fill(v) };
  });
  const labels = new Uint8Array(docs.length);
  labels.fill(1, refCount);

  const result = domainClassifier(rows, labels, terms.length, { seed, permutations, referenceRows: refCount });

  // Strongest first; on equal weights the shorter n-gram first. An n-gram found in exactly the same texts as a
  // listed one that contains it or is contained in it ("warranty" / "my warranty") adds nothing and is left out.
  type Term = { ngram: string; weight: number; ref: number; cur: number };
  const weighted: Term[] = terms.map((ngram, id) => {
    const e = vocab.get(ngram)!;
    return { ngram, weight: round(result.model.weights[id]!, 6), ref: e.ref, cur: e.cur };
  });
  const pick = (candidates: Term[]) => {
    const chosen: Term[] = [];
    for (const t of candidates) {
      if (chosen.length >= topN) break;
      const words = ` ${t.ngram} `;
      const same = chosen.some((c) => c.weight === t.weight && c.ref === t.ref && c.cur === t.cur && (words.includes(` ${c.ngram} `) || ` ${c.ngram} `.includes(words)));
      if (!same) chosen.push(t);
    }
    return chosen;
  };
  const tieBreak = (a: Term, b: Term) => a.ngram.length - b.ngram.length || (a.ngram < b.ngram ? -1 : a.ngram > b.ngram ? 1 : 0);
  const toward = pick(weighted.filter((t) => t.weight > 0).sort((a, b) => b.weight - a.weight || tieBreak(a, b)));
  const away = pick(weighted.filter((t) => t.weight < 0).sort((a, b) => a.weight - b.weight || tieBreak(a, b)));
  const topNgrams = [...toward, ...away].map((t) => ({
    ngram: t.ngram,
    weight: round(t.weight),
    referenceShare: round(t.ref / refCount),
    currentShare: round(t.cur / current.length),
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
