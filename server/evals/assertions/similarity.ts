// Closeness to a reference text (the case's expected answer unless `value` gives one): levenshtein (edit
// distance), rouge-n (n-gram recall), bleu (sentence BLEU) and similar (cosine similarity, local or through an
// embeddings endpoint). Each scores 0–1 and passes at its threshold.
import { checkInteger, checkStringValue, graded, textValue, type AssertionDef } from './spec';

/** Lower-cased words and numbers: what the n-gram metrics count. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Edit distance between two strings, by code point (insertions, deletions, substitutions each cost 1). */
export function levenshteinDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  if (!s.length) return t.length;
  if (!t.length) return s.length;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  let cur = new Array<number>(t.length + 1);
  for (let i = 1; i <= s.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[t.length]!;
}

/** 1 − distance / length of the longer string: 1 for equal strings, 0 for nothing in common. */
export function levenshteinSimilarity(a: string, b: string): number {
  const longest = Math.max([...a].length, [...b].length);
  return longest === 0 ? 1 : 1 - levenshteinDistance(a, b) / longest;
}

function ngramCounts(words: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Matches of the candidate's n-grams in the reference, each clipped to its count there. */
function clippedMatches(candidate: Map<string, number>, reference: Map<string, number>): number {
  let matches = 0;
  for (const [gram, count] of candidate) matches += Math.min(count, reference.get(gram) ?? 0);
  return matches;
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** ROUGE-N recall: the share of the reference's n-grams that the candidate has (clipped), or null without any. */
export function rougeN(candidate: string, reference: string, n: number): number | null {
  const ref = ngramCounts(tokens(reference), n);
  const refTotal = total(ref);
  if (refTotal === 0) return null;
  return clippedMatches(ngramCounts(tokens(candidate), n), ref) / refTotal;
}

/**
 * Sentence BLEU with up to 4-grams, uniform weights and the brevity penalty. Smoothing: add one to the matches
 * and the count of every order above 1 (Lin and Och, 2004), so a short answer missing a 4-gram does not score
 * zero; with no unigram in common the score is 0.
 */
export function sentenceBleu(candidate: string, reference: string, maxOrder = 4): number {
  const cand = tokens(candidate);
  const ref = tokens(reference);
  if (!cand.length || !ref.length) return 0;
  let logSum = 0;
  for (let n = 1; n <= maxOrder; n++) {
    const c = ngramCounts(cand, n);
    const matches = clippedMatches(c, ngramCounts(ref, n));
    const count = total(c);
    if (n === 1 && matches === 0) return 0;
    const p = n === 1 ? matches / count : (matches + 1) / (count + 1);
    logSum += Math.log(p) / maxOrder;
  }
  const brevity = cand.length >= ref.length ? 1 : Math.exp(1 - ref.length / cand.length);
  return brevity * Math.exp(logSum);
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    dot += v * (b.get(k) ?? 0);
  }
  for (const v of b.values()) nb += v * v;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function trigramCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of tokens(text)) {
    const padded = [...` ${word} `];
    for (let i = 0; i + 3 <= padded.length; i++) {
      const g = padded.slice(i, i + 3).join('');
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Local text similarity: the mean of the cosine of word term-frequency vectors (shared vocabulary) and of
 * character-trigram vectors (which also credits inflections: "refund" and "refunds").
 */
export function localSimilarity(a: string, b: string): number {
  return (cosine(ngramCounts(tokens(a), 1), ngramCounts(tokens(b), 1)) + cosine(trigramCounts(a), trigramCounts(b))) / 2;
}

export function vectorCosine(a: number[], b: number[]): number {
  if (a.length !== b.length || !a.length) throw new Error(`embeddings of different lengths (${a.length} and ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const levenshtein: AssertionDef = {
  type: 'levenshtein',
  summary: 'edit-distance similarity 1 − distance/length to value (default: the expected answer)',
  defaultThreshold: 0.8,
  negatable: true,
  validate: (spec, path) => checkStringValue(spec, path, true),
  evaluate(input) {
    const want = textValue(input, true).trim();
    const got = input.output.content.trim();
    const d = levenshteinDistance(got, want);
    return graded(levenshteinSimilarity(got, want), input.threshold, `edit distance ${d}; similarity`);
  },
};

const rouge: AssertionDef = {
  type: 'rouge-n',
  summary: 'ROUGE-N recall of value (default: the expected answer) in the output; option n (1–4, default 1)',
  defaultThreshold: 0.75,
  negatable: true,
  options: ['n'],
  validate: (spec, path) => [...checkStringValue(spec, path, true), ...checkInteger(spec, path, 'n', 1, 4)],
  evaluate(input) {
    const n = (input.spec.n as number | undefined) ?? 1;
    const recall = rougeN(input.output.content, textValue(input, true), n);
    if (recall === null) return { pass: false, score: 0, reason: `the reference has no ${n}-grams to recall` };
    return graded(recall, input.threshold, `ROUGE-${n} recall`);
  },
};

const bleu: AssertionDef = {
  type: 'bleu',
  summary: 'sentence BLEU (4-grams, smoothed) of the output against value (default: the expected answer)',
  defaultThreshold: 0.5,
  negatable: true,
  validate: (spec, path) => checkStringValue(spec, path, true),
  evaluate(input) {
    return graded(sentenceBleu(input.output.content, textValue(input, true)), input.threshold, 'BLEU');
  },
};

const METHODS = ['auto', 'local', 'embeddings'] as const;

const similar: AssertionDef = {
  type: 'similar',
  summary: 'cosine similarity to value (default: the expected answer): embeddings when configured, else local term and trigram vectors; option method',
  defaultThreshold: 0.75,
  negatable: true,
  options: ['method'],
  validate(spec, path) {
    const problems = checkStringValue(spec, path, true);
    if (spec.method !== undefined && !(METHODS as readonly unknown[]).includes(spec.method)) problems.push(`${path}.method: must be one of ${METHODS.join(', ')}`);
    return problems;
  },
  async evaluate(input) {
    const want = textValue(input, true);
    const method = (input.spec.method as (typeof METHODS)[number] | undefined) ?? 'auto';
    const embed = input.ctx.embed;
    if (method === 'embeddings' && !embed) return { pass: false, score: 0, reason: 'method embeddings needs an embeddings endpoint, and none is configured' };
    if (embed && method !== 'local') {
      const vectors = await embed([input.output.content, want]);
      if (vectors.length !== 2) throw new Error(`the embeddings endpoint returned ${vectors.length} vectors for 2 texts`);
      return graded(vectorCosine(vectors[0]!, vectors[1]!), input.threshold, 'embedding cosine similarity');
    }
    const score = localSimilarity(input.output.content, want);
    return graded(score, input.threshold, `local similarity (words and trigrams)`);
  },
};

export const SIMILARITY_ASSERTIONS: AssertionDef[] = [levenshtein, rouge, bleu, similar];
