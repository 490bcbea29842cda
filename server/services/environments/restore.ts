// Restores an earlier state of an environment: a new history entry that copies the chosen one.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { environmentHistory } from '@/db/schema';
import { notFound } from '@/server/errors';
import { withTransaction, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { appendHistory, assertMayDeploy } from './deploy';

export const restoreInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  historyId: z.number().int().positive('must be a history entry id'),
  reason: z.string().trim().max(500).default(''),
});

export async function restoreEnvironment(ctx: ServiceContext, input: z.input<typeof restoreInput>) {
  const data = restoreInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    assertMayDeploy(tx, env);
    const [source] = await tx.db
      .select()
      .from(environmentHistory)
      .where(and(eq(environmentHistory.id, data.historyId), eq(environmentHistory.environmentId, env.id)))
      .limit(1);
    if (!source) throw notFound(`History entry ${data.historyId} of ${service.name}/${env.name}`);
    return appendHistory(tx, service, env, { kind: 'restore', routes: source.routes, reason: data.reason || `restore entry ${source.id}`, restoredFromId: source.id });
  });
}
