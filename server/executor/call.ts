// One call request to the serve endpoint: the run's event, memoized steps and context, signed as the SDK
// verifies it; the answer classified as operations (206), the function's result (200) or an error with its
// retry hints. Answers must carry the SDK's signature, so only the holder of the key can drive a run.
import { Agent, request } from 'undici';
import { canonicalJson } from '@/server/lib/canonical';
import { opSchema, toSerializedError, type Op, type SerializedError } from './protocol';
import { signatureHeader, verifySignature } from './signature';
import { z } from 'zod';

export type CallOutcome =
  | { kind: 'ops'; ops: Op[]; retryAfter: string | null }
  | { kind: 'done'; output: unknown }
  | { kind: 'error'; retriable: boolean; retryAfter: string | null; error: SerializedError; status: number };

export interface CallBody {
  event: Record<string, unknown>;
  events: Record<string, unknown>[];
  steps: Record<string, unknown>;
  ctx: { run_id: string; attempt: number; max_attempts: number; disable_immediate_execution: boolean; use_api: false; stack: { stack: string[]; current: number } };
}

export interface CallOptions {
  /** The function's step URL as registered (`…?fnId=<id>&stepId=step`). */
  url: string;
  /** A planned step to run by itself, or null to let the SDK discover what comes next. */
  stepId: string | null;
  body: CallBody;
  signingKey: string;
  signingKeyFallback?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

// Steps may run for many minutes (evaluations, load tests): undici's default five-minute header timeout would
// cut them off, so the call's own timeout is the only limit.
// Not under the outbound policy (server/outbound): these calls go only to the app's own /api/inngest, an internal
// address the app derives itself, never a URL a user gives.
const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 10_000 });

const opsSchema = z.array(opSchema);

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return undefined;
  }
}

function transportError(message: string, status = 0): CallOutcome {
  return { kind: 'error', retriable: true, retryAfter: null, error: { name: 'Error', message }, status };
}

export async function callFunction(o: CallOptions): Promise<CallOutcome> {
  const url = new URL(o.url);
  url.searchParams.set('stepId', o.stepId ?? 'step');
  const payload = canonicalJson(o.body);
  const signal = o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]) : AbortSignal.timeout(o.timeoutMs);
  let status: number;
  let headers: Record<string, string | string[] | undefined>;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: agent,
      signal,
      headers: { 'content-type': 'application/json', 'x-inngest-signature': signatureHeader(payload, o.signingKey), 'x-inngest-server-kind': 'cloud' },
      body: payload,
    });
    status = res.statusCode;
    headers = res.headers;
    text = await res.body.text();
  } catch (err) {
    return transportError(`the serve endpoint could not be reached: ${err instanceof Error ? err.message : String(err)}`);
  }
  const header = (name: string) => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v) ?? null;
  };
  const signed = verifySignature(header('x-inngest-signature'), text, [o.signingKey, o.signingKeyFallback]);
  if (status === 401) return transportError('the serve endpoint refused the executor’s signature (are both sides using the same signing key?)', status);
  if (status >= 200 && status < 300 && !signed) return transportError('the answer of the serve endpoint is not signed with the signing key', status);
  const json = parseJson(text);
  if (status === 200) return { kind: 'done', output: json ?? null };
  if (status === 206) {
    const ops = opsSchema.safeParse(json);
    return ops.success ? { kind: 'ops', ops: ops.data, retryAfter: header('retry-after') } : transportError('the serve endpoint answered 206 without a list of operations', status);
  }
  const noRetry = header('x-inngest-no-retry');
  return {
    kind: 'error',
    // The SDK says so explicitly; anything else (a proxy's 502, a crash) is worth another attempt.
    retriable: noRetry === 'true' ? false : true,
    retryAfter: header('retry-after'),
    error: toSerializedError(json ?? text, `the serve endpoint answered ${status}`),
    status,
  };
}
