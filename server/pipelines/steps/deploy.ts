// deploy: routes all of the target environment's traffic to the candidate, as the pipeline. Environments
// that require approval are not changed here: approvals and progressive rollouts come with the release flow.
import { deploy as deployVerb } from '@/server/services/environments/deploy';
import { environmentByName } from '@/server/services/registry-shared';
import { branchMatches } from '../definition';
import type { StepContext, StepOutcome } from './types';

export async function deployStep(ctx: StepContext): Promise<StepOutcome> {
  const target = (ctx.step.inputs.environment as string | undefined) ?? ctx.run.targetEnvironment;
  if (ctx.run.mode !== 'deploy' || !target) {
    ctx.log('evaluate-only run: nothing deployed');
    return { status: 'skipped', outputs: {} };
  }
  const env = await environmentByName(ctx.db, ctx.service, target);
  const branch = ctx.run.trigger.branch;
  if (env.protection.allowedBranches.length && !(branch && env.protection.allowedBranches.some((a) => branchMatches(a, branch)))) {
    return { status: 'failed', outputs: {}, error: `branch ${branch ?? '(none)'} may not deploy to ${target} (allowed: ${env.protection.allowedBranches.join(', ')})` };
  }
  if (env.protection.requiredApprovals > 0) {
    return { status: 'failed', outputs: {}, error: `${target} requires ${env.protection.requiredApprovals} approval(s); deploying there needs an approval step, which comes with the release flow` };
  }
  // A step that already timed out must not change the environment afterwards.
  if (ctx.signal.aborted) return { status: 'failed', outputs: {}, error: 'timed out before deploying' };
  const entry = await deployVerb(
    { actor: { kind: 'system', job: `pipeline:${ctx.service.name}#${ctx.run.number}` }, db: ctx.db, requestId: null },
    { service: ctx.service.name, environment: target, routes: [{ release: ctx.release.number, weight: 100 }], reason: `pipeline run ${ctx.run.number}${ctx.run.trigger.commit ? ` at ${ctx.run.trigger.commit.slice(0, 7)}` : ''}` },
  );
  ctx.log(`${ctx.service.name}/${target} now runs ${ctx.service.name}#${ctx.release.number} (history entry ${entry.id})`);
  return { status: 'passed', outputs: { environment: target, release: ctx.release.number, historyId: entry.id } };
}
