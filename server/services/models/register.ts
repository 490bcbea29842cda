// Registers an immutable model version (creating the model on its first version). Endpoints need a base
// URL, container images a digest-pinned reference; artifacts and tokenizers are pinned by sha256.
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { models, modelVersions } from '@/db/schema';
import { invalid } from '@/server/errors';
import { literalAddressRefusal } from '@/server/outbound/policy';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, gitShaSchema, jsonObject, sha256Schema, slugSchema } from '../registry-shared';
import { bindSecret } from '../secrets/scope';
import { toModelVersionView } from './view';

const uri = z.string().trim().min(1, 'is required').max(2000).regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/i, 'must be a URI such as s3://bucket/key or https://host/path');
const price = z.number().min(0, 'must be 0 or more').max(100_000, 'must be at most 100000');

export const registerModelVersionInput = z
  .object({
    model: slugSchema,
    modelDescription: z.string().trim().max(2000).optional(),
    providerKind: z.enum(['openai-compatible', 'container']),
    baseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    upstreamModel: z.string().trim().min(1, 'is required').max(200),
    defaultParams: jsonObject.default({}),
    apiKeySecret: slugSchema.optional(),
    artifacts: z.array(z.object({ uri, sha256: sha256Schema, sizeBytes: z.number().int().min(0, 'must be 0 or more') })).max(100).default([]),
    tokenizer: z.object({ uri, sha256: sha256Schema }).optional(),
    imageRef: z
      .string()
      .trim()
      .regex(/^[a-z0-9]+(?:[._\-/:][a-z0-9]+)*@sha256:[a-f0-9]{64}$/, 'must be pinned by digest: name@sha256:<64 hex>')
      .optional(),
    priceInputPer1M: price.default(0),
    priceOutputPer1M: price.default(0),
    contextWindow: z.number().int().min(1, 'must be positive').max(100_000_000).optional(),
    lineage: z
      .object({
        gitRepository: z.string().trim().max(500).optional(),
        gitCommit: gitShaSchema.optional(),
        pipelineRunId: z.string().trim().max(200).optional(),
        trainingRunUri: uri.optional(),
      })
      .default({}),
    tags: z.record(z.string().trim().min(1).max(100), z.string().max(500)).default({}),
    description: z.string().max(20_000).default(''),
  })
  .superRefine((v, ctx) => {
    if (v.providerKind === 'openai-compatible' && !v.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'is required for an OpenAI-compatible endpoint' });
    if (v.providerKind === 'container' && !v.imageRef) ctx.addIssue({ code: 'custom', path: ['imageRef'], message: 'is required for a container model, pinned by sha256 digest' });
  });

export async function registerModelVersion(ctx: ServiceContext, input: z.input<typeof registerModelVersionInput>) {
  requireScope(ctx, 'models:write');
  const data = registerModelVersionInput.parse(input);
  const refused = data.baseUrl ? literalAddressRefusal(data.baseUrl) : null;
  if (refused) throw invalid('baseUrl', refused);
  return withTransaction(ctx, async (tx) => {
    // The key is sent to the base URL: its purpose must match, and the URL must be at the key's origin unless
    // someone holding secrets:write binds it (services are checked when a release puts the version to use).
    const secretId = data.apiKeySecret
      ? (await bindSecret(tx, { field: 'apiKeySecret', name: data.apiKeySecret, purpose: 'provider_key', service: null, url: data.baseUrl ?? null, boundTo: `apiKeySecret of a version of ${data.model}` })).id
      : null;
    await tx.db.insert(models).values({ name: data.model, description: data.modelDescription ?? '', createdBy: by(ctx) }).onConflictDoNothing();
    // Lock the model row so concurrent registrations get consecutive version numbers.
    const [model] = await tx.db.select().from(models).where(eq(models.name, data.model)).for('update');
    const [{ next } = { next: 1 }] = await tx.db
      .select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0)::int + 1` })
      .from(modelVersions)
      .where(eq(modelVersions.modelId, model!.id));
    const [row] = await tx.db
      .insert(modelVersions)
      .values({
        modelId: model!.id,
        version: next,
        providerKind: data.providerKind,
        baseUrl: data.baseUrl ?? null,
        upstreamModel: data.upstreamModel,
        defaultParams: data.defaultParams,
        apiKeySecretId: secretId,
        artifacts: data.artifacts,
        tokenizer: data.tokenizer ?? null,
        imageRef: data.imageRef ?? null,
        priceInputPer1M: String(data.priceInputPer1M),
        priceOutputPer1M: String(data.priceOutputPer1M),
        contextWindow: data.contextWindow ?? null,
        lineage: { gitRepository: data.lineage.gitRepository ?? null, gitCommit: data.lineage.gitCommit ?? null, pipelineRunId: data.lineage.pipelineRunId ?? null, trainingRunUri: data.lineage.trainingRunUri ?? null },
        tags: data.tags,
        description: data.description,
        createdBy: by(ctx),
      })
      .returning();
    await recordAudit(tx, {
      action: 'model.register',
      target: { kind: 'model_version', id: row!.id, label: `${model!.name}@${row!.version}` },
      summary: `Registered ${model!.name}@${row!.version} (${row!.providerKind}, ${row!.upstreamModel})`,
    });
    return toModelVersionView(row!, model!.name, data.apiKeySecret ?? null);
  });
}
