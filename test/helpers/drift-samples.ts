// Deterministic samples that Python can reproduce exactly, for checking the drift statistics against SciPy: the
// Park–Miller generator (x ← 48271·x mod 2³¹−1, exact in doubles) turned into exponential, integer or normal
// (Box–Muller) values rounded to a few decimals. The same generator in Python:
//
//   def sample(n, seed, kind, a=1.0, b=0.0):
//       x = seed % 2147483647 or 1; out = []
//       def nxt():
//           nonlocal x; x = (x * 48271) % 2147483647; return x / 2147483647
//       for _ in range(n):
//           u = nxt()
//           if kind == 'exp': out.append(round(-math.log(u) * a + b, 2))
//           elif kind == 'int': out.append(float(math.floor(u * a + b)))
//           else: v = nxt(); out.append(round(math.sqrt(-2*math.log(u))*math.cos(2*math.pi*v)*a + b, 3))
//       return out
export function parkMillerSample(n: number, seed: number, kind: 'exp' | 'int' | 'normal', a = 1, b = 0): number[] {
  let x = seed % 2147483647 || 1;
  const next = () => {
    x = (x * 48271) % 2147483647;
    return x / 2147483647;
  };
  const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = next();
    if (kind === 'exp') out.push(round(-Math.log(u) * a + b, 2));
    else if (kind === 'int') out.push(Math.floor(u * a + b));
    else {
      const v = next();
      out.push(round(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * a + b, 3));
    }
  }
  return out;
}

/** Normal values from a seeded generator (for behaviour tests, not reference values). */
export function normalSample(random: () => number, n: number, mean = 0, sd = 1): number[] {
  return Array.from({ length: n }, () => {
    const u = 1 - random();
    const v = random();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}
