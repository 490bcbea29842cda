// Moves a label (production, staging or custom) on a prompt's or a model's versions, recording who moved
// it, from which version, to which, and why. Protected labels move only for approvers.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { labelMoves, labels, type Label } from '@/db/schema';
import { actorRole } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { forbidden, invalid } from '@/server/errors';
import { recordAudit, recordNoChange } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { resolveModelVersion } from '../models/queries';
import { dbResolver, findPromptVersion } from '../prompts/resolve';
import { expand } from '@/server/lib/template';
import { PROTECTED_BY_DEFAULT } from '../registry-rules';
import { by, modelByName, promptByName, serviceByName, slugSchema } from '../registry-shared';

export const labelTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('prompt'), service: slugSchema, prompt: slugSchema }),
  z.object({ kind: z.literal('model'), model: slugSchema }),
]);
export type LabelTarget = z.output<typeof labelTargetSchema>;

export const moveLabelInput = z.object({
  target: labelTargetSchema,
  label: slugSchema.refine((l) => l !== 'latest', 'latest is reserved: it always means the newest version'),
  version: z.number().int().positive('must be a version number'),
  reason: z.string().trim().max(500).default(''),
});

export async function resolveLabelTarget(db: Db, target: LabelTarget) {
  if (target.kind === 'prompt') {
    const service = await serviceByName(db, target.service);
    const prompt = await promptByName(db, service, target.prompt);
    return {
      column: labels.promptId,
      id: prompt.id,
      display: `${service.name}/${prompt.name}`,
      auditKind: 'prompt',
      checkVersion: (v: number) => findPromptVersion(db, service, prompt.name, { version: v }),
      // Moving a label can close a composition loop through includes that name it; refuse that before it happens.
      checkComposition: async (label: string, v: number) => {
        const { version } = await findPromptVersion(db, service, prompt.name, { version: v });
        await expand({ prompt: prompt.name, version: v, messages: version.messages, variables: version.variables }, dbResolver(db, service, { label: { prompt: prompt.name, label, version: v } }));
      },
    };
  }
  const model = await modelByName(db, target.model);
  return { column: labels.modelId, id: model.id, display: model.name, auditKind: 'model', checkVersion: (v: number) => resolveModelVersion(db, model.name, { version: v }), checkComposition: async (_label: string, _version: number) => undefined };
}

export async function moveLabel(ctx: ServiceContext, input: z.input<typeof moveLabelInput>) {
  requireScope(ctx, 'labels:move');
  const data = moveLabelInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const t = await resolveLabelTarget(tx.db, data.target);
    await t.checkVersion(data.version).catch(() => {
      throw invalid('version', `${t.display} has no version ${data.version}`);
    });
    await t.checkComposition(data.label, data.version);
    const [existing] = await tx.db
      .select()
      .from(labels)
      .where(and(eq(t.column, t.id), eq(labels.name, data.label)))
      .for('update');
    const isProtected = existing ? existing.protected : PROTECTED_BY_DEFAULT.has(data.label);
    if (isProtected && !can(actorRole(ctx.actor), 'labels:move-protected')) throw forbidden(`"${data.label}" on ${t.display} is protected: only approvers may move it`);
    if (existing?.version === data.version) {
      recordNoChange(tx);
      return { label: existing, moved: false };
    }
    let label: Label;
    if (existing) {
      [label] = (await tx.db.update(labels).set({ version: data.version, updatedAt: new Date() }).where(eq(labels.id, existing.id)).returning()) as [Label];
    } else {
      [label] = (await tx.db
        .insert(labels)
        .values({ [data.target.kind === 'prompt' ? 'promptId' : 'modelId']: t.id, name: data.label, version: data.version, protected: isProtected })
        .returning()) as [Label];
    }
    await notifyGateway(tx);
    await tx.db.insert(labelMoves).values({ labelId: label.id, fromVersion: existing?.version ?? null, toVersion: data.version, reason: data.reason, actorLabel: by(ctx) });
    await recordAudit(tx, {
      action: 'label.move',
      target: { kind: `${t.auditKind}_label`, id: label.id, label: `${t.display}:${data.label}` },
      summary: `Moved ${t.display}:${data.label} ${existing ? `from ${existing.version} ` : ''}to ${data.version}${data.reason ? ` — ${data.reason}` : ''}`,
      changes: { from: existing?.version ?? null, to: data.version },
    });
    return { label, moved: true };
  });
}

export const protectLabelInput = z.object({ target: labelTargetSchema, label: slugSchema, protected: z.boolean() });

export async function setLabelProtection(ctx: ServiceContext, input: z.input<typeof protectLabelInput>) {
  requireScope(ctx, 'labels:protect');
  const data = protectLabelInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const t = await resolveLabelTarget(tx.db, data.target);
    const [label] = await tx.db
      .update(labels)
      .set({ protected: data.protected, updatedAt: new Date() })
      .where(and(eq(t.column, t.id), eq(labels.name, data.label)))
      .returning();
    if (!label) throw invalid('label', `${t.display} has no label "${data.label}"`);
    await recordAudit(tx, { action: data.protected ? 'label.protect' : 'label.unprotect', target: { kind: `${t.auditKind}_label`, id: label.id, label: `${t.display}:${data.label}` }, summary: `${data.protected ? 'Protected' : 'Unprotected'} ${t.display}:${data.label}` });
    return label;
  });
}
