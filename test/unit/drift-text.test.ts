// Text and embedding drift by the domain classifier: a vocabulary shift is detected with a high AUC and the
// n-grams that tell the windows apart; two samples of one generator are not flagged (AUC near 0.5) over several
// seeds; a seed gives the same report every time; too few texts skip with the reason; 2 × 2,000 short texts take
// well under a second.
import { describe, expect, it } from 'vitest';
import { embeddingDrift, ngramsOf, textDrift } from '@/server/drift';
import { seededRandom } from '@/server/drift/special';
import { normalSample } from '../helpers/drift-samples';

const OPENERS = ['how do i', 'can you help me', 'i want to', 'please help me', 'is it possible to', 'where can i'];
const VERBS = ['change', 'cancel', 'update', 'find', 'reset', 'track', 'renew', 'check', 'move', 'close'];
const SUBJECTS = ['order', 'account', 'password', 'invoice', 'package', 'subscription', 'card', 'address', 'plan', 'device'];
const NEW_SUBJECTS = ['refund', 'chargeback', 'warranty', 'discount', 'coupon'];
const TAILS = ['today', 'right now', 'before friday', 'this week', 'as soon as possible', 'for my team', 'again', ''];

/** Support questions from a template; `shift` is the share asking about subjects the reference never mentions. */
function questions(n: number, seed: number, shift = 0): string[] {
  const r = seededRandom(seed);
  const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, () => {
    const subject = r() < shift ? pick(NEW_SUBJECTS) : pick(SUBJECTS);
    return `${pick(OPENERS)} ${pick(VERBS)} my ${subject} ${pick(TAILS)}`.trim();
  });
}

describe('text drift', () => {
  it('tokenises into lower-cased word unigrams and bigrams', () => {
    expect([...ngramsOf("Where's my Refund?  It's late")]).toEqual(["where's", 'my', 'refund', "it's", 'late', "where's my", 'my refund', "refund it's", "it's late"]);
    expect(ngramsOf('').size).toBe(0);
  });

  it('detects a vocabulary shift and names the n-grams that distinguish the windows', () => {
    for (const seed of [1, 2, 3]) {
      const d = textDrift('input', questions(400, seed * 10), questions(400, seed * 10 + 1, 0.4), { seed });
      expect(d.method).toBe('domain-classifier');
      expect(d.skipped).toBeNull();
      expect(d.drifted).toBe(true);
      // 40% of current texts are distinguishable: the best possible AUC is about 0.7.
      expect(d.auc!).toBeGreaterThan(0.64);
      expect(d.auc!).toBeGreaterThan(d.threshold);
      const toward = d.topNgrams.filter((t) => t.weight > 0).slice(0, 5);
      expect(toward.map((t) => t.ngram).sort()).toEqual([...NEW_SUBJECTS].sort());
      for (const t of toward) {
        expect(t.referenceShare).toBe(0);
        expect(t.currentShare).toBeGreaterThan(0.05);
        expect(t.currentShare).toBeLessThan(0.12);
      }
      // The reference side's n-grams are listed too, with negative weights.
      expect(d.topNgrams.some((t) => t.weight < 0)).toBe(true);
      expect(d.topNgrams.length).toBeLessThanOrEqual(20);
    }
  });

  it('does not flag two samples of the same generator (AUC near 0.5) over ten seeds, small and large', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const small = textDrift('output', questions(300, seed * 2), questions(300, seed * 2 + 1), { seed });
      expect(small.drifted).toBe(false);
      expect(Math.abs(small.auc! - 0.5)).toBeLessThan(0.08);
      // With at most 1,000 reference rows the threshold is the permutation percentile, at least 0.55.
      expect(small.threshold).toBeGreaterThanOrEqual(0.55);
    }
    for (let seed = 1; seed <= 3; seed++) {
      const large = textDrift('output', questions(1500, seed * 2), questions(1500, seed * 2 + 1), { seed });
      expect(large.drifted).toBe(false);
      expect(Math.abs(large.auc! - 0.5)).toBeLessThan(0.04);
      expect(large.threshold).toBe(0.55);
    }
  });

  it('small windows get a higher, permutation-based threshold', () => {
    const d = textDrift('input', questions(40, 5), questions(40, 6), { seed: 3 });
    expect(d.threshold).toBeGreaterThan(0.55);
    expect(d.drifted).toBe(d.auc! > d.threshold);
    const none = textDrift('input', questions(40, 5), questions(40, 6), { seed: 3, permutations: 0 });
    expect(none.threshold).toBe(0.55);
  });

  it('is deterministic for a seed', () => {
    const a = textDrift('input', questions(200, 1), questions(200, 2, 0.2), { seed: 9 });
    const b = textDrift('input', questions(200, 1), questions(200, 2, 0.2), { seed: 9 });
    expect(b).toEqual(a);
  });

  it('skips with the reason when a window has too few texts, and refuses bad input', () => {
    const d = textDrift('input', questions(12, 1), questions(100, 2));
    expect(d).toMatchObject({ auc: null, drifted: false, referenceRows: 12, currentRows: 100, topNgrams: [] });
    expect(d.skipped).toBe('too few texts: 12 in the reference and 100 in the current window (at least 30 each)');
    expect(textDrift('output', [], []).skipped).toBe('no texts in either window');
    expect(textDrift('input', questions(12, 1), questions(12, 2), { minRows: 10 }).skipped).toBeNull();
    expect(() => textDrift('input', [1 as unknown as string], ['a'])).toThrow(/textDrift\(input\): reference\[0\] must be a string/);
    expect(() => textDrift('input', [], [], { permutations: -1 })).toThrow(/permutations must be an integer/);
  });

  it('runs in well under a second for 2 × 2,000 short texts', () => {
    const reference = questions(2000, 21);
    const current = questions(2000, 22, 0.3);
    textDrift('input', reference.slice(0, 200), current.slice(0, 200));
    // The faster of two runs, so a moment of load on a shared machine does not decide it (about 0.1 s when idle).
    let fastest = Infinity;
    for (let run = 0; run < 2; run++) {
      const started = performance.now();
      const d = textDrift('input', reference, current);
      fastest = Math.min(fastest, performance.now() - started);
      expect(d.drifted).toBe(true);
    }
    expect(fastest).toBeLessThan(1000);
  });
});

describe('embedding drift', () => {
  const vectors = (seed: number, n: number, shift: number) => {
    const r = seededRandom(seed);
    return Array.from({ length: n }, () => normalSample(r, 32).map((x, j) => (j < 4 ? x + shift : x)));
  };

  it('detects vectors that moved and leaves vectors of one distribution alone', () => {
    let falseAlarms = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const same = embeddingDrift('input', vectors(seed * 2, 300, 0), vectors(seed * 2 + 1, 300, 0), { seed });
      expect(same.method).toBe('embeddings-classifier');
      expect(Math.abs(same.auc! - 0.5)).toBeLessThan(0.08);
      expect(same.topNgrams).toEqual([]);
      if (same.drifted) falseAlarms++;
      const moved = embeddingDrift('input', vectors(seed * 2, 300, 0), vectors(seed * 2 + 1, 300, 0.5), { seed });
      expect(moved.drifted).toBe(true);
      // Mahalanobis distance 1 between the windows: the best possible AUC is Φ(1/√2) ≈ 0.76.
      expect(moved.auc!).toBeGreaterThan(0.65);
    }
    // The permutation threshold is the 95th percentile of chance AUCs: about one false alarm in 20.
    expect(falseAlarms).toBeLessThanOrEqual(2);
    expect(embeddingDrift('input', vectors(1, 50, 0), vectors(2, 50, 0), { seed: 4 })).toEqual(embeddingDrift('input', vectors(1, 50, 0), vectors(2, 50, 0), { seed: 4 }));
  });

  it('skips too few vectors and refuses vectors of different lengths', () => {
    expect(embeddingDrift('output', vectors(1, 5, 0), vectors(2, 50, 0)).skipped).toMatch(/too few texts: 5 in the reference/);
    const bad = [...vectors(2, 40, 0), [1, 2, 3]];
    expect(() => embeddingDrift('output', vectors(1, 40, 0), bad)).toThrow(/every vector needs 32 numbers like reference\[0\]; current\[40\] has 3/);
  });
});
