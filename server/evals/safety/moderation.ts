// The optional moderation check's client: an OpenAI-compatible `POST /moderations` on the endpoint of a model
// version registered in Slipway (its base URL, its key under the service's scope, the outbound policy of every
// upstream call). Verdicts are kept in the response cache like answers, so a rerun asks nothing again; 429, 5xx
// and connection failures are retried with backoff.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalCache } from '@/db/schema';
import { headersOf } from '@/server/gateway/chat';
import { isConnectionError, poolFor } from '@/server/gateway/upstream';
import { canonicalJson, sha256Hex } from '@/server/lib/canonical';
import { isOutboundRefused } from '@/server/outbound/policy';
import type { PreparedTarget } from '../call';
import type { ModerationVerdict } from '../types';

const ATTEMPTS = 3;
const TIMEOUT_MS = 30_000;

/** The moderation URL beside a model version's chat completions URL (`…/v1/chat/completions` → `…/v1/moderations`). */
export function moderationUrl(chatUrl: string): string {
  return chatUrl.replace(/\/chat\/completions$/, '/moderations');
}

/** Reads `results[0]` of an OpenAI moderation answer: flagged, and the categories marked true. */
export function parseModeration(body: unknown): ModerationVerdict {
  const result = (body as { results?: unknown[] } | null)?.results?.[0] as { flagged?: unknown; categories?: Record<string, unknown> } | undefined;
  if (!result || typeof result.flagged !== 'boolean') throw new Error('the answer has no results[0].flagged');
  const categories = Object.entries(result.categories ?? {})
    .filter(([, v]) => v === true)
    .map(([k]) => k);
  return { flagged: result.flagged, categories };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ask(prepared: PreparedTarget, text: string, signal?: AbortSignal): Promise<ModerationVerdict> {
  const { target } = prepared;
  if (!target.url) throw new Error(`${target.modelRef} has no endpoint`);
  if (target.keyRefusal) throw new Error(`${target.modelRef}: its API key is not sent: ${target.keyRefusal}`);
  const url = new URL(moderationUrl(target.url));
  let last = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    signal?.throwIfAborted();
    let status: number;
    let raw: string;
    try {
      const res = await poolFor(url).request({ path: url.pathname + url.search, method: 'POST', headers: headersOf(target), body: JSON.stringify({ model: target.upstreamModel, input: text }), signal, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
      status = res.statusCode;
      raw = await res.body.text();
    } catch (err) {
      if (signal?.aborted) throw err;
      if (isOutboundRefused(err)) throw new Error(`the endpoint of ${target.modelRef} is refused by the outbound policy: ${err.rule}`);
      if (!isConnectionError(err)) throw err;
      last = `${target.modelRef} did not answer at /moderations`;
      if (attempt < ATTEMPTS) await sleep(250 * 2 ** (attempt - 1));
      continue;
    }
    if (status === 200) return parseModeration(JSON.parse(raw));
    last = `${target.modelRef} answered ${status} at /moderations`;
    if (status !== 429 && status < 500) throw new Error(last);
    if (attempt < ATTEMPTS) await sleep(250 * 2 ** (attempt - 1));
  }
  throw new Error(`${last} (after ${ATTEMPTS} attempts)`);
}

/** Moderates one text through the cache: the same model version and text are asked once. */
export async function moderateText(db: Db, prepared: PreparedTarget, text: string, signal?: AbortSignal): Promise<ModerationVerdict> {
  const key = sha256Hex(canonicalJson({ modelVersionId: prepared.target.modelVersionId, moderation: text }));
  const [hit] = await db.select({ response: evalCache.response }).from(evalCache).where(eq(evalCache.key, key));
  if (hit) return JSON.parse(hit.response.content) as ModerationVerdict;
  const started = performance.now();
  const verdict = await ask(prepared, text, signal);
  await db
    .insert(evalCache)
    .values({ key, modelVersionId: prepared.target.modelVersionId, response: { content: JSON.stringify(verdict), finishReason: null, latencyMs: performance.now() - started, costUsd: 0, inputTokens: 0, outputTokens: 0 } })
    .onConflictDoNothing();
  return verdict;
}
