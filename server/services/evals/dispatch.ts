// How eval runs reach the workflow engine: a dispatcher the engine's client registers at start-up
// (server/evals/runner-dispatch.ts); services start, cancel and announce runs through it.
export interface EvalRunEnd {
  runId: string;
  serviceId: string;
  status: string;
  passed: boolean;
}

export interface EvalDispatcher {
  start(runId: string): Promise<void>;
  cancel(runId: string): Promise<void>;
  /** Announces the end of a run (`slipway/eval-run.finished`): gates and pipeline steps waiting on it go on. */
  finished(end: EvalRunEnd): Promise<void>;
}

const KEY = Symbol.for('slipway.evalDispatcher');
type Holder = { [KEY]?: EvalDispatcher };

export function setEvalDispatcher(d: EvalDispatcher | undefined): void {
  (globalThis as Holder)[KEY] = d;
}

export function evalDispatcher(): EvalDispatcher | undefined {
  return (globalThis as Holder)[KEY];
}
