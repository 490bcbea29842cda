// Connects pipelines to the jobs engine: runs are dispatched as events once committed, verified webhooks start
// runs, commits become release candidates, and runs left queued by a crash are dispatched again at start.
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { pipelineRuns, services } from '@/db/schema';
import { inngest } from '@/inngest/client';
import { pipelineCancelledEvent, pipelineRequestedEvent } from '@/inngest/events';
import { logger } from '@/server/logger';
import { startRun } from '@/server/services/pipelines/start';
import { runDispatcher, setRunDispatcher } from '@/server/services/pipelines/dispatch';
import type { CandidateResolver } from './execute';
import { resolveReleaseCandidate } from './source';
import { setTriggerSink } from './trigger';

// The event id makes a second dispatch of the same run (a retry after a crash) a duplicate the engine ignores.
async function requested(db: Db, runId: string) {
  const [run] = await db.select({ serviceId: pipelineRuns.serviceId }).from(pipelineRuns).where(eq(pipelineRuns.id, runId));
  return { ...pipelineRequestedEvent.create({ runId, serviceId: run?.serviceId }), id: `pipeline-run-${runId}` };
}

export const resolveCommitCandidate: CandidateResolver = async (db, run, log) => {
  const [service] = await db.select({ name: services.name }).from(services).where(eq(services.id, run.serviceId));
  log(`fetching ${run.trigger.commit} and reading its manifest`);
  const candidate = await resolveReleaseCandidate({ actor: { kind: 'system', job: `pipeline:${service!.name}#${run.number}` }, db, requestId: null }, { service: service!.name, commit: run.trigger.commit!, branch: run.trigger.branch, notes: `pipeline run ${run.number}` });
  for (const item of candidate.items) log(`${item.kind} ${item.name}: ${item.status}${item.detail ? ` (${item.detail})` : ''}`);
  log(`candidate ${candidate.ref}: ${candidate.manifest.model} with ${candidate.manifest.prompts.join(', ') || 'no prompts'}`);
  return { id: candidate.releaseId, number: candidate.number };
};

export function connectPipelines(db: Db): void {
  setRunDispatcher({
    start: async (runId) => {
      await inngest.send(await requested(db, runId));
    },
    cancel: async (runId) => {
      await inngest.send(pipelineCancelledEvent.create({ runId }));
    },
  });
  setTriggerSink(async ({ serviceId, trigger }) => {
    const [service] = await db.select({ name: services.name }).from(services).where(eq(services.id, serviceId));
    if (!service) throw new Error('the service of this delivery no longer exists');
    await startRun({ actor: { kind: 'system', job: `webhook:${trigger.provider ?? 'generic'}` }, db, requestId: trigger.deliveryId }, { service: service.name, trigger });
  });
}

/** Runs still queued a while after they were recorded never reached the engine (a crash between commit and send). */
export async function redispatchQueuedRuns(db: Db, olderThanMs = 5_000): Promise<number> {
  const stale = await db
    .select({ id: pipelineRuns.id })
    .from(pipelineRuns)
    .where(and(eq(pipelineRuns.status, 'queued'), lt(pipelineRuns.createdAt, new Date(Date.now() - olderThanMs))));
  const dispatcher = runDispatcher();
  if (!dispatcher) return 0;
  for (const run of stale) await dispatcher.start(run.id);
  if (stale.length) logger.info({ runs: stale.length }, 'dispatched pipeline runs left queued');
  return stale.length;
}
