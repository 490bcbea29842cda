// Cancels a queued or running eval run: it stops before its next call, and its calls in flight are dropped.
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { evalRuns } from '@/db/schema';
import { evalDispatcher } from '@/server/evals/runner-dispatch';
import { precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { runByNumber } from './shared';

export const cancelRunInput = z.object({ service: slugSchema, number: z.number().int().positive(), reason: z.string().trim().max(500).default('') });

export async function cancelEvalRun(ctx: ServiceContext, input: z.input<typeof cancelRunInput>) {
  requireScope(ctx, 'evals:run');
  const data = cancelRunInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const found = await runByNumber(tx.db, service, data.number);
    const [run] = await tx.db
      .update(evalRuns)
      .set({ status: 'cancelled', finishedAt: new Date(), error: data.reason ? `cancelled: ${data.reason}` : 'cancelled' })
      .where(and(eq(evalRuns.id, found.id), inArray(evalRuns.status, ['queued', 'running'])))
      .returning();
    if (!run) throw precondition(`Eval run ${found.number} has already ended (${found.status})`);
    await recordAudit(tx, { action: 'eval-run.cancel', target: { kind: 'eval_run', id: run.id, label: `${service.name} eval run ${run.number}` }, summary: `Cancelled eval run ${run.number} of ${service.name}${data.reason ? ` — ${data.reason}` : ''}` });
    await onCommit(tx, async () => {
      const d = evalDispatcher();
      await d?.cancel(run.id);
      await d?.finished({ runId: run.id, serviceId: run.serviceId, status: 'cancelled', passed: false });
    });
    return run;
  });
}
