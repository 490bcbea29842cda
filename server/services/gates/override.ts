// An admin lets a release into an environment without a required gate's pass: explicit, with a reason, audited,
// and shown on the release and in the environment's history.
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { gateOverrides, releases } from '@/db/schema';
import { actorUserId } from '@/server/auth/actor';
import { invalid } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';

export const overrideInput = z.object({
  service: slugSchema,
  release: z.number().int().positive('must be a release number'),
  environment: slugSchema,
  gate: z.string().trim().min(1, 'must name a gate').max(40),
  reason: z.string().trim().min(10, 'must say why, in at least 10 characters').max(500, 'must be at most 500 characters'),
});

export async function overrideGate(ctx: ServiceContext, input: z.input<typeof overrideInput>) {
  requireScope(ctx, 'gates:override');
  const data = overrideInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    const [release] = await tx.db
      .select()
      .from(releases)
      .where(and(eq(releases.serviceId, service.id), eq(releases.number, data.release)));
    if (!release) throw invalid('release', `${service.name} has no release #${data.release}`);
    if (!env.protection.requiredGates.includes(data.gate)) {
      throw invalid('gate', `${env.name} does not require the ${data.gate} gate (it requires ${env.protection.requiredGates.join(', ') || 'none'})`);
    }
    const [row] = await tx.db
      .insert(gateOverrides)
      .values({ releaseId: release.id, environmentId: env.id, gate: data.gate, reason: data.reason, actorLabel: by(tx), userId: actorUserId(tx.actor) })
      .returning();
    await recordAudit(tx, {
      action: 'gate.override',
      target: { kind: 'release', id: release.id, label: `${service.name}#${release.number}` },
      summary: `Overrode the ${data.gate} gate of ${env.name} for ${service.name}#${release.number} — ${data.reason}`,
      changes: { environment: env.name, gate: data.gate, reason: data.reason, overrideId: row!.id },
    });
    return row!;
  });
}
