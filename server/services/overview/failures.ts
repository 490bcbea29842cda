// What went wrong lately, across every service, newest first: pipeline runs that failed, eval runs that failed
// their verdict or broke, rollouts that failed, were aborted or timed out waiting for approval, and rollbacks
// (automatic ones and the one-click kind).
import { and, desc, eq, gte, inArray, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { environments, evalRuns, evalSuites, evalSuiteVersions, pipelineRuns, releases, rollouts, services, type EvalRunStatus, type PipelineRunStatus, type RolloutStatus } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';

export const recentFailuresInput = z
  .object({ days: z.number().int().min(1).max(90).default(7), limit: z.number().int().min(1).max(100).default(20) })
  .default({ days: 7, limit: 20 });

interface FailureBase {
  service: string;
  environment: string | null;
  /** The run's or rollout's number (per service for runs, per environment for rollouts). */
  number: number;
  release: number | null;
  /** Why, in the words the run or rollout recorded. */
  message: string | null;
  at: Date;
}
export type Failure = FailureBase &
  ({ kind: 'pipeline-run'; status: PipelineRunStatus } | { kind: 'eval-run' | 'variations-run'; status: EvalRunStatus } | { kind: 'rollout' | 'rollback'; status: RolloutStatus });

const ROLLOUT_FAILURES = ['failed', 'aborted', 'approval-timed-out'] as const;

export async function recentFailures(ctx: ServiceContext, input: z.input<typeof recentFailuresInput>): Promise<Failure[]> {
  requireScope(ctx, 'pipelines:read');
  requireScope(ctx, 'rollouts:read');
  requireScope(ctx, 'services:read');
  const { days, limit } = recentFailuresInput.parse(input);
  const since = new Date(Date.now() - days * 86_400_000);
  const pipelineAt = sql<Date>`coalesce(${pipelineRuns.endedAt}, ${pipelineRuns.createdAt})`.mapWith(pipelineRuns.createdAt);
  const evalAt = sql<Date>`coalesce(${evalRuns.finishedAt}, ${evalRuns.createdAt})`.mapWith(evalRuns.createdAt);
  const rolloutAt = sql<Date>`coalesce(${rollouts.endedAt}, ${rollouts.updatedAt})`.mapWith(rollouts.updatedAt);
  const [pipelines, evals, rolls] = await Promise.all([
    ctx.db
      .select({ service: services.name, environment: pipelineRuns.targetEnvironment, number: pipelineRuns.number, status: pipelineRuns.status, release: releases.number, message: pipelineRuns.error, at: pipelineAt })
      .from(pipelineRuns)
      .innerJoin(services, eq(services.id, pipelineRuns.serviceId))
      .leftJoin(releases, eq(releases.id, pipelineRuns.releaseId))
      .where(and(eq(pipelineRuns.status, 'failed'), gte(pipelineAt, since)))
      .orderBy(desc(pipelineAt))
      .limit(limit),
    ctx.db
      .select({ service: services.name, environment: environments.name, number: evalRuns.number, kind: evalRuns.kind, status: evalRuns.status, release: releases.number, suite: evalSuites.name, error: evalRuns.error, summary: evalRuns.summary, at: evalAt })
      .from(evalRuns)
      .innerJoin(services, eq(services.id, evalRuns.serviceId))
      .innerJoin(releases, eq(releases.id, evalRuns.releaseId))
      .innerJoin(evalSuiteVersions, eq(evalSuiteVersions.id, evalRuns.suiteVersionId))
      .innerJoin(evalSuites, eq(evalSuites.id, evalSuiteVersions.suiteId))
      .leftJoin(environments, eq(environments.id, evalRuns.environmentId))
      .where(and(inArray(evalRuns.status, ['failed', 'error']), gte(evalAt, since)))
      .orderBy(desc(evalAt))
      .limit(limit),
    ctx.db
      .select({ service: services.name, environment: environments.name, number: rollouts.number, kind: rollouts.kind, status: rollouts.status, release: rollouts.releaseNumber, message: rollouts.reason, at: rolloutAt })
      .from(rollouts)
      .innerJoin(services, eq(services.id, rollouts.serviceId))
      .innerJoin(environments, eq(environments.id, rollouts.environmentId))
      .where(and(or(inArray(rollouts.status, [...ROLLOUT_FAILURES, 'rolled-back']), eq(rollouts.kind, 'rollback')), gte(rolloutAt, since)))
      .orderBy(desc(rolloutAt))
      .limit(limit),
  ]);
  const all: Failure[] = [
    ...pipelines.map((p) => ({ kind: 'pipeline-run' as const, ...p })),
    ...evals.map(({ kind, suite, error, summary, ...e }) => ({
      ...e,
      kind: kind === 'prompt-variations' ? ('variations-run' as const) : ('eval-run' as const),
      message: error ?? (summary?.verdict.reasons.length ? `${suite}: ${summary.verdict.reasons.join('; ')}` : suite),
    })),
    ...rolls.map(({ kind, ...r }) => ({ ...r, kind: kind === 'rollback' || r.status === 'rolled-back' ? ('rollback' as const) : ('rollout' as const) })),
  ];
  return all.sort((a, b) => b.at.getTime() - a.at.getTime()).slice(0, limit);
}
