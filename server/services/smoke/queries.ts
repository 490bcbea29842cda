// Reading smoke tests: an environment's schedule with its next slot and its latest runs, and one run whole.
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { smokeRuns } from '@/db/schema';
import { notFound } from '@/server/errors';
import { checksOf } from '../checks/settings';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { nextSlot } from './schedule';

export const smokeRunsInput = z.object({ service: slugSchema, environment: slugSchema, limit: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(20) });
export const smokeRunInput = z.object({ id: z.uuid({ message: 'must be a smoke run id (a UUID)' }) });

export async function listSmokeRuns(ctx: ServiceContext, input: z.input<typeof smokeRunsInput>) {
  requireScope(ctx, 'services:read');
  const data = smokeRunsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const settings = checksOf(env).smoke;
  const runs = await ctx.db.select().from(smokeRuns).where(eq(smokeRuns.environmentId, env.id)).orderBy(desc(smokeRuns.startedAt)).limit(data.limit);
  return {
    service: service.name,
    environment: env.name,
    settings,
    /** The next scheduled slot (UTC); null when scheduled runs are off. */
    nextRunAt: settings.enabled && settings.suite ? nextSlot(settings.schedule, new Date()) : null,
    runs,
  };
}

export async function getSmokeRun(ctx: ServiceContext, input: z.input<typeof smokeRunInput>) {
  requireScope(ctx, 'services:read');
  const data = smokeRunInput.parse(input);
  const [run] = await ctx.db.select().from(smokeRuns).where(and(eq(smokeRuns.id, data.id)));
  if (!run) throw notFound('Smoke run');
  return run;
}
