// How a pipeline run reaches the workflow engine: an event naming the run, sent once the run's rows are
// committed. The engine's client registers itself here at start-up; until then runs wait as `queued`
// and are dispatched by the recovery sweep.
export interface RunDispatcher {
  start(runId: string): Promise<void>;
  cancel(runId: string): Promise<void>;
}

const KEY = Symbol.for('slipway.pipelineDispatcher');
type Holder = { [KEY]?: RunDispatcher };

export function setRunDispatcher(d: RunDispatcher | undefined): void {
  (globalThis as Holder)[KEY] = d;
}

export function runDispatcher(): RunDispatcher | undefined {
  return (globalThis as Holder)[KEY];
}
