// slipway/variations.requested → one prompt-variations run: a durable step per cell of the matrix, so a killed
// app resumes at the cell it was in, and skips the cases of that cell already scored. The work lives in
// server/services/evals/variations-execute.ts.
import { orchestrateVariations } from '@/server/services/evals/variations-execute';
import { getRuntime } from '@/server/runtime';
import { inngest } from '../client';
import { variationsRequestedEvent } from '../events';

export const variationsRun = inngest.createFunction(
  {
    id: 'variations-run',
    name: 'Prompt variations',
    triggers: [variationsRequestedEvent],
    retries: 3,
    // One function run per variations run, however often its start is dispatched again.
    idempotency: 'event.data.runId',
  },
  async ({ event, step }) => {
    const { database } = await getRuntime();
    return orchestrateVariations(database.db, event.data.runId, (id, fn) => step.run(id, fn) as never);
  },
);
