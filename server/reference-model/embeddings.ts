// OpenAI-compatible embeddings for the reference model server: a text's words and word pairs hashed into a fixed
// number of dimensions with a hashed sign, then scaled to unit length. Not semantic, but deterministic, and texts
// that share words land near each other, which is what drift by embeddings needs from a stand-in.
import { createHash } from 'node:crypto';

export const DEFAULT_EMBEDDING_DIMENSIONS = 256;

function bucket(term: string, dimensions: number): { index: number; sign: 1 | -1 } {
  const h = createHash('sha256').update(term).digest();
  return { index: h.readUInt32BE(0) % dimensions, sign: h[4]! & 1 ? 1 : -1 };
}

/** The words of a text: lower-case runs of letters and digits. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function embed(text: string, dimensions: number = DEFAULT_EMBEDDING_DIMENSIONS): number[] {
  const v = new Array<number>(dimensions).fill(0);
  const w = words(text);
  const terms = [...w, ...w.slice(1).map((word, i) => `${w[i]} ${word}`)];
  for (const term of terms) {
    const { index, sign } = bucket(term, dimensions);
    v[index]! += sign;
  }
  const norm = Math.hypot(...v);
  return norm > 0 ? v.map((x) => Number((x / norm).toFixed(6))) : v;
}
