// Slows password guessing: after too many failures for one email within a window, refuse further tries.
export function createLoginThrottle(opts: { maxFailures: number; windowMs: number; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const recent = (key: string) => (failures.get(key) ?? []).filter((t) => now() - t < opts.windowMs);
  return {
    allowed(key: string): boolean {
      const list = recent(key);
      if (list.length) failures.set(key, list);
      else failures.delete(key);
      return list.length < opts.maxFailures;
    },
    failed(key: string): void {
      failures.set(key, [...recent(key), now()]);
      // Bound memory under a spray of distinct emails.
      if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
    },
    succeeded(key: string): void {
      failures.delete(key);
    },
  };
}
