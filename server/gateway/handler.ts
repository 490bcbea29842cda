// The gateway: a plain Node HTTP handler for /gw/<service>/<environment>/v1/*, served beside Next.js by the
// same server (or, with gateway workers, in worker processes: server/gateway/workers.ts) because it sits on the
// request path of every model call. It answers from an in-memory snapshot of routing tables and keys that follows
// the database within a second (notifications on commit, with a slow signature poll for safety), and writes
// telemetry off the request path. What it reads from the database goes through GatewayData (./data.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '@/db/client';
import { logger } from '@/server/logger';
import { handleChat, relayCall, shadowCall, type ChatRequest } from './chat';
import { pickArm, randomBucket, stickyBucket, type Arm } from './choose';
import { decodePathSegment, GatewayError, readJson, readJsonWithBytes, sendJson, sendOpenAIError } from './http';
import { KeyCache } from './key-cache';
import { isPassthroughEndpoint, passthroughCall } from './passthrough';
import { SMOKE_TOKEN_PREFIX, verifySmokeToken } from '@/server/secrets/smoke-token';
import { directData, type GatewayData } from './data';
import { routeKey, type EnvRoute, type Snapshot, type Target } from './snapshot';
import { TelemetryWriter, type TelemetryOptions } from './telemetry';
import { closePools } from './upstream';
import { metrics } from '@/server/lib/metrics';

/** Request ids are the gateway's own UUIDs. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const MAX_SHADOW_IN_FLIGHT = 64;

/** With notifications on commit, the signature poll only guards against a lost one. */
export const SAFETY_POLL_MS = 5_000;

export interface GatewayOptions {
  /** The database, read directly (or `data` instead: a worker asks its main process). */
  db?: Db;
  data?: GatewayData;
  /** PostgreSQL URL for LISTEN/NOTIFY; without it (PGlite) the gateway relies on polling. */
  databaseUrl?: string;
  /** Embedded database: subscribe to its in-process notifications, so a change reaches the gateway on commit. */
  listen?: (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;
  /** The signature poll; 0 turns it off (a worker is sent every change). */
  pollIntervalMs?: number;
  telemetry?: TelemetryOptions;
}

/** Who is calling: a gateway key, or a smoke test with its short-lived token (no key id; synthetic traffic). */
type Caller = { id: string | null; serviceId: string; allowPin: boolean; smoke: boolean; environment: string | null };

export class Gateway {
  private snapshot: Snapshot | null = null;
  private refreshing: Promise<void> | null = null;
  private poller: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly data: GatewayData;
  private readonly snapshotListeners = new Set<(snapshot: Snapshot) => void>();
  private pinnedTargets = new Map<string, Target>();
  private shadowInFlight = 0;
  private readonly keyCache = new KeyCache();
  readonly telemetry: TelemetryWriter;
  readonly counters = { requests: 0, shadowSkipped: 0, refreshes: 0, refreshFailures: 0 };
  private readonly log = logger.child({ part: 'gateway' });

  constructor(private readonly opts: GatewayOptions) {
    if (!opts.data && !opts.db) throw new Error('a gateway needs a database or a data source');
    this.data = opts.data ?? directData(opts.db!, { databaseUrl: opts.databaseUrl, listen: opts.listen });
    this.telemetry = new TelemetryWriter(opts.db ?? null, opts.telemetry);
    metrics().serviceName = (id) => this.serviceNameOf(id);
  }

  /** For metric labels: the name of a service this gateway routes (looked up once per label set, not per request). */
  private serviceNameOf(serviceId: string): string | undefined {
    for (const route of this.snapshot?.routes.values() ?? []) if (route.serviceId === serviceId) return route.service;
    return undefined;
  }

  async start(): Promise<void> {
    await this.refresh(true);
    this.telemetry.start();
    this.unlisten = await this.data.watch((pushed) => (pushed ? this.install(pushed) : void this.refresh(true)));
    // Without notifications the poll is how changes arrive; with them, only a slow safety net.
    const every = this.opts.pollIntervalMs ?? (this.unlisten ? SAFETY_POLL_MS : 250);
    if (every > 0) {
      this.poller = setInterval(() => void this.refresh(false), every);
      this.poller.unref();
    }
  }

  /** The snapshot requests are answered from (null until the first load). */
  get currentSnapshot(): Snapshot | null {
    return this.snapshot;
  }

  /** Calls `listener` with every snapshot installed from now on (the main process passes them to its workers). */
  onSnapshot(listener: (snapshot: Snapshot) => void): () => void {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  }

  private install(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.pinnedTargets.clear();
    this.counters.refreshes += 1;
    for (const listener of this.snapshotListeners) listener(snapshot);
  }

  /** Reloads the snapshot when the database changed (or always, with force). Concurrent calls share one load. */
  async refresh(force: boolean): Promise<void> {
    if (this.refreshing) {
      if (!force) return this.refreshing;
      // A change noticed during a load may have committed after that load read the database: one more load follows
      // it, and the caller waits for that one (so a caller that just committed a change sees it served).
      this.refreshAgain ??= this.refreshing.then(() => {
        this.refreshAgain = null;
        return this.refresh(true);
      });
      return this.refreshAgain;
    }
    this.refreshing = (async () => {
      try {
        const next = await this.data.snapshot(this.snapshot, force);
        if (next) this.install(next);
      } catch (err) {
        this.counters.refreshFailures += 1;
        this.log.error({ err }, 'could not load the routing snapshot; serving the previous one');
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private refreshAgain: Promise<void> | null = null;

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.unlisten?.().catch(() => undefined);
    await this.telemetry.close();
    await closePools();
  }

  /** The HTTP entry point for /gw/*. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.counters.requests += 1;
    const started = performance.now();
    this.track(
      this.dispatch(req, res, started).catch((err: unknown) => {
        if (err instanceof GatewayError) {
          metrics().observeRefused(err.code);
          sendOpenAIError(res, err);
          return;
        }
        this.log.error({ err, url: req.url }, 'gateway request failed');
        metrics().observeRefused('internal_error');
        sendOpenAIError(res, new GatewayError(500, 'internal_error', 'The gateway failed to handle this request'));
      }),
    );
  };

  /** Requests (and shadow calls) still being answered, so a graceful stop can wait for them and their telemetry. */
  private readonly inFlight = new Set<Promise<unknown>>();

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Waits until no request is being answered (new ones may still arrive meanwhile); false after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    return true;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    const path = (req.url ?? '').split('?')[0]!;
    const parts = path.split('/');
    // ['', 'gw', service, environment, 'v1', ...endpoint]
    const [, , rawService, rawEnvironment, version] = parts;
    const endpoint = parts.slice(5).join('/');
    if (!rawService || !rawEnvironment || version !== 'v1') throw new GatewayError(404, 'not_found', 'Gateway paths look like /gw/<service>/<environment>/v1/chat/completions');
    const service = decodePathSegment(rawService);
    const environment = decodePathSegment(rawEnvironment);
    const snapshot = this.snapshot;
    if (!snapshot) throw new GatewayError(503, 'gateway_starting', 'The gateway is starting; try again shortly');

    const key = this.authenticate(req, snapshot);
    const route = snapshot.routes.get(routeKey(service, environment));
    if (key.smoke) {
      // A smoke token is good for the one service and environment it was made for, and only to ask.
      if (!route || route.serviceId !== key.serviceId || route.environment !== key.environment) throw new GatewayError(401, 'invalid_api_key', 'This smoke token was made for another service or environment');
      if (endpoint === 'chat/completions' && req.method === 'POST') return this.chat(req, res, route, key, started);
      if (endpoint === 'models' && req.method === 'GET') return this.models(res, route);
      if (endpoint.startsWith('models/') && req.method === 'GET') return this.model(res, route, endpoint);
      throw new GatewayError(403, 'not_allowed', 'A smoke token may only call chat/completions and models');
    }
    if (!route || route.serviceId !== key.serviceId) {
      // A key of another service learns nothing about this one.
      if (route) throw new GatewayError(401, 'invalid_api_key', 'This gateway key does not belong to this service');
      throw new GatewayError(404, 'service_not_found', `Nothing is deployed at ${service}/${environment}`);
    }

    if (endpoint === 'chat/completions' && req.method === 'POST') return this.chat(req, res, route, key, started);
    if (endpoint === 'models' && req.method === 'GET') return this.models(res, route);
    if (endpoint.startsWith('models/') && req.method === 'GET') return this.model(res, route, endpoint);
    if (isPassthroughEndpoint(endpoint) && req.method === 'POST') return this.passthrough(req, res, route, key, started, endpoint);
    if (endpoint === 'feedback' && req.method === 'POST') return this.feedback(req, res, route, key.id!);
    throw new GatewayError(404, 'not_found', `No ${req.method} ${endpoint || '(empty)'} endpoint; use chat/completions, completions, responses, embeddings, models or feedback`);
  }

  private authenticate(req: IncomingMessage, snapshot: Snapshot): Caller {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (!token) throw new GatewayError(401, 'missing_api_key', 'Send a gateway key as Authorization: Bearer sgw_…');
    if (token.startsWith(SMOKE_TOKEN_PREFIX)) {
      const check = verifySmokeToken(token);
      if (!check.ok) throw new GatewayError(401, 'invalid_api_key', check.reason === 'expired' ? 'The smoke token has expired' : 'The smoke token is not valid');
      // Smoke tests pin each release they test; what they send is synthetic traffic.
      return { id: null, serviceId: check.claims.serviceId, allowPin: true, smoke: true, environment: check.claims.environment };
    }
    const key = this.keyCache.lookup(token, snapshot.keys);
    if (!key) throw new GatewayError(401, 'invalid_api_key', 'The gateway key is not valid (unknown or revoked)');
    // Field by field, not spread (see gatewayCall in chat.ts).
    return { id: key.id, serviceId: key.serviceId, allowPin: key.allowPin, smoke: false, environment: null };
  }

  private async chat(req: IncomingMessage, res: ServerResponse, route: EnvRoute, key: Caller, started: number): Promise<void> {
    const chat = await this.routed(req, route, key, started);
    if (route.shadow && !chat.pinned && !key.smoke && Math.random() * 100 < route.shadow.percent) {
      if (this.shadowInFlight < MAX_SHADOW_IN_FLIGHT) {
        this.shadowInFlight += 1;
        this.track(shadowCall(chat, route.shadow.target, this.telemetry).finally(() => (this.shadowInFlight -= 1)));
      } else {
        this.counters.shadowSkipped += 1;
      }
    }
    await handleChat(req, res, chat, this.telemetry);
  }

  /** POST embeddings, responses or completions: routed as chat is, relayed with telemetry (passthrough.ts). */
  private async passthrough(req: IncomingMessage, res: ServerResponse, route: EnvRoute, key: Caller, started: number, endpoint: 'embeddings' | 'responses' | 'completions'): Promise<void> {
    const request = await this.routed(req, route, key, started);
    await relayCall(res, passthroughCall(endpoint, request), this.telemetry);
  }

  /** Reads a model request and chooses its release: pinned (X-Slipway-Release, keys allowed to pin), sticky, or by weight. */
  private async routed(req: IncomingMessage, route: EnvRoute, key: Caller, started: number): Promise<ChatRequest & { raw: Buffer }> {
    const { raw, body } = await readJsonWithBytes(req);
    const stickyHeader = req.headers['x-slipway-sticky-key'];
    const stickyKey = typeof stickyHeader === 'string' && stickyHeader ? stickyHeader : typeof body.user === 'string' && body.user ? body.user : null;
    const pin = req.headers['x-slipway-release'];
    let arm: Arm<Target>;
    let pinned = false;
    if (typeof pin === 'string' && pin) {
      if (!key.allowPin) throw new GatewayError(403, 'pin_not_allowed', 'This gateway key may not pin a release (X-Slipway-Release)');
      const number = Number(pin.includes('#') ? pin.split('#')[1] : pin);
      if (!Number.isInteger(number) || number < 1) throw new GatewayError(400, 'invalid_release', 'X-Slipway-Release must be a release number, e.g. 7 or support-bot#7');
      arm = { releaseNumber: number, weight: 0, target: await this.pinnedTarget(route, number) };
      pinned = true;
    } else {
      arm = pickArm(route.arms, stickyKey ? stickyBucket(stickyKey) : randomBucket());
    }
    return { requestId: randomUUID(), route, arm, body, raw, keyId: key.id, stickyKey, pinned, synthetic: key.smoke, started };
  }

  private async pinnedTarget(route: EnvRoute, number: number): Promise<Target> {
    const routed = route.arms.arms.find((a) => a.releaseNumber === number);
    if (routed) return routed.target;
    const cacheKey = `${route.serviceId}/${route.environment}#${number}`;
    const cached = this.pinnedTargets.get(cacheKey);
    if (cached) return cached;
    const target = await this.data.pinnedTarget(route.serviceId, number, route.environment);
    if (!target) throw new GatewayError(404, 'release_not_found', `${route.service} has no release #${number}`);
    this.pinnedTargets.set(cacheKey, target);
    return target;
  }

  private models(res: ServerResponse, route: EnvRoute): void {
    const data = [
      { id: route.service, object: 'model', created: 0, owned_by: 'slipway' },
      ...route.arms.arms.map((a) => ({ id: a.target.releaseRef, object: 'model', created: 0, owned_by: 'slipway', weight: a.weight, model: a.target.modelRef })),
    ];
    sendJson(res, 200, { object: 'list', data });
  }

  /** GET models/<id>: the service itself or a release the route serves, else a 404 as OpenAI answers it. */
  private model(res: ServerResponse, route: EnvRoute, endpoint: string): void {
    const id = decodePathSegment(endpoint.slice('models/'.length));
    if (id === route.service) return sendJson(res, 200, { id, object: 'model', created: 0, owned_by: 'slipway' });
    const arm = route.arms.arms.find((a) => a.target.releaseRef === id);
    if (arm) return sendJson(res, 200, { id, object: 'model', created: 0, owned_by: 'slipway', weight: arm.weight, model: arm.target.modelRef });
    throw new GatewayError(404, 'model_not_found', `The model '${id}' does not exist here; ${route.service}/${route.environment} serves ${[route.service, ...route.arms.arms.map((a) => a.target.releaseRef)].join(', ')}`);
  }

  /**
   * Whether the gateway answered `requestId` for this service and environment. Telemetry is written in batches, so a
   * request answered a moment ago may still be queued in this process: then the queue is written first. (Another
   * gateway process writes its records within its flush interval.)
   */
  private async servedHere(requestId: string, route: EnvRoute): Promise<boolean> {
    if (!UUID.test(requestId)) return false;
    const find = () => this.data.requestLogged(requestId, route.serviceId, route.environment);
    if (await find()) return true;
    await this.telemetry.flush();
    return find();
  }

  private async feedback(req: IncomingMessage, res: ServerResponse, route: EnvRoute, keyId: string): Promise<void> {
    const body = await readJson(req);
    const requestId = body.request_id;
    const score = body.score;
    const comment = body.comment;
    if (typeof requestId !== 'string' || !requestId || requestId.length > 100) throw new GatewayError(400, 'invalid_request', 'request_id must be the x-slipway-request-id of a response');
    if (typeof score !== 'number' || !Number.isFinite(score) || score < -1 || score > 1) throw new GatewayError(400, 'invalid_request', 'score must be a number from -1 to 1');
    if (comment !== undefined && (typeof comment !== 'string' || comment.length > 2000)) throw new GatewayError(400, 'invalid_request', 'comment must be a string of at most 2000 characters');
    if (typeof comment === 'string' && comment.includes('\u0000')) throw new GatewayError(400, 'invalid_request', 'comment must not contain the NUL character (U+0000)');
    if (!(await this.servedHere(requestId, route))) throw new GatewayError(404, 'request_not_found', `No request ${requestId} of ${route.service}/${route.environment}; send the x-slipway-request-id of one of its responses`);
    await this.data.insertFeedback({ requestId, serviceId: route.serviceId, environment: route.environment, score, comment: (comment as string | undefined) ?? null, keyId });
    sendJson(res, 200, { object: 'feedback', request_id: requestId, score });
  }
}
