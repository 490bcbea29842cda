// Gateway traffic of an environment since a time, per release: requests, failures, latency, tokens, cost and
// the feedback applications sent for those releases' answers.
import { and, eq, gte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { storableDate } from '@/server/lib/storable';
import { feedback, requestLogs } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';

export const telemetrySummaryInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  since: storableDate().optional(),
  includeShadow: z.boolean().default(false),
});

export async function telemetrySummary(ctx: ServiceContext, input: z.input<typeof telemetrySummaryInput>) {
  requireScope(ctx, 'services:read');
  const data = telemetrySummaryInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  await environmentByName(ctx.db, service, data.environment);
  const since = data.since ?? new Date(Date.now() - 3600_000);
  const where = and(eq(requestLogs.serviceId, service.id), eq(requestLogs.environment, data.environment), gte(requestLogs.at, since), eq(requestLogs.synthetic, false), data.includeShadow ? undefined : eq(requestLogs.shadow, false));
  const releases = await ctx.db
    .select({
      releaseNumber: requestLogs.releaseNumber,
      shadow: requestLogs.shadow,
      requests: sql<number>`count(*)::int`,
      errors: sql<number>`count(*) filter (where ${requestLogs.status} <> 200)::int`,
      fallbacks: sql<number>`count(*) filter (where ${requestLogs.fallback})::int`,
      // Latency of generated answers: embeddings calls are counted, but not in the percentiles.
      p50LatencyMs: sql<number>`percentile_cont(0.5) within group (order by ${requestLogs.latencyMs}) filter (where ${requestLogs.endpoint} <> 'embeddings')`,
      p95LatencyMs: sql<number>`percentile_cont(0.95) within group (order by ${requestLogs.latencyMs}) filter (where ${requestLogs.endpoint} <> 'embeddings')`,
      inputTokens: sql<number>`coalesce(sum(${requestLogs.inputTokens}), 0)::int`,
      outputTokens: sql<number>`coalesce(sum(${requestLogs.outputTokens}), 0)::int`,
      costUsd: sql<number>`coalesce(sum(${requestLogs.costUsd}), 0)::float8`,
    })
    .from(requestLogs)
    .where(where)
    .groupBy(requestLogs.releaseNumber, requestLogs.shadow)
    .orderBy(requestLogs.releaseNumber);
  // Feedback names a request; the request's live (not shadow) row says which release answered it.
  const fbByRelease = await ctx.db
    .select({ releaseNumber: requestLogs.releaseNumber, count: sql<number>`count(*)::int`, mean: sql<number | null>`avg(${feedback.score})::float8` })
    .from(feedback)
    .innerJoin(requestLogs, and(eq(requestLogs.requestId, feedback.requestId), eq(requestLogs.serviceId, feedback.serviceId), eq(requestLogs.shadow, false), eq(requestLogs.synthetic, false), eq(requestLogs.status, 200)))
    .where(and(eq(feedback.serviceId, service.id), eq(feedback.environment, data.environment), gte(feedback.at, since)))
    .groupBy(requestLogs.releaseNumber);
  const [fb] = await ctx.db
    .select({ count: sql<number>`count(*)::int`, mean: sql<number | null>`avg(${feedback.score})::float8` })
    .from(feedback)
    .where(and(eq(feedback.serviceId, service.id), eq(feedback.environment, data.environment), gte(feedback.at, since)));
  return {
    since,
    releases: releases.map((r) => {
      const f = r.shadow ? undefined : fbByRelease.find((x) => x.releaseNumber === r.releaseNumber);
      return { ...r, p50LatencyMs: Number(r.p50LatencyMs), p95LatencyMs: Number(r.p95LatencyMs), feedback: { count: f?.count ?? 0, meanScore: f?.mean ?? null } };
    }),
    total: releases.reduce((n, r) => n + r.requests, 0),
    feedback: { count: fb?.count ?? 0, meanScore: fb?.mean ?? null },
  };
}
