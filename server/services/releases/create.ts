// Creates an immutable release: one model version, the prompt versions it serves and config overrides,
// numbered per service (support-bot#17). References may name a version (name@3) or a label (name:production),
// which is resolved now and pinned.
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { releasePrompts, releases, secrets, services } from '@/db/schema';
import { actorUserId } from '@/server/auth/actor';
import { DomainError, invalid } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { resolveModelVersion } from '../models/queries';
import { findPromptVersion } from '../prompts/resolve';
import { scopeRefusal } from '../secrets/scope';
import { by, gitShaSchema, jsonObject, parseRef, serviceByName, slugSchema } from '../registry-shared';
import { getRelease } from './queries';

const refSchema = z.string().trim().regex(/^[a-z0-9-]+(@\d+|:[a-z0-9-]+)?$/, 'must be name, name@<version> or name:<label>');

export const createReleaseInput = z.object({
  service: slugSchema,
  model: refSchema,
  prompts: z
    .array(refSchema)
    .max(50)
    .default([])
    .refine((list) => new Set(list.map((r) => r.split(/[@:]/)[0])).size === list.length, 'each prompt may appear once'),
  config: jsonObject.default({}),
  notes: z.string().trim().max(5000).default(''),
  gitSha: gitShaSchema.optional(),
  /** The branch it was built from. Recorded by pipeline runs and the seed only: environments' branch rules trust it. */
  branch: z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9._\-/]+$/, 'must be a branch name').optional(),
  source: z.enum(['ui', 'api', 'cli', 'pipeline', 'seed', 'manifest']).default('api'),
});

export async function createRelease(ctx: ServiceContext, input: z.input<typeof createReleaseInput>) {
  requireScope(ctx, 'releases:write');
  const data = createReleaseInput.parse(input);
  if (data.branch && ctx.actor.kind !== 'system') throw invalid('branch', 'only pipeline runs record the branch a release was built from');
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const modelRef = parseRef(data.model, 'model');
    const model = await resolveModelVersion(tx.db, modelRef.name, modelRef);
    if (model.row.status === 'archived') throw invalid('model', `${model.view.ref} is archived and cannot be released`);
    if (model.row.apiKeySecretId) {
      // The release puts the version's key to use for this service: the key's scope must allow it.
      const [secret] = await tx.db.select().from(secrets).where(eq(secrets.id, model.row.apiKeySecretId));
      const refusal = secret && scopeRefusal(secret, 'provider_key', service.name);
      if (refusal) throw new DomainError('forbidden', `model: ${model.view.ref} uses ${refusal}`, 'model');
    }
    const promptVersions = await Promise.all(
      data.prompts.map(async (ref) => {
        const r = parseRef(ref, 'prompts');
        return (await findPromptVersion(tx.db, service, r.name, r)).version;
      }),
    );
    // The service row lock makes numbers consecutive under concurrent creation.
    await tx.db.select({ id: services.id }).from(services).where(eq(services.id, service.id)).for('update');
    const [{ next } = { next: 1 }] = await tx.db
      .select({ next: sql<number>`coalesce(max(${releases.number}), 0)::int + 1` })
      .from(releases)
      .where(eq(releases.serviceId, service.id));
    const [row] = await tx.db
      .insert(releases)
      .values({ serviceId: service.id, number: next, modelVersionId: model.row.id, config: data.config, notes: data.notes, gitSha: data.gitSha ?? null, branch: data.branch ?? null, source: data.source, createdBy: by(ctx), createdByUserId: actorUserId(ctx.actor) })
      .returning();
    if (promptVersions.length) await tx.db.insert(releasePrompts).values(promptVersions.map((p) => ({ releaseId: row!.id, promptVersionId: p.id })));
    await recordAudit(tx, {
      action: 'release.create',
      target: { kind: 'release', id: row!.id, label: `${service.name}#${next}` },
      summary: `Created ${service.name}#${next}: ${model.view.ref}${data.prompts.length ? ` with ${data.prompts.length} prompt${data.prompts.length > 1 ? 's' : ''}` : ''}`,
    });
    return getRelease(tx, { service: service.name, number: next });
  });
}
