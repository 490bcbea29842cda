// The webhook endpoints' logic, from Request to Response: find the service, verify the delivery against its
// webhook secret, record it once, and hand a trigger to pipelines. Route files only call these.
// A refused delivery writes nothing (anyone can send one); it is counted for metrics and logged without secrets.
import type { Db } from '@/db/client';
import { unstorableIssues } from '@/server/lib/storable';
import { logger } from '@/server/logger';
import { triggerPipeline } from '@/server/pipelines/trigger';
import { peekSecretValue, recordSecretUse } from '@/server/services/secrets/queries';
import { PayloadError, type DeliveryFacts, type Provider } from './delivery';
import { interpretGeneric } from './generic';
import { githubRepoKeys, interpretGithub } from './github';
import { gitlabRepoKeys, interpretGitlab } from './gitlab';
import { countRejection, type RejectionReason } from './metrics';
import { verifyGenericSignature, verifyGithubSignature, verifyGitlabToken, type SignatureProblem, type Verification } from './signature';
import { createHash } from 'node:crypto';
import { finishDelivery, findWebhookTarget, recordDelivery, signatureSeen } from './store';

export interface WebhookDeps {
  db: Db;
  /** The clock the generic webhook's timestamps are checked against. */
  now?: () => Date;
}

export const MAX_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024;

const log = logger.child({ part: 'webhooks' });

const PROBLEMS: Record<SignatureProblem, string> = {
  missing_signature: 'the signature header is missing',
  malformed_signature: 'the signature header is malformed',
  bad_signature: 'the signature does not match',
  stale_timestamp: 'the signature timestamp is more than 5 minutes away from now',
};

const json = (status: number, body: Record<string, unknown>) => Response.json(body, { status, headers: { 'cache-control': 'no-store' } });

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: RejectionReason,
    message: string,
  ) {
    super(message);
  }
}

/** The body as bytes, refused past the limit without reading it all. */
async function readBody(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_WEBHOOK_BODY_BYTES) throw new Refusal(413, 'too_large', `the body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`);
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_WEBHOOK_BODY_BYTES) {
      await reader.cancel();
      throw new Refusal(413, 'too_large', `the body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** JSON, or GitHub's form encoding (`payload=<json>`); the signature is over the raw bytes either way. */
function decodePayload(raw: Uint8Array, contentType: string | null): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new Refusal(400, 'bad_request', 'the body is not UTF-8');
  }
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) text = new URLSearchParams(text).get('payload') ?? '';
  let payload: unknown;
  try {
    payload = JSON.parse(text) as unknown;
  } catch {
    throw new Refusal(400, 'bad_request', 'the body is not JSON');
  }
  // What PostgreSQL cannot store (a NUL in any string) is refused before any of it is looked up or recorded.
  const [unstorable] = unstorableIssues(payload);
  if (unstorable) throw new Refusal(400, 'bad_request', `${unstorable.path.join('.') || 'body'}: ${unstorable.message}`);
  return payload;
}

interface Endpoint {
  provider: Provider;
  /** The header carrying the provider's delivery id. */
  deliveryHeader: string;
  serviceName: (req: Request) => string | null;
  repoKeys: (payload: unknown) => string[];
  verify: (req: Request, raw: Uint8Array, secret: string, nowSeconds: number) => Verification & { signature?: string };
  interpret: (req: Request, payload: unknown) => DeliveryFacts;
}

async function receive(endpoint: Endpoint, req: Request, deps: WebhookDeps): Promise<Response> {
  const { provider } = endpoint;
  try {
    return await accept(endpoint, req, deps);
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    countRejection(provider, err.reason);
    log.warn({ provider, reason: err.reason, status: err.status }, 'webhook delivery refused');
    return json(err.status, { error: err.message });
  }
}

async function accept(endpoint: Endpoint, req: Request, deps: WebhookDeps): Promise<Response> {
  const { provider, deliveryHeader } = endpoint;
  const raw = await readBody(req);
  const payload = decodePayload(raw, req.headers.get('content-type'));
  const serviceName = endpoint.serviceName(req);
  const target = await findWebhookTarget(deps.db, serviceName, serviceName === null ? endpoint.repoKeys(payload) : []);
  if (target.kind === 'ambiguous') throw new Refusal(409, 'unknown_service', 'several services use this repository; add ?service=<name> to the webhook URL');
  if (target.kind === 'none') {
    throw new Refusal(404, 'unknown_service', serviceName === null ? "no service uses this repository; set it in the service's repository settings, or add ?service=<name>" : `no service named "${serviceName}"`);
  }
  const service = target.service;
  if (!service.webhookSecretId) throw new Refusal(401, 'no_webhook_secret', `service ${service.name} has no webhook secret; set one in its repository settings`);
  const secret = await peekSecretValue(deps.db, service.webhookSecretId);
  const verdict = endpoint.verify(req, raw, secret, Math.floor((deps.now?.() ?? new Date()).getTime() / 1000));
  if (!verdict.ok) throw new Refusal(401, verdict.problem, PROBLEMS[verdict.problem]);

  // Everything a delivery must carry is checked before anything is recorded, the secret's last use included.
  const deliveryId = req.headers.get(deliveryHeader)?.trim() ?? '';
  if (!/^[\x21-\x7e]{1,200}$/.test(deliveryId)) throw new Refusal(400, 'bad_request', `the ${deliveryHeader} header is required (at most 200 visible characters)`);
  let facts: DeliveryFacts;
  try {
    facts = endpoint.interpret(req, payload);
  } catch (err) {
    if (err instanceof PayloadError) throw new Refusal(400, 'bad_request', err.message);
    throw err;
  }
  await recordSecretUse(deps.db, service.webhookSecretId);
  if (service.archived && facts.trigger) facts = { ...facts, trigger: null, ignored: `service ${service.name} is archived` };

  // A signed body seen before is a replay even under a new delivery id (which no provider's signature covers): for
  // the generic webhook its signature within the replay window; for GitHub and GitLab the body's hash, at any age.
  const fingerprint = verdict.signature ?? createHash('sha256').update(raw).digest('hex');
  if (await signatureSeen(deps.db, provider, service.id, fingerprint)) return json(200, { duplicate: true, deliveryId });
  const summary = { ...facts.summary, ...(facts.ignored ? { reason: facts.ignored } : {}), signature: fingerprint };
  const id = await recordDelivery(deps.db, { provider, deliveryId, serviceId: service.id, facts, summary });
  const context = { provider, deliveryId, service: service.name, event: facts.event };
  if (id === null) {
    log.info(context, 'webhook delivery replayed; ignored');
    return json(200, { duplicate: true, deliveryId });
  }
  if (!facts.trigger) {
    log.info({ ...context, reason: facts.ignored }, 'webhook delivery recorded; nothing to start');
    return json(200, { ok: true, outcome: 'ignored', reason: facts.ignored, deliveryId });
  }
  try {
    await triggerPipeline({ serviceId: service.id, trigger: { ...facts.trigger, provider, deliveryId } });
  } catch (err) {
    log.error({ ...context, err }, 'webhook delivery recorded but the pipeline could not be started');
    await finishDelivery(deps.db, id, 'trigger_failed');
    return json(503, { error: 'the pipeline could not be started; redeliver later', deliveryId });
  }
  await finishDelivery(deps.db, id, 'triggered');
  log.info({ ...context, branch: facts.branch, commit: facts.commit }, 'webhook delivery started a pipeline');
  return json(202, { ok: true, outcome: 'triggered', service: service.name, branch: facts.branch, commit: facts.commit, deliveryId });
}

const queryService = (req: Request) => new URL(req.url).searchParams.get('service');

const github: Endpoint = {
  provider: 'github',
  deliveryHeader: 'x-github-delivery',
  serviceName: queryService,
  repoKeys: githubRepoKeys,
  verify: (req, raw, secret) => verifyGithubSignature(raw, req.headers.get('x-hub-signature-256'), secret),
  interpret: (req, payload) => {
    const event = req.headers.get('x-github-event');
    if (!event) throw new PayloadError('the X-GitHub-Event header is required');
    return interpretGithub(event, payload);
  },
};

const gitlab: Endpoint = {
  provider: 'gitlab',
  deliveryHeader: 'x-gitlab-event-uuid',
  serviceName: queryService,
  repoKeys: gitlabRepoKeys,
  verify: (req, _raw, secret): Verification => verifyGitlabToken(req.headers.get('x-gitlab-token'), secret),
  interpret: (req, payload) => {
    const event = req.headers.get('x-gitlab-event');
    if (!event) throw new PayloadError('the X-Gitlab-Event header is required');
    return interpretGitlab(event, payload);
  },
};

/** POST /api/webhooks/github[?service=<name>] */
export function handleGithubWebhook(req: Request, deps: WebhookDeps): Promise<Response> {
  return receive(github, req, deps);
}

/** POST /api/webhooks/gitlab[?service=<name>] */
export function handleGitlabWebhook(req: Request, deps: WebhookDeps): Promise<Response> {
  return receive(gitlab, req, deps);
}

/** POST /api/webhooks/generic/<service> */
export function handleGenericWebhook(req: Request, service: string, deps: WebhookDeps): Promise<Response> {
  return receive(
    {
      provider: 'generic',
      deliveryHeader: 'x-slipway-delivery',
      serviceName: () => service,
      repoKeys: () => [],
      verify: (r, raw, secret, now) => verifyGenericSignature(raw, r.headers.get('x-slipway-signature'), secret, now),
      interpret: (_r, payload) => interpretGeneric(payload),
    },
    req,
    deps,
  );
}
