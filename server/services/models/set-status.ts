// Moves a model version along its lifecycle: registered → validated → deprecated → archived.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { modelVersions } from '@/db/schema';
import { notFound, precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { STATUS_TRANSITIONS } from '../registry-rules';
import { modelByName, slugSchema } from '../registry-shared';

export const setModelStatusInput = z.object({
  model: slugSchema,
  version: z.number().int().positive(),
  status: z.enum(['registered', 'validated', 'deprecated', 'archived']),
  reason: z.string().trim().max(500).default(''),
});

export async function setModelStatus(ctx: ServiceContext, input: z.input<typeof setModelStatusInput>) {
  requireScope(ctx, 'models:write');
  const data = setModelStatusInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const model = await modelByName(tx.db, data.model);
    const [v] = await tx.db
      .select()
      .from(modelVersions)
      .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, data.version)))
      .for('update');
    if (!v) throw notFound(`Model version ${model.name}@${data.version}`);
    if (!STATUS_TRANSITIONS[v.status].includes(data.status)) {
      const allowed = STATUS_TRANSITIONS[v.status];
      throw precondition(`${model.name}@${v.version} is ${v.status}; it can move to ${allowed.length ? allowed.join(' or ') : 'nothing (archived is final)'}, not ${data.status}`);
    }
    const [after] = await tx.db.update(modelVersions).set({ status: data.status, statusChangedAt: new Date() }).where(eq(modelVersions.id, v.id)).returning();
    await recordAudit(tx, {
      action: 'model.status',
      target: { kind: 'model_version', id: v.id, label: `${model.name}@${v.version}` },
      summary: `${model.name}@${v.version}: ${v.status} → ${data.status}${data.reason ? ` — ${data.reason}` : ''}`,
      changes: { status: { from: v.status, to: data.status } },
    });
    return { ref: `${model.name}@${v.version}`, status: after!.status };
  });
}
