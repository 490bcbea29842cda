// Runs an environment's required gates (or the ones named) on a release, against the release the environment
// serves now or the one named: a suite gate (eval, safety, injection, data-quality) starts one run per suite of its
// type that decides it; the load-test gate starts nothing (a load test is run on its own) and says where it stands
// and how to run one; a gate type not built yet starts nothing and is reported failed, saying so.
import { z } from 'zod';
import { GATE_TYPES, type SuiteType } from '@/db/schema';
import { invalid } from '@/server/errors';
import { recordNoChange } from '../audit/record';
import { requireScope, type ServiceContext } from '../context';
import { startGateRuns } from '../evals/start-run';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { releaseByNumber } from './queries';
import { BUILT_GATES, LOAD_TEST_GATE, loadTestGateOf } from './status';

export const runGatesInput = z.object({
  service: slugSchema,
  release: z.number().int().positive('must be a release number'),
  environment: slugSchema,
  /** By default the gates the environment requires. */
  gates: z.array(z.enum(GATE_TYPES, { message: `must be one of ${GATE_TYPES.join(', ')}` })).min(1, 'name at least one gate').max(GATE_TYPES.length).optional(),
  /** A release number, `none`, or left out: the release the environment's stable arm serves now. */
  baseline: z.union([z.number().int().positive('must be a release number'), z.literal('none')]).optional(),
});

export async function runGates(ctx: ServiceContext, input: z.input<typeof runGatesInput>) {
  requireScope(ctx, 'evals:run');
  const data = runGatesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service);
  const env = await environmentByName(ctx.db, service, data.environment);
  const release = await releaseByNumber(ctx.db, service, data.release);
  const gates = [...new Set(data.gates ?? env.protection.requiredGates)];
  if (!gates.length) throw invalid('gates', `${env.name} requires no gates; name the ones to run`);
  const out: { type: string; runs: { number: number; id: string }[]; message: string | null }[] = [];
  for (const type of gates) {
    if (type === LOAD_TEST_GATE) {
      // A load test sends traffic for a while at a chosen rate: it is started on its own, not with the eval gates.
      const view = await loadTestGateOf(ctx.db, env, release);
      out.push({ type, runs: [], message: view.state === 'passed' ? view.message : `${view.message} — the load-test gate is decided by load tests: slipway loadtest run ${service.name} --environment ${env.name} --release ${release.number}` });
      continue;
    }
    if (!BUILT_GATES.includes(type)) {
      out.push({ type, runs: [], message: `the ${type} gate is not built yet; an admin may override` });
      continue;
    }
    const runs = await startGateRuns(ctx, { service: service.name, release: release.number, environment: env.name, gate: type as SuiteType, baseline: data.baseline });
    out.push({ type, runs: runs.map((r) => ({ number: r.number, id: r.id })), message: null });
  }
  // Gates that start nothing here (load-test, or not built yet) change nothing to audit.
  if (!out.some((g) => g.runs.length)) recordNoChange(ctx);
  return { release: `${service.name}#${release.number}`, environment: env.name, gates: out };
}
