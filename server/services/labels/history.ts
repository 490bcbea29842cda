// The full history of a target's labels: every move with who, when, from, to and why.
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { labelMoves, labels } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { slugSchema } from '../registry-shared';
import { labelTargetSchema, resolveLabelTarget } from './move';

export const labelHistoryInput = z.object({ target: labelTargetSchema, label: slugSchema.optional() });

export async function labelHistory(ctx: ServiceContext, input: z.input<typeof labelHistoryInput>) {
  const data = labelHistoryInput.parse(input);
  requireScope(ctx, data.target.kind === 'prompt' ? 'prompts:read' : 'models:read');
  const t = await resolveLabelTarget(ctx.db, data.target);
  return ctx.db
    .select({ id: labelMoves.id, label: labels.name, fromVersion: labelMoves.fromVersion, toVersion: labelMoves.toVersion, reason: labelMoves.reason, actor: labelMoves.actorLabel, at: labelMoves.at })
    .from(labelMoves)
    .innerJoin(labels, eq(labels.id, labelMoves.labelId))
    .where(and(eq(t.column, t.id), data.label ? eq(labels.name, data.label) : undefined))
    .orderBy(desc(labelMoves.at), desc(labelMoves.id));
}
