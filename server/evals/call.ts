// Calls a release (or a model version with prompt versions and parameters) for one eval case exactly as the
// gateway would: the same target (endpoint, key and its scope, prompts ready to render, prices), the same request
// body (prompt rendered with the case's variables, parameters merged model < release < prompt < own), the same
// connection pool under the outbound policy. Answers are kept in `eval_cache`, keyed by the model version and the
// whole request, so a rerun of an unchanged case makes no call; 429, 5xx and network failures are retried with
// backoff a bounded number of times.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { DEFAULT_GATEWAY_SETTINGS, evalCache, promptVersions, prompts, services, type CaseMessage, type Json, type Service } from '@/db/schema';
import { unansweredCall, upstreamBody } from '@/server/gateway/chat';
import { GatewayError } from '@/server/gateway/http';
import { loadTargetOf, type Target } from '@/server/gateway/snapshot';
import { countMessageTokens, countTokens } from '@/server/gateway/tokenizer';
import { isConnectionError } from '@/server/gateway/upstream';
import { canonicalJson, sha256Hex } from '@/server/lib/canonical';
import { isOutboundRefused } from '@/server/outbound/policy';
import { notFound } from '@/server/errors';
import type { EvalCase, ModelOutput } from './types';

export interface CallTarget {
  modelVersionId: string;
  promptVersionIds: string[];
  /** Parameters sent as a caller's own (they win over the model's, the release's and the prompt's). */
  params?: Record<string, Json>;
  /** The release's config (what a release adds to the model's default parameters). */
  config?: Record<string, Json>;
  /** The service whose scope the model's key is checked against; found from the prompts when left out. */
  serviceId?: string;
}

export interface RetryPolicy {
  /** Calls in all, the first one included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 500, maxMs: 8_000 };

export interface CallOptions {
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /** Skip the cache (neither read nor written). */
  noCache?: boolean;
}

/** A call that failed for good (after its retries, or at once when retrying cannot help); the message names no secret. */
export class EvalCallError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = 'EvalCallError';
  }
}

/** A target built once and used for many cases. */
export interface PreparedTarget {
  target: Target;
  params: Record<string, Json>;
}

async function serviceOf(db: Db, t: CallTarget): Promise<Service> {
  if (t.serviceId) {
    const [s] = await db.select().from(services).where(eq(services.id, t.serviceId));
    if (!s) throw notFound('Service');
    return s;
  }
  const [row] = t.promptVersionIds.length
    ? await db
        .select({ service: services })
        .from(promptVersions)
        .innerJoin(prompts, eq(prompts.id, promptVersions.promptId))
        .innerJoin(services, eq(services.id, prompts.serviceId))
        .where(eq(promptVersions.id, t.promptVersionIds[0]!))
    : [];
  if (!row) throw new EvalCallError('a call without prompts must name its service (serviceId), whose scope the model’s key is checked against', false);
  return row.service;
}

export async function prepareTarget(db: Db, t: CallTarget, release?: { id: string; number: number }): Promise<PreparedTarget> {
  const service = await serviceOf(db, t);
  const target = await loadTargetOf(db, service, { modelVersionId: t.modelVersionId, promptVersionIds: t.promptVersionIds, config: t.config ?? {}, release });
  return { target, params: t.params ?? {} };
}

/** The request the gateway would send upstream for this case, or a refusal naming what is wrong with the case. */
export function caseRequest(prepared: PreparedTarget, testCase: EvalCase): { payload: Record<string, unknown>; messages: { role: string; content: unknown }[] } {
  const { target } = prepared;
  const body: Record<string, unknown> = { ...prepared.params, stream: false, stream_options: undefined, messages: (testCase.input.messages ?? []) as CaseMessage[] };
  if (target.prompts.size) {
    // A release with several prompts renders the one the case names (metadata.prompt), else the first by name.
    const named = typeof testCase.metadata.prompt === 'string' ? testCase.metadata.prompt : null;
    const prompt = named ?? [...target.prompts.keys()].sort()[0]!;
    body.slipway = { prompt, variables: testCase.input.variables ?? {} };
  }
  try {
    const { payload, messages } = upstreamBody(target, body);
    return { payload, messages };
  } catch (err) {
    if (err instanceof GatewayError) throw new EvalCallError(`case ${testCase.index}: ${err.message}`, false);
    throw err;
  }
}

/** sha256 of the model version and everything sent but the upstream's model name (the model version fixes it). */
export function cacheKey(modelVersionId: string, payload: Record<string, unknown>): string {
  const { model: _model, ...rest } = payload;
  return sha256Hex(canonicalJson({ modelVersionId, request: rest }));
}

export async function cachedAnswer(db: Db, key: string): Promise<ModelOutput | null> {
  const [row] = await db.select({ response: evalCache.response }).from(evalCache).where(eq(evalCache.key, key));
  return row ? row.response : null;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });

function retryAfterMs(headers: Record<string, string> | undefined): number | null {
  const v = headers?.['retry-after'];
  if (!v) return null;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : null;
}

/** One upstream call with retries; the answer's usage is the upstream's, or counted with the gateway's tokenizer. */
async function callUpstream(prepared: PreparedTarget, payload: Record<string, unknown>, messages: { role: string; content: unknown }[], opts: CallOptions): Promise<ModelOutput> {
  const { target } = prepared;
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
  const signal = opts.signal ?? new AbortController().signal;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_GATEWAY_SETTINGS.upstreamTimeoutMs;
  let last = '';
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    const result = await unansweredCall(target, payload, signal, timeoutMs);
    const latencyMs = performance.now() - started;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new EvalCallError('the call was cancelled', false, attempt);
    if (result.status === 200 && result.errorClass === null) {
      const inputTokens = result.usage.input ?? (await countMessageTokens(messages));
      const outputTokens = result.usage.output ?? (await countTokens(result.outputText));
      return {
        content: result.outputText,
        finishReason: result.finishReason,
        latencyMs,
        inputTokens,
        outputTokens,
        costUsd: (inputTokens * target.priceInputPer1M + outputTokens * target.priceOutputPer1M) / 1_000_000,
      };
    }
    const status = result.failure?.status ?? result.status;
    let retriable: boolean;
    if (result.errorClass === 'secret_not_allowed' || result.errorClass === 'no_endpoint') {
      last = `${target.modelRef}: ${describeFailure(result.failure?.body)}`;
      retriable = false;
    } else if (isOutboundRefused(result.error)) {
      last = `the model endpoint of ${target.modelRef} is refused by the outbound policy: ${result.error.rule}`;
      retriable = false;
    } else if (result.error !== undefined) {
      last = `${target.modelRef} did not answer (${result.errorClass ?? 'error'})`;
      retriable = isConnectionError(result.error) || result.errorClass === 'upstream_timeout' || result.errorClass === 'upstream_error';
    } else {
      last = `${target.modelRef} answered ${status}${result.failure ? `: ${describeFailure(result.failure.body)}` : result.errorClass ? ` (${result.errorClass})` : ''}`;
      retriable = status === 429 || status >= 500;
    }
    if (!retriable) throw new EvalCallError(last, false, attempt);
    if (attempt >= policy.attempts) throw new EvalCallError(`${last} (after ${attempt} attempts)`, true, attempt);
    const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
    const wait = Math.min(policy.maxMs, retryAfterMs(result.failure?.headers) ?? backoff * (0.5 + Math.random() / 2));
    await sleep(wait, signal);
  }
}

/** The upstream's own error message, short, when it sent one in the OpenAI shape. */
function describeFailure(body: Buffer | undefined): string {
  if (!body) return 'no answer';
  try {
    const json = JSON.parse(body.toString('utf8')) as { error?: { message?: string } };
    if (json.error?.message) return json.error.message.slice(0, 300);
  } catch {
    // Not JSON.
  }
  return body.toString('utf8').slice(0, 200) || 'no answer';
}

/** Calls a prepared target for a case, through the cache. */
export async function callPrepared(db: Db, prepared: PreparedTarget, testCase: EvalCase, opts: CallOptions = {}): Promise<{ output: ModelOutput; cached: boolean; key: string }> {
  const { payload, messages } = caseRequest(prepared, testCase);
  return callPayload(db, prepared, payload, messages, opts);
}

export async function callPayload(db: Db, prepared: PreparedTarget, payload: Record<string, unknown>, messages: { role: string; content: unknown }[], opts: CallOptions = {}) {
  const key = cacheKey(prepared.target.modelVersionId, payload);
  if (!opts.noCache) {
    const hit = await cachedAnswer(db, key);
    if (hit) return { output: hit, cached: true, key };
  }
  const output = await callUpstream(prepared, payload, messages, opts);
  if (!opts.noCache) {
    await db
      .insert(evalCache)
      .values({ key, modelVersionId: prepared.target.modelVersionId, response: output })
      .onConflictDoNothing();
  }
  return { output, cached: false, key };
}

/** The contract: one case of one target, rendered and called as the gateway would, through the response cache. */
export async function callForCase(db: Db, target: CallTarget, testCase: EvalCase, opts: CallOptions = {}): Promise<{ output: ModelOutput; cached: boolean }> {
  const prepared = await prepareTarget(db, target);
  const { output, cached } = await callPrepared(db, prepared, testCase, opts);
  return { output, cached };
}

/** Mean output tokens of a model version's cached answers (the best guess of what it says), or null without any. */
export async function typicalOutputTokens(db: Db, modelVersionId: string): Promise<number | null> {
  const result = await db.execute(
    sql`select avg((response->>'outputTokens')::numeric)::float8 as mean from (select response from eval_cache where model_version_id = ${modelVersionId} order by created_at desc limit 200) recent`,
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { mean: number | string | null }[];
  const mean = rows[0]?.mean;
  return mean === null || mean === undefined ? null : Number(mean);
}
