// How rollouts reach the workflow engine: events naming the rollout, sent once its rows are committed. The
// engine's client registers itself at start-up; a rollout recorded while none is registered is picked up by
// the sweep of active rollouts.
export interface RolloutDispatcher {
  start(rolloutId: string): Promise<void>;
  /** Wakes a rollout waiting for approval or baking, to look at its row again. */
  signal(rolloutId: string, reason: string): Promise<void>;
  finished(rolloutId: string, status: string): Promise<void>;
  /** Tells the environment's notification webhook, in the background; never fails the caller. */
  notify(rolloutId: string, status: string): void;
}

const KEY = Symbol.for('slipway.rolloutDispatcher');
type Holder = { [KEY]?: RolloutDispatcher };

export function setRolloutDispatcher(d: RolloutDispatcher | undefined): void {
  (globalThis as Holder)[KEY] = d;
}

export function rolloutDispatcher(): RolloutDispatcher | undefined {
  return (globalThis as Holder)[KEY];
}
