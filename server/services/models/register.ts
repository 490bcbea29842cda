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

/** A relative, `/`-separated path that stays inside its root: no `..`, no leading `/`, no empty parts. */
export function relativePathProblem(value: string): string | null {
  if (!value) return 'is required';
  if (value.startsWith('/')) return 'must be relative (no leading /)';
  if (value.includes('\\')) return 'must use / as separator';
  const parts = value.split('/');
  if (parts.some((p) => p === '..')) return 'must stay inside its folder (no ..)';
  if (parts.some((p) => p === '')) return 'must not have empty parts (//) or end with /';
  if (/[\0-\x1f]/.test(value)) return 'must not contain control characters';
  return null;
}
const relativePath = z
  .string()
  .trim()
  .max(500, 'must be at most 500 characters')
  .superRefine((v, ctx) => {
    const problem = relativePathProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Where an artifact comes from: any URI (endpoints), an http(s) URL or `repo:<path>` in the service's repository (containers). */
const artifactUri = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(2000)
  .superRefine((v, ctx) => {
    if (v.startsWith('repo:')) {
      const problem = relativePathProblem(v.slice('repo:'.length));
      if (problem) ctx.addIssue({ code: 'custom', message: `repo: path ${problem}` });
    } else if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'must be a URI such as https://host/path or s3://bucket/key, or repo:<path in the service repository>' });
    }
  });

const IMAGE_BY_DIGEST = /^[a-z0-9]+(?:[._\-/:][a-z0-9]+)*@sha256:[a-f0-9]{64}$/;
const LOCAL_IMAGE_ID = /^sha256:[a-f0-9]{64}$/;


/** How a container model version is built (or which image it runs) and served. */
export const containerSpecInput = z
  .object({
    build: z
      .object({
        context: relativePath.default('.'),
        dockerfile: relativePath.default('Dockerfile'),
      })
      .strict()
      .nullable()
      .default(null),
    command: z.array(z.string().max(4000)).min(1, 'must have at least one argument, or be left out for the image’s own').max(200).nullable().default(null),
    port: z.number().int('must be a whole number').min(1, 'must be between 1 and 65535').max(65_535, 'must be between 1 and 65535'),
    healthPath: z.string().trim().max(500).regex(/^\/\S*$/, 'must be a path starting with /').default('/health'),
    env: z
      .record(z.string(), z.string().max(10_000))
      .superRefine((env, ctx) => {
        for (const key of Object.keys(env)) {
          if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'must be an environment variable name (letters, digits, _; not starting with a digit)' });
        }
      })
      .default({}),
    resources: z
      .object({
        cpus: z.number().gt(0, 'must be more than 0').max(256, 'must be at most 256').nullable().default(null),
        memoryMb: z.number().int('must be a whole number').min(16, 'must be at least 16').max(4_194_304, 'must be at most 4194304').nullable().default(null),
      })
      .strict()
      .default({ cpus: null, memoryMb: null }),
  })
  .strict();

export const registerModelVersionInput = z
  .object({
    model: slugSchema,
    modelDescription: z.string().trim().max(2000).optional(),
    providerKind: z.enum(['openai-compatible', 'container']),
    baseUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    upstreamModel: z.string().trim().min(1, 'is required').max(200),
    defaultParams: jsonObject.default({}),
    apiKeySecret: slugSchema.optional(),
    artifacts: z.array(z.object({ uri: artifactUri, sha256: sha256Schema, sizeBytes: z.number().int().min(0, 'must be 0 or more'), path: relativePath.optional() })).max(100).default([]),
    tokenizer: z.object({ uri: artifactUri, sha256: sha256Schema, path: relativePath.optional() }).optional(),
    imageRef: z
      .string()
      .trim()
      .refine((v) => IMAGE_BY_DIGEST.test(v) || LOCAL_IMAGE_ID.test(v), 'must be pinned by digest: name@sha256:<64 hex>, or a local image id sha256:<64 hex>')
      .optional(),
    container: containerSpecInput.optional(),
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
    if (v.providerKind === 'openai-compatible') {
      if (!v.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'is required for an OpenAI-compatible endpoint' });
      if (v.container) ctx.addIssue({ code: 'custom', path: ['container'], message: 'is only for container model versions (providerKind: container)' });
      return;
    }
    // A container: built from the repository (container.build) or an existing image pinned by digest — one of the two.
    if (!v.container) {
      ctx.addIssue({ code: 'custom', path: ['container'], message: 'is required for a container model: the port it listens on, and build (context, dockerfile) or imageRef' });
      return;
    }
    if (v.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'is only for OpenAI-compatible endpoints; a container is reached on its port' });
    const build = v.container.build;
    if (build && v.imageRef) ctx.addIssue({ code: 'custom', path: ['imageRef'], message: 'give container.build or imageRef, not both' });
    if (!build && !v.imageRef) ctx.addIssue({ code: 'custom', path: ['container', 'build'], message: 'is required unless imageRef names an existing image pinned by digest' });
    if (!build) return;
    // Everything fetched into a build context is placed at a path there, and comes from a URL or the repository.
    const seen = new Map<string, string>();
    const place = (path: string | undefined, at: (string | number)[], what: string) => {
      if (!path) return ctx.addIssue({ code: 'custom', path: [...at, 'path'], message: `is required for a container build: where the ${what} is written inside the build context` });
      const clash = seen.get(path);
      if (clash) ctx.addIssue({ code: 'custom', path: [...at, 'path'], message: `"${path}" is also the path of ${clash}` });
      seen.set(path, at.join('.'));
      if (path === build.dockerfile) ctx.addIssue({ code: 'custom', path: [...at, 'path'], message: `"${path}" would replace the Dockerfile` });
    };
    const fetchable = (u: string, at: (string | number)[]) => {
      if (!/^https?:\/\//i.test(u) && !u.startsWith('repo:')) ctx.addIssue({ code: 'custom', path: [...at, 'uri'], message: 'must be an http(s) URL or repo:<path in the service repository> for a container build' });
    };
    v.artifacts.forEach((a, i) => {
      fetchable(a.uri, ['artifacts', i]);
      place(a.path, ['artifacts', i], 'artifact');
    });
    if (v.tokenizer) {
      fetchable(v.tokenizer.uri, ['tokenizer']);
      place(v.tokenizer.path, ['tokenizer'], 'tokenizer');
    }
  });

export type ContainerSpecInput = z.output<typeof containerSpecInput>;

export async function registerModelVersion(ctx: ServiceContext, input: z.input<typeof registerModelVersionInput>) {
  requireScope(ctx, 'models:write');
  const data = registerModelVersionInput.parse(input);
  const refused = data.baseUrl ? literalAddressRefusal(data.baseUrl) : null;
  if (refused) throw invalid('baseUrl', refused);
  // Artifacts fetched over http(s) go where the outbound policy allows; a literal address it refuses is named now.
  for (const [i, a] of data.artifacts.entries()) {
    const r = /^https?:\/\//i.test(a.uri) && data.providerKind === 'container' ? literalAddressRefusal(a.uri) : null;
    if (r) throw invalid(`artifacts.${i}.uri`, r);
  }
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
        container: data.container ?? null,
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
