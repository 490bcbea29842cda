// Connects prompt-variations runs to the workflow engine: a started run is sent as an event once committed; the
// event id makes a second dispatch of the same run a duplicate the engine ignores.
import { inngest } from '@/inngest/client';
import { variationsRequestedEvent } from '@/inngest/events';
import { setVariationsDispatcher } from './variations-dispatch';

export function connectVariations(): void {
  setVariationsDispatcher({
    start: async (runId) => {
      await inngest.send({ ...variationsRequestedEvent.create({ runId }), id: `variations-run-${runId}` });
    },
  });
}
