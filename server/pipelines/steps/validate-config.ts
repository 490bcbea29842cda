// validate-config: checks that the candidate can serve at all before anything slower runs: the model version
// has an endpoint and a usable status, every prompt resolves its includes and renders, the target
// environment exists and its rules will let this run through.
import { eq } from 'drizzle-orm';
import { releases, type Json, type PromptVariable } from '@/db/schema';
import { DomainError } from '@/server/errors';
import { dbResolver } from '@/server/services/prompts/resolve';
import { expand, fill } from '@/server/lib/template';
import { getRelease } from '@/server/services/releases/queries';
import { environmentByName } from '@/server/services/registry-shared';
import { branchMatches } from '@/server/services/pipelines/parse';
import type { StepContext, StepOutcome } from './types';

const sample = (v: PromptVariable): Json => (v.default !== undefined ? v.default : v.type === 'number' ? 1 : v.type === 'boolean' ? true : v.type === 'json' ? {} : 'example');

export async function validateConfig(ctx: StepContext): Promise<StepOutcome> {
  const checks: { check: string; ok: boolean; detail: string }[] = [];
  const add = (check: string, ok: boolean, detail: string) => {
    checks.push({ check, ok, detail });
    ctx.log(`${ok ? 'ok  ' : 'FAIL'} ${check}: ${detail}`);
  };
  const release = await getRelease({ actor: { kind: 'system', job: 'pipeline' }, db: ctx.db, requestId: null }, { service: ctx.service.name, number: ctx.release.number });
  const m = release.model;
  add('model endpoint', m.providerKind === 'container' ? false : Boolean(m.baseUrl), m.baseUrl ? `${m.ref} answers at ${m.baseUrl}` : `${m.ref} is a container image with no endpoint yet`);
  const requireValidated = ctx.step.inputs.requireValidatedModel === true;
  const statusOk = m.status === 'validated' || (!requireValidated && m.status === 'registered');
  add('model status', statusOk, `${m.ref} is ${m.status}${requireValidated ? ' (validated required)' : ''}`);
  if (m.priceInputPer1M === 0 && m.priceOutputPer1M === 0) ctx.log(`note: ${m.ref} has no prices, so cost per request will read 0`);

  const resolver = dbResolver(ctx.db, ctx.service);
  for (const p of release.prompts) {
    try {
      const tree = await expand({ prompt: p.name, version: p.version, messages: p.messages, variables: p.variables }, resolver);
      const values = Object.fromEntries(tree.variables.filter((v) => v.required || v.default !== undefined).map((v) => [v.name, sample(v)]));
      const messages = fill(tree.messages, tree.variables, values);
      add(`prompt ${p.ref}`, true, `renders ${messages.length} message${messages.length === 1 ? '' : 's'}${tree.used.length > 1 ? ` with ${tree.used.slice(1).map((u) => `${u.prompt}@${u.version}`).join(', ')}` : ''}`);
    } catch (err) {
      add(`prompt ${p.ref}`, false, err instanceof DomainError ? err.message : String(err));
    }
  }

  if (ctx.run.mode === 'deploy' && ctx.run.targetEnvironment) {
    try {
      const env = await environmentByName(ctx.db, ctx.service, ctx.run.targetEnvironment);
      // As the deploy step sees it: the run's branch when it built the candidate from a commit, else the release's.
      const [release] = await ctx.db.select({ branch: releases.branch }).from(releases).where(eq(releases.id, ctx.release.id));
      const branch = ctx.run.trigger.commit ? ctx.run.trigger.branch : (release?.branch ?? null);
      const allowed = env.protection.allowedBranches;
      const branchOk = !allowed.length || (branch !== null && allowed.some((a) => branchMatches(a, branch)));
      add(`environment ${env.name}`, branchOk, branchOk ? `exists; ${env.protection.requiredApprovals ? `needs ${env.protection.requiredApprovals} approval(s)` : 'no approval needed'}` : `branch ${branch ?? '(none)'} may not deploy here (allowed: ${allowed.join(', ')})`);
    } catch (err) {
      add(`environment ${ctx.run.targetEnvironment}`, false, err instanceof Error ? err.message : String(err));
    }
  }
  const failed = checks.filter((c) => !c.ok);
  return { status: failed.length ? 'failed' : 'passed', outputs: { checks }, error: failed.length ? failed.map((c) => `${c.check}: ${c.detail}`).join('; ') : undefined };
}
