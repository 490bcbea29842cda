// Saves an environment's protection rules, SLOs and rollout policy; or adds a custom environment.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { environments, releases } from '@/db/schema';
import { conflict, invalid } from '@/server/errors';
import { diffValues } from '@/server/lib/diff';
import { recordAudit, notifyGateway } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { CUSTOM_ENVIRONMENT_DEFAULTS, gatewaySettingsSchema, protectionSchema, rolloutSchema, slosSchema } from './settings';

export const updateEnvironmentInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  protection: protectionSchema.optional(),
  slos: slosSchema.optional(),
  rollout: rolloutSchema.optional(),
  gateway: gatewaySettingsSchema.optional(),
});

export async function updateEnvironment(ctx: ServiceContext, input: z.input<typeof updateEnvironmentInput>) {
  requireScope(ctx, 'environments:write');
  const data = updateEnvironmentInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const before = await environmentByName(tx.db, service, data.environment);
    if (data.gateway?.shadow) {
      const [r] = await tx.db
        .select({ id: releases.id })
        .from(releases)
        .where(and(eq(releases.serviceId, service.id), eq(releases.number, data.gateway.shadow.releaseNumber)));
      if (!r) throw invalid('gateway.shadow.releaseNumber', `${service.name} has no release #${data.gateway.shadow.releaseNumber}`);
    }
    const next = { protection: data.protection ?? before.protection, slos: data.slos ?? before.slos, rollout: data.rollout ?? before.rollout, gateway: data.gateway ?? before.gateway };
    const [after] = await tx.db
      .update(environments)
      .set({ ...next, updatedAt: new Date() })
      .where(eq(environments.id, before.id))
      .returning();
    await notifyGateway(tx);
    const changes = diffValues({ protection: before.protection, slos: before.slos, rollout: before.rollout, gateway: before.gateway }, next);
    await recordAudit(tx, {
      action: 'environment.update',
      target: { kind: 'environment', id: before.id, label: `${service.name}/${before.name}` },
      summary: changes.length ? `Changed ${service.name}/${before.name} settings: ${changes.map((c) => c.path).join(', ')}` : `No change to ${service.name}/${before.name}`,
      changes: Object.fromEntries(changes.map((c) => [c.path, { from: c.before, to: c.after }])),
    });
    return after!;
  });
}

export const createEnvironmentInput = z.object({ service: slugSchema, name: slugSchema });

export async function createEnvironment(ctx: ServiceContext, input: z.input<typeof createEnvironmentInput>) {
  requireScope(ctx, 'environments:write');
  const data = createEnvironmentInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const [env] = await tx.db
      .insert(environments)
      .values({ serviceId: service.id, name: data.name, ...CUSTOM_ENVIRONMENT_DEFAULTS })
      .onConflictDoNothing()
      .returning();
    if (!env) throw conflict(`name: ${service.name} already has an environment "${data.name}"`, 'name');
    await recordAudit(tx, { action: 'environment.create', target: { kind: 'environment', id: env.id, label: `${service.name}/${env.name}` }, summary: `Added environment ${env.name} to ${service.name}` });
    return env;
  });
}
