// Embeddings for drift by embeddings: the texts of both windows sent to a registered model version's
// OpenAI-compatible `/embeddings` endpoint (its base URL, its API key when its scope allows sending it there),
// through the outbound policy, in batches.
import { and, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { models, modelVersions, secrets } from '@/db/schema';
import { fetchFailure, outboundFetch } from '@/server/outbound/connect';
import { redactSecrets } from '@/server/outbound/excerpt';
import { refusalOfUse } from '../secrets/scope';
import { readSecretValue } from '../secrets/queries';

const BATCH = 64;
const TIMEOUT_MS = 30_000;
/** Texts are cut to this many characters before embedding (samples are short already). */
const MAX_CHARS = 4000;

export interface Embedder {
  model: string;
  embed(texts: string[]): Promise<number[][]>;
}

/** The embedder of `model@version` for a service: fails, saying why, when the version cannot embed. */
export async function embedderFor(db: Db, ref: string, service: string): Promise<Embedder> {
  const m = /^(.+)@(\d+)$/.exec(ref);
  if (!m) throw new Error(`embeddingsModel "${ref}" must name a model version as model@version`);
  const [row] = await db
    .select({ version: modelVersions, secret: secrets })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
    .where(and(eq(models.name, m[1]!), eq(modelVersions.version, Number(m[2]))))
    .limit(1);
  if (!row) throw new Error(`embeddings model ${ref} is not registered`);
  const { version, secret } = row;
  if (version.providerKind !== 'openai-compatible' || !version.baseUrl) throw new Error(`embeddings model ${ref} has no OpenAI-compatible base URL`);
  const url = `${version.baseUrl.replace(/\/+$/, '')}/embeddings`;
  let apiKey: string | null = null;
  if (secret) {
    const refusal = await refusalOfUse(db, secret, { purpose: 'provider_key', service, url });
    if (refusal) throw new Error(`embeddings model ${ref}: ${refusal}`);
    apiKey = await readSecretValue(db, secret.id);
  }
  return {
    model: ref,
    async embed(texts) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const input = texts.slice(i, i + BATCH).map((t) => t.slice(0, MAX_CHARS));
        let response: Awaited<ReturnType<typeof outboundFetch>>;
        try {
          response = await outboundFetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
            body: JSON.stringify({ model: version.upstreamModel, input }),
            signal: AbortSignal.timeout(TIMEOUT_MS),
          });
        } catch (e) {
          throw new Error(`embeddings model ${ref} could not be reached: ${fetchFailure(e)}`);
        }
        const text = await response.text();
        if (!response.ok) throw new Error(`embeddings model ${ref} answered ${response.status}: ${redactSecrets(text).slice(0, 200)}`);
        let data: { index: number; embedding: number[] }[];
        try {
          data = (JSON.parse(text) as { data: { index: number; embedding: number[] }[] }).data;
        } catch {
          throw new Error(`embeddings model ${ref} answered something other than JSON`);
        }
        if (!Array.isArray(data) || data.length !== input.length || data.some((d) => !Array.isArray(d.embedding))) throw new Error(`embeddings model ${ref} answered ${Array.isArray(data) ? data.length : 0} vectors for ${input.length} texts`);
        out.push(...[...data].sort((a, b) => a.index - b.index).map((d) => d.embedding));
      }
      return out;
    },
  };
}
