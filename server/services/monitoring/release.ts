// monitoring.release: one release's traffic, latency and cost in every environment where it answered in the range.
import { and, eq, gte, lt } from 'drizzle-orm';
import { z } from 'zod';
import { environments, releases } from '@/db/schema';
import { notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { environmentSeriesOf } from './environment';
import { chartRange } from './range';
import { rangeInput, type ReleaseSeries } from './types';

export const releaseSeriesInput = z.object({ service: slugSchema, number: z.number().int().positive() }).and(rangeInput);

export async function releaseSeries(ctx: ServiceContext, input: z.input<typeof releaseSeriesInput>): Promise<ReleaseSeries> {
  requireScope(ctx, 'services:read');
  const data = releaseSeriesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const [release] = await ctx.db.select({ id: releases.id }).from(releases).where(and(eq(releases.serviceId, service.id), eq(releases.number, data.number)));
  if (!release) throw notFound(`Release ${service.name}#${data.number}`);
  const range = chartRange(data);
  const t = range.table;
  const where = and(eq(t.serviceId, service.id), eq(t.releaseNumber, data.number), gte(t.bucket, range.from), lt(t.bucket, range.to));
  const ran = new Set((await ctx.db.selectDistinct({ environment: t.environment }).from(t).where(where)).map((r) => r.environment));
  const envs = (await ctx.db.select().from(environments).where(eq(environments.serviceId, service.id))).filter((e) => ran.has(e.name)).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return {
    release: `${service.name}#${data.number}`,
    environments: await Promise.all(envs.map((env) => environmentSeriesOf(ctx.db, service, env, range, data.number))),
  };
}
