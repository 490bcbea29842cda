// The input/output samples the gateway keeps (opt-in per environment, truncated and redacted when written; see
// server/gateway/redact.ts), newest first, for choosing some to add to a dataset.
import { and, desc, eq, isNotNull, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { requestLogs } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';

export const listSamplesInput = z.object({
  service: slugSchema,
  environment: slugSchema.optional(),
  /** Page back from this row id. */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(100).default(20),
});

export async function listSamples(ctx: ServiceContext, input: z.input<typeof listSamplesInput>) {
  requireScope(ctx, 'services:read');
  const data = listSamplesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  if (data.environment) await environmentByName(ctx.db, service, data.environment);
  const filters: SQL[] = [eq(requestLogs.serviceId, service.id), isNotNull(requestLogs.sample), eq(requestLogs.shadow, false), eq(requestLogs.synthetic, false)];
  if (data.environment) filters.push(eq(requestLogs.environment, data.environment));
  if (data.before) filters.push(lt(requestLogs.id, data.before));
  const rows = await ctx.db
    .select({ id: requestLogs.id, at: requestLogs.at, requestId: requestLogs.requestId, environment: requestLogs.environment, releaseNumber: requestLogs.releaseNumber, status: requestLogs.status, sample: requestLogs.sample })
    .from(requestLogs)
    .where(and(...filters))
    .orderBy(desc(requestLogs.id))
    .limit(data.limit);
  return rows.map((r) => ({ ...r, sample: r.sample! }));
}
