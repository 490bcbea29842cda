// Container work in this process runs one piece at a time: a reconcile pass and a rollout's or a load test's start
// of a release's replicas would otherwise interleave — one removing or replacing the rows the other is health-
// checking — and leave a row marked removed whose container another took over.
let queue: Promise<unknown> = Promise.resolve();

/** Runs `work` after every piece queued before it (a failure does not stop the queue). */
export function serially<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work);
  queue = run.catch(() => undefined);
  return run;
}
