// The time the release flow reads: approval expiry, wait timers, bakes and analysis windows. Real time by
// default; tests and tools that drive rollouts under an executor with a moved clock set the same clock here,
// so a 30-minute approval timeout can pass without writing the expiry by hand.
const KEY = Symbol.for('slipway.rolloutClock');
type Holder = { [KEY]?: () => Date };

export function setRolloutClock(now: (() => Date) | undefined): void {
  (globalThis as Holder)[KEY] = now;
}

export function rolloutNow(): Date {
  return (globalThis as Holder)[KEY]?.() ?? new Date();
}
