// Saves an environment's protection rules, SLOs and rollout policy; or adds a custom environment.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { environments, releases, type Environment } from '@/db/schema';
import { conflict, invalid } from '@/server/errors';
import { diffValues } from '@/server/lib/diff';
import { recordAudit } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { bindSecret } from '../secrets/scope';
import { CUSTOM_ENVIRONMENT_DEFAULTS, gatewaySettingsSchema, protectionSchema, rolloutSchema, runtimeSchema, slosSchema } from './settings';

/** Checked in the verb, once fields the caller left out are filled from the environment's current settings. */
const section = <T>(name: string) => z.custom<T>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), `${name} must be an object`);

export const updateEnvironmentInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  protection: section<z.input<typeof protectionSchema>>('protection').optional(),
  slos: section<z.input<typeof slosSchema>>('slos').optional(),
  rollout: section<z.input<typeof rolloutSchema>>('rollout').optional(),
  gateway: gatewaySettingsSchema.optional(),
  /** Where container releases run: `{ kind: 'endpoints' }` or `{ kind: 'docker', replicas, healthTimeoutSeconds, keepOldMinutes? }`. */
  runtime: runtimeSchema.optional(),
});

const settingsSchema = z.object({ protection: protectionSchema.optional(), slos: slosSchema.optional(), rollout: rolloutSchema.optional() });

/**
 * Settings added after a client was written (approval timeout, notification secret, TTFT objective, analysis)
 * keep their current values when a section is sent without them, instead of falling back to defaults.
 */
function withCurrent(data: z.output<typeof updateEnvironmentInput>, before: Environment) {
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return settingsSchema.parse({
    protection: data.protection && { ...defined({ approvalTimeoutMinutes: before.protection.approvalTimeoutMinutes, notifySecret: before.protection.notifySecret }), ...data.protection },
    slos: data.slos && { ...defined({ p95TtftMs: before.slos.p95TtftMs }), ...data.slos },
    rollout: data.rollout && {
      ...defined({ analysis: before.rollout.analysis }),
      ...data.rollout,
      // The online-quality limits came later than the rest of the analysis: an analysis sent without them keeps the current ones.
      ...(data.rollout.analysis ? { analysis: { ...defined({ maxQualityDrop: before.rollout.analysis?.maxQualityDrop, minQualitySamples: before.rollout.analysis?.minQualitySamples }), ...data.rollout.analysis } } : {}),
    },
  });
}

export async function updateEnvironment(ctx: ServiceContext, input: z.input<typeof updateEnvironmentInput>) {
  requireScope(ctx, 'environments:write');
  const raw = updateEnvironmentInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, raw.service);
    const before = await environmentByName(tx.db, service, raw.environment);
    const current = withCurrent(raw, before);
    const data = { ...raw, ...current };
    const notify = data.protection?.notifySecret;
    // The secret holds the webhook's URL itself, so it is only ever sent where it was stored for: purpose and services decide.
    if (notify) await bindSecret(tx, { field: 'protection.notifySecret', name: notify, purpose: 'notifications', service: service.name, url: null, boundTo: `notifySecret of ${service.name}/${before.name}` });
    if (data.gateway?.shadow) {
      const [r] = await tx.db
        .select({ id: releases.id })
        .from(releases)
        .where(and(eq(releases.serviceId, service.id), eq(releases.number, data.gateway.shadow.releaseNumber)));
      if (!r) throw invalid('gateway.shadow.releaseNumber', `${service.name} has no release #${data.gateway.shadow.releaseNumber}`);
    }
    const next = { protection: data.protection ?? before.protection, slos: data.slos ?? before.slos, rollout: current.rollout ?? before.rollout, gateway: data.gateway ?? before.gateway, runtime: data.runtime ?? before.runtime };
    const [after] = await tx.db
      .update(environments)
      .set({ ...next, updatedAt: new Date() })
      .where(eq(environments.id, before.id))
      .returning();
    await notifyGateway(tx);
    const changes = diffValues({ protection: before.protection, slos: before.slos, rollout: before.rollout, gateway: before.gateway, runtime: before.runtime }, next);
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
