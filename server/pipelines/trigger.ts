// The handoff from webhooks to the pipeline engine: one pluggable sink, set at start to send the pipeline event,
// and by tests to a recorder. Webhook code calls triggerPipeline and knows nothing of the engine.
import type { PipelineTrigger } from '@/db/schema/pipelines';

export type PipelineTriggerRequest = {
  serviceId: string;
  trigger: PipelineTrigger;
};

export type PipelineTriggerSink = (req: PipelineTriggerRequest) => Promise<void>;

// Kept on globalThis, like the runtime: the custom server and Next's bundled route code load this module twice.
const KEY = Symbol.for('slipway.pipelineTriggerSink');
type Holder = { [KEY]?: PipelineTriggerSink };
const holder = globalThis as Holder;

/** Plugs in where pipeline triggers go; null unplugs (triggers then fail until a sink is set again). */
export function setTriggerSink(sink: PipelineTriggerSink | null): void {
  if (sink) holder[KEY] = sink;
  else delete holder[KEY];
}

export class NoTriggerSinkError extends Error {
  constructor() {
    super('pipelines are not connected: no trigger sink is set');
    this.name = 'NoTriggerSinkError';
  }
}

/** Hands a trigger to the pipeline engine; throws when no sink is set or the sink fails, so callers can report it. */
export async function triggerPipeline(req: PipelineTriggerRequest): Promise<void> {
  const sink = holder[KEY];
  if (!sink) throw new NoTriggerSinkError();
  await sink(req);
}
