// Near-duplicate text: Jaccard similarity of character 5-gram shingles of normalised text, found with MinHash
// signatures and LSH banding (candidate pairs only, so thousands of rows cost about linear time) and decided by
// the exact Jaccard similarity of each candidate pair. Small inputs are compared pair by pair.

export const SHINGLE_SIZE = 5;
const HASHES = 128;
/** Below this many pairs every pair is compared exactly; above it, LSH picks the candidates. */
const EXACT_PAIRS = 250_000;

/** Lower case, compatibility-normalised, punctuation and runs of spaces folded to one space. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function fnv1a(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The distinct shingles of normalised text, as sorted 32-bit hashes; a text shorter than a shingle is one. */
export function shingles(normalised: string, size = SHINGLE_SIZE): Uint32Array {
  if (!normalised) return new Uint32Array(0);
  if (normalised.length <= size) return Uint32Array.of(fnv1a(normalised, 0, normalised.length));
  const set = new Set<number>();
  for (let i = 0; i + size <= normalised.length; i++) set.add(fnv1a(normalised, i, i + size));
  return Uint32Array.from(set).sort();
}

/** |A ∩ B| / |A ∪ B| of two sorted shingle sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (!a.length && !b.length) return 1;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}

// murmur3's finaliser: one well-mixed hash function per seed.
function mix(x: number, seed: number): number {
  let h = (x ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
const SEEDS = Array.from({ length: HASHES }, (_, i) => mix(i + 1, 0x9e3779b9));

export function minHash(set: Uint32Array): Uint32Array {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  for (const x of set) {
    for (let k = 0; k < HASHES; k++) {
      const h = mix(x, SEEDS[k]!);
      if (h < sig[k]!) sig[k] = h;
    }
  }
  return sig;
}

/** Rows per band: the most (fewest false candidates) that still finds a pair at the threshold with ≥ 98% chance. */
export function bandRows(threshold: number): number {
  let best = 1;
  for (let r = 1; r <= HASHES; r++) {
    const b = Math.floor(HASHES / r);
    if (1 - (1 - threshold ** r) ** b >= 0.98) best = r;
  }
  return best;
}

export interface TextSet {
  /** The normalised text (exact duplicates compare equal). */
  text: string;
  shingles: Uint32Array;
}

export function textSet(raw: string): TextSet {
  const text = normaliseText(raw);
  return { text, shingles: shingles(text) };
}

/** Candidate pairs (i in left, j in right) whose signatures share a band. */
function lshCandidates(left: TextSet[], right: TextSet[] | null, threshold: number): Map<number, Set<number>> {
  const r = bandRows(threshold);
  const bands = Math.floor(HASHES / r);
  const sigL = left.map((t) => minHash(t.shingles));
  const sigR = right ? right.map((t) => minHash(t.shingles)) : sigL;
  const out = new Map<number, Set<number>>();
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    const key = (sig: Uint32Array) => sig.subarray(band * r, band * r + r).join(',');
    sigR.forEach((sig, j) => {
      if (!(right ?? left)[j]!.shingles.length) return;
      const k = key(sig);
      const list = buckets.get(k);
      if (list) list.push(j);
      else buckets.set(k, [j]);
    });
    sigL.forEach((sig, i) => {
      if (!left[i]!.shingles.length) return;
      for (const j of buckets.get(key(sig)) ?? []) {
        if (right === null && j >= i) break;
        let set = out.get(i);
        if (!set) out.set(i, (set = new Set()));
        set.add(j);
      }
    });
  }
  return out;
}

export interface NearMatch {
  /** The row that matches, and the row it matches (earlier in the same list, or in the other list). */
  index: number;
  match: number;
  similarity: number;
  /** Same normalised text. */
  exact: boolean;
}

/** For each row of `left`, its most similar row of `right` (or an earlier row of `left` when `right` is null) at or above the threshold. */
export function nearMatches(left: TextSet[], right: TextSet[] | null, threshold: number, opts: { forceLsh?: boolean } = {}): NearMatch[] {
  const other = right ?? left;
  const out: NearMatch[] = [];
  // Exact duplicates by their normalised text: found whatever the threshold and however short.
  const firstOf = new Map<string, number>();
  other.forEach((t, j) => {
    if (t.text && !firstOf.has(t.text)) firstOf.set(t.text, j);
  });
  const exactMatch = (i: number) => {
    const j = firstOf.get(left[i]!.text);
    return j !== undefined && (right !== null || j < i) ? j : undefined;
  };
  const consider = (i: number, candidates: Iterable<number>) => {
    const exact = exactMatch(i);
    if (exact !== undefined) return void out.push({ index: i, match: exact, similarity: 1, exact: true });
    let best: NearMatch | null = null;
    for (const j of candidates) {
      const s = jaccard(left[i]!.shingles, other[j]!.shingles);
      if (s >= threshold && (!best || s > best.similarity || (s === best.similarity && j < best.match))) best = { index: i, match: j, similarity: s, exact: false };
    }
    if (best) out.push(best);
  };
  const pairs = right ? left.length * right.length : (left.length * (left.length - 1)) / 2;
  if (pairs <= EXACT_PAIRS && !opts.forceLsh) {
    left.forEach((t, i) => {
      if (!t.text) return;
      const upTo = right ? other.length : i;
      const all = function* () {
        for (let j = 0; j < upTo; j++) if (other[j]!.text) yield j;
      };
      consider(i, all());
    });
  } else {
    const candidates = lshCandidates(left, right, threshold);
    left.forEach((t, i) => {
      if (t.text) consider(i, candidates.get(i) ?? []);
    });
  }
  return out;
}
