// Every event the app sends or reacts to, with its zod payload: functions take them as triggers (typed
// `event.data`), and `inngest.send(pingEvent.create({ … }))` checks a payload before it leaves.
import { eventType } from 'inngest';
import { z } from 'zod';

/** Asks the jobs engine to run the ping function: proof that functions run, from Settings → Jobs or a script. */
export const pingEvent = eventType('slipway/ping', {
  // Without transforms (no defaults): the SDK needs a schema whose input and output types are the same.
  schema: z.object({ message: z.string().max(200).optional() }),
});

/**
 * Starts the step fixture that Slipway's own end-to-end tests use to stop the app mid-run (served only with
 * SLIPWAY_TEST_FUNCTIONS=on).
 */
export const testStepsEvent = eventType('slipway/test.steps', {
  schema: z.object({ label: z.string().min(1).max(100), slowMs: z.number().int().min(0).max(60_000) }),
});

/** A pipeline run was recorded and should execute (sent once its rows are committed). */
export const pipelineRequestedEvent = eventType('slipway/pipeline.requested', {
  schema: z.object({ runId: z.uuid(), serviceId: z.uuid().optional() }),
});

/** A pipeline run was cancelled: the running function stops at its next step. */
export const pipelineCancelledEvent = eventType('slipway/pipeline.cancelled', {
  schema: z.object({ runId: z.uuid() }),
});

/** A rollout was recorded (sent once its rows are committed): the rollout function takes it from there. */
export const rolloutRequestedEvent = eventType('slipway/rollout.requested', {
  schema: z.object({ rolloutId: z.uuid() }),
});

/**
 * Something a running rollout must look at now: a pause, resume, abort, promote-now or rollback, or an approval
 * decision. The rollout's row says what happened; the event only wakes the function.
 */
export const rolloutSignalEvent = eventType('slipway/rollout.signal', {
  schema: z.object({ rolloutId: z.uuid(), reason: z.string().max(50) }),
});

/** A rollout ended (succeeded, rolled back, aborted, rejected, timed out): a pipeline run waiting on it goes on. */
export const rolloutFinishedEvent = eventType('slipway/rollout.finished', {
  schema: z.object({ rolloutId: z.uuid(), status: z.string().max(50) }),
});

/** An eval run was recorded (sent once its rows are committed): the eval-run function scores it. */
export const evalRunRequestedEvent = eventType('slipway/eval-run.requested', {
  schema: z.object({ runId: z.uuid() }),
});

/** An eval run was cancelled: the running function stops before its next chunk. */
export const evalRunCancelledEvent = eventType('slipway/eval-run.cancelled', {
  schema: z.object({ runId: z.uuid() }),
});

/** An eval run ended (passed, failed, error, cancelled): gates and pipeline steps waiting on it go on. */
export const evalRunFinishedEvent = eventType('slipway/eval-run.finished', {
  schema: z.object({ runId: z.uuid(), serviceId: z.uuid(), status: z.string().max(50), passed: z.boolean() }),
});
