// slipway/pipeline.requested → one pipeline run: each of its steps is a durable step, so a run interrupted by a
// restart resumes where it stopped. The work itself lives in server/pipelines/execute.ts.
import { resolveCommitCandidate } from '@/server/pipelines/engine';
import { orchestrateRun, type Durable } from '@/server/pipelines/execute';
import { getRuntime } from '@/server/runtime';
import { inngest } from '../client';
import { pipelineCancelledEvent, pipelineRequestedEvent } from '../events';

export const pipelineRun = inngest.createFunction(
  {
    id: 'pipeline-run',
    name: 'Pipeline run',
    triggers: [pipelineRequestedEvent],
    cancelOn: [{ event: pipelineCancelledEvent, match: 'data.runId' }],
    // Step failures are recorded as results, not thrown; what throws is infrastructure, worth a few retries.
    retries: 3,
    // One run at a time per service, in the order they were requested, so deploys cannot overtake each other.
    concurrency: { limit: 1, key: 'event.data.serviceId' },
  },
  async ({ event, step }) => {
    const { database } = await getRuntime();
    const durable: Durable = (id, fn) => step.run(id, fn) as Promise<Awaited<ReturnType<typeof fn>>>;
    return orchestrateRun(database.db, event.data.runId, durable, resolveCommitCandidate);
  },
);
