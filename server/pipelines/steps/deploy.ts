// deploy: takes the candidate into the target environment through the release flow, as the pipeline: the
// environment's branch rules and approvals apply, then its rollout policy (canary, linear, blue-green or all at
// once, with analysis). The step ends when the rollout does; the run waits for it.
import { invalid } from '@/server/errors';
import { createRollout, promoteProblem } from '@/server/services/rollouts/promote';
import { withTransaction } from '@/server/services/context';
import { entryAt } from '@/server/services/environments/state';
import { environmentByName } from '@/server/services/registry-shared';
import { releases } from '@/db/schema';
import { eq } from 'drizzle-orm';
import type { StepContext, StepOutcome } from './types';

export async function deployStep(ctx: StepContext): Promise<StepOutcome> {
  const target = (ctx.step.inputs.environment as string | undefined) ?? ctx.run.targetEnvironment;
  if (ctx.run.mode !== 'deploy' || !target) {
    ctx.log('evaluate-only run: nothing deployed');
    return { status: 'skipped', outputs: {} };
  }
  // A step that already timed out must not change the environment afterwards.
  if (ctx.signal.aborted) return { status: 'failed', outputs: {}, error: 'timed out before deploying' };
  const actor = { kind: 'system' as const, job: `pipeline:${ctx.service.name}#${ctx.run.number}` };
  try {
    const rollout = await withTransaction({ actor, db: ctx.db, requestId: null }, async (tx) => {
      const env = await environmentByName(tx.db, ctx.service, target);
      const [release] = await tx.db.select().from(releases).where(eq(releases.id, ctx.release.id));
      // Nothing to move when the environment already runs the candidate on all traffic (a retry, or a second run
      // of a release that got there): the step passes, as long as the branch rules take the release there.
      const live = ((await entryAt(tx.db, env.id))?.routes ?? []).filter((r) => r.weight > 0);
      if (live.length === 1 && live[0]!.releaseId === release!.id) {
        const problem = promoteProblem(env, release!, ctx.run.trigger.commit ? ctx.run.trigger.branch : release!.branch, null);
        if (problem) throw invalid('release', problem);
        return null;
      }
      return createRollout(tx, {
        service: ctx.service,
        env,
        release: release!,
        reason: `pipeline run ${ctx.run.number}${ctx.run.trigger.commit ? ` at ${ctx.run.trigger.commit.slice(0, 7)}` : ''}`,
        // The branch a run names counts only when the run built the candidate from that branch's commit; a run
        // that tests an existing release deploys it with the branch the release was built from.
        branch: ctx.run.trigger.commit ? ctx.run.trigger.branch : undefined,
        pipelineRunId: ctx.run.id,
        authors: [ctx.run.createdBy, ctx.run.trigger.author ?? ''],
        authorUserIds: [ctx.run.createdByUserId],
      });
    });
    if (!rollout) {
      ctx.log(`${ctx.service.name}/${target} already runs ${ctx.service.name}#${ctx.release.number} on all traffic: nothing to roll out`);
      return { status: 'passed', outputs: { environment: target, release: ctx.release.number, rollout: null } };
    }
    ctx.log(`rollout ${rollout.number} of ${ctx.service.name}#${ctx.release.number} to ${target} started (${rollout.strategy}${rollout.status === 'awaiting-approval' ? ', waiting for approval' : ''})`);
    return { status: 'passed', outputs: { environment: target, release: ctx.release.number, rollout: rollout.number }, rolloutId: rollout.id };
  } catch (err) {
    return { status: 'failed', outputs: {}, error: err instanceof Error ? err.message.replace(/^release: /, '') : String(err) };
  }
}
