// Seeded randomness for the reference model server: a small counter-based generator, string hashing to
// derive independent streams (per model, per request), and the normal draws the latency model needs.

/** Murmur3's 32-bit finaliser: spreads every input bit over the output, so consecutive counters look random. */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units, then mixed; enough to turn "seed:model" into a well-spread 32-bit seed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32 random bits as an unsigned integer. A Weyl sequence (golden-ratio step) through the mixer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix32(this.state);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** True with probability p (p = 0 never, p = 1 always). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Standard normal by Box–Muller; always consumes exactly two draws so callers' sequences stay aligned. */
  normal(): number {
    // Offsetting by half a step keeps u1 away from 0, where log() would be infinite.
    const u1 = (this.nextUint32() + 0.5) / 0x1_0000_0000;
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** 8 hex characters; used for response ids so that they, too, repeat under a seed. */
  hex8(): string {
    return this.nextUint32().toString(16).padStart(8, '0');
  }
}
