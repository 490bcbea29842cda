// load-test: a fixed rate for a fixed time through an environment's own gateway (the step's, or the run's target)
// to the candidate, pinned, and interleaved to the release the environment serves now; passes when the candidate
// held within the margins of that release and the environment's objectives. Runs inline in the step; the step's
// timeout stops the sending. A retried step starts a new test.
import { startLoadTest } from '@/server/services/load-tests/run';
import type { LoadTestSettingsInput } from '@/server/services/load-tests/settings';
import type { StepContext, StepOutcome } from './types';

export async function loadTestStep(ctx: StepContext): Promise<StepOutcome> {
  const { environment: named, ...settings } = ctx.step.inputs as { environment?: string } & LoadTestSettingsInput;
  const environment = named ?? ctx.run.targetEnvironment;
  if (!environment) {
    ctx.log('no environment to load-test in: name one in the step (inputs.environment) or run to deploy to one');
    return { status: 'skipped', outputs: {} };
  }
  if (ctx.signal.aborted) return { status: 'failed', outputs: {}, error: 'timed out before starting the load test' };
  const actor = { kind: 'system' as const, job: `pipeline:${ctx.service.name}#${ctx.run.number}` };
  try {
    ctx.log(`load test of ${ctx.service.name}#${ctx.release.number} in ${environment}: ${settings.ratePerSecond ?? 5} req/s for ${settings.durationSeconds ?? 30} s`);
    const test = await startLoadTest({ actor, db: ctx.db, requestId: null }, { service: ctx.service.name, environment, release: ctx.release.number, settings }, { pipelineRunId: ctx.run.id, wait: true, signal: ctx.signal });
    const c = test.results?.candidate;
    const b = test.results?.baseline;
    const line = (name: string, a: NonNullable<typeof c>) =>
      `${name} #${a.releaseNumber}: ${a.completed} requests (${a.achievedRps}/s), p50 ${a.latencyMs.p50 ?? '—'} ms, p95 ${a.latencyMs.p95 ?? '—'} ms, p99 ${a.latencyMs.p99 ?? '—'} ms, TTFT p95 ${a.ttftMs.p95 ?? '—'} ms, ${a.outputTokensPerSecond ?? '—'} tokens/s, errors ${(a.errorRate * 100).toFixed(1)}%`;
    // One entry: separate appends may land out of order.
    ctx.log([...(c ? [line('candidate', c)] : []), ...(b ? [line('stable', b)] : c ? ['no stable release to compare with: held to the objectives only'] : []), ...(test.verdict?.reasons ?? [])].join('\n'));
    const outputs = {
      environment,
      loadTest: test.id,
      verdict: test.status,
      reasons: test.verdict?.reasons ?? [],
      candidate: c ? { release: c.releaseNumber, requests: c.completed, p95Ms: c.latencyMs.p95, p99Ms: c.latencyMs.p99, ttftP95Ms: c.ttftMs.p95, errorRate: c.errorRate } : null,
      baseline: b ? { release: b.releaseNumber, requests: b.completed, p95Ms: b.latencyMs.p95, p99Ms: b.latencyMs.p99, ttftP95Ms: b.ttftMs.p95, errorRate: b.errorRate } : null,
    };
    if (test.status === 'passed') return { status: 'passed', outputs };
    const why = test.status === 'error' ? (test.error ?? 'the load test could not run') : `load test ${test.status}: ${(test.verdict?.reasons ?? []).join('; ')}`;
    return { status: 'failed', outputs, error: why };
  } catch (err) {
    return { status: 'failed', outputs: { environment }, error: err instanceof Error ? err.message : String(err) };
  }
}
