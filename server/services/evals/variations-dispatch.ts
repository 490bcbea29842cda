// How a prompt-variations run reaches the workflow engine: an event naming the run, sent once its row is
// committed. The engine's client registers itself here at start-up; tests register an inline runner.
export interface VariationsDispatcher {
  start(runId: string): Promise<void>;
}

const KEY = Symbol.for('slipway.variationsDispatcher');
type Holder = { [KEY]?: VariationsDispatcher };

export function setVariationsDispatcher(d: VariationsDispatcher | undefined): void {
  (globalThis as Holder)[KEY] = d;
}

export function variationsDispatcher(): VariationsDispatcher | undefined {
  return (globalThis as Holder)[KEY];
}
