// The gateway's view of the world, loaded from the database into memory: per environment the releases it
// routes to with their weights (each resolved to an upstream, a key, prices and rendered-ready prompts),
// its gateway settings, and the valid gateway keys. Requests read it without touching the database.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import {
  containerInstances,
  environmentHistory,
  environments,
  gatewayKeys,
  models,
  modelVersions,
  prompts,
  promptVersions,
  releasePrompts,
  releases,
  secrets,
  services,
  type GatewaySettings,
  type Json,
  type ModelVersion,
  type ProductionChecks,
  type PromptVariable,
  type PromptVersion,
  type Secret,
  type Service,
} from '@/db/schema';
import { decryptSecret } from '@/server/secrets/crypto';
import { logger } from '@/server/logger';
import { dbResolver } from '@/server/services/prompts/resolve';
import { expand } from '@/server/lib/template';
import { grantedOrigins, refusalOfUseWith } from '@/server/services/secrets/scope';
import { buildArms, type Arms } from './choose';

export interface PromptTarget {
  versionId: string;
  version: number;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  variables: PromptVariable[];
  params: Record<string, Json>;
}

export interface Target {
  releaseId: string;
  releaseNumber: number;
  releaseRef: string;
  modelVersionId: string;
  modelRef: string;
  /** Upstream chat completions URL, or null for a container model without an endpoint. */
  url: string | null;
  upstreamModel: string;
  apiKey: string | null;
  /** Why the model version's stored key may not be sent for this service (its scope), or null; never the value. */
  keyRefusal: string | null;
  /** Model defaults, then the release's config: what a request's own parameters override. */
  params: Record<string, Json>;
  priceInputPer1M: number;
  priceOutputPer1M: number;
  prompts: Map<string, PromptTarget>;
  /** A container release in a Docker environment: the chat URLs of its healthy replicas, taken in turn (see `targetUrl`). */
  replicas?: string[];
  /** Why a target has no URL, when it is not the default (a container release with no healthy replica). */
  noEndpoint?: string;
}

/** Healthy replicas of container releases in Docker environments, as chat URLs by release (an empty list: none healthy). */
async function replicaUrls(db: Db, environmentId: string, releaseIds: string[]): Promise<Map<string, string[]> | null> {
  const [env] = await db.select({ runtime: environments.runtime, name: environments.name }).from(environments).where(eq(environments.id, environmentId));
  if (env?.runtime.kind !== 'docker') return null;
  const rows = await db
    .select({ releaseId: containerInstances.releaseId, port: containerInstances.hostPort, replica: containerInstances.replica })
    .from(containerInstances)
    .where(and(eq(containerInstances.environmentId, environmentId), inArray(containerInstances.releaseId, releaseIds), isNull(containerInstances.removedAt), eq(containerInstances.state, 'running'), eq(containerInstances.health, 'healthy')));
  const out = new Map<string, string[]>(releaseIds.map((id) => [id, []]));
  for (const r of rows.sort((a, b) => a.replica - b.replica)) out.get(r.releaseId)?.push(chatUrl(`http://127.0.0.1:${r.port}/v1`));
  return out;
}

export interface EnvRoute {
  serviceId: string;
  service: string;
  environment: string;
  arms: Arms<Target>;
  settings: GatewaySettings;
  shadow: { target: Target; percent: number } | null;
  /** The share (0–100) of requests online evals score: the environment's `checks.onlineEvals.samplePercent` when they are on, else 0. */
  onlineEvalPercent: number;
}

export interface GatewayKeyEntry {
  id: string;
  serviceId: string;
  allowPin: boolean;
}

export interface Snapshot {
  routes: Map<string, EnvRoute>;
  keys: Map<string, GatewayKeyEntry>;
  signature: string;
  loadedAt: number;
}

/**
 * The share of requests online evals score, read from an environment's stored checks (saved whole through their
 * schema; null or absent: online evals are off, as by default).
 */
export function onlineEvalPercentOf(checks: ProductionChecks | null): number {
  const online = checks?.onlineEvals;
  if (!online?.enabled) return 0;
  const percent = Number(online.samplePercent);
  return Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
}

export const routeKey = (service: string, environment: string) => `${service}/${environment}`;

/** A cheap fingerprint of everything the snapshot depends on; when it changes, the snapshot is reloaded. */
export async function snapshotSignature(db: Db): Promise<string> {
  const result = await db.execute(sql`select concat_ws(':',
      (select coalesce(max(id), 0) from environment_history),
      (select coalesce(max(id), 0) from label_moves),
      (select count(*) from gateway_keys), (select count(*) from gateway_keys where revoked_at is not null),
      (select coalesce(extract(epoch from max(updated_at)), 0) from environments),
      (select coalesce(extract(epoch from max(updated_at)), 0) from services),
      (select coalesce(extract(epoch from max(rotated_at)), 0) from secrets),
      (select coalesce(extract(epoch from max(updated_at)), 0) from secrets),
      (select count(*) from secret_grants),
      (select count(*) from container_instances), (select coalesce(extract(epoch from max(updated_at)), 0) from container_instances)) as sig`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { sig: string }[];
  return rows[0]!.sig;
}

function chatUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

type VersionRow = { version: ModelVersion; model: string; secret: Secret | null };
type PromptRow = { name: string; version: PromptVersion };

/** Prompts ready to render: includes resolved now (labels as they stand); a label move changes the signature and reloads. */
async function promptTargets(db: Db, service: Service, rows: PromptRow[]): Promise<Map<string, PromptTarget>> {
  const resolver = dbResolver(db, service);
  const out = new Map<string, PromptTarget>();
  for (const p of rows) {
    const tree = await expand({ prompt: p.name, version: p.version.version, messages: p.version.messages, variables: p.version.variables }, resolver);
    out.set(p.name, { versionId: p.version.id, version: p.version.version, messages: tree.messages, variables: tree.variables, params: p.version.params });
  }
  return out;
}

/** The key's scope is checked here, when a target is built, not per request. */
function targetOf(service: Service, r: VersionRow, granted: Map<string, Set<string>>, release: { id: string; number: number; config: Record<string, Json> }, promptMap: Map<string, PromptTarget>): Target {
  const keyRefusal = r.secret && r.version.baseUrl ? refusalOfUseWith(r.secret, { purpose: 'provider_key', service: service.name, url: r.version.baseUrl }, granted.get(r.secret.id) ?? new Set()) : null;
  if (keyRefusal) logger.warn({ service: service.name, model: `${r.model}@${r.version.version}` }, `gateway: the upstream API key is not sent: ${keyRefusal}`);
  return {
    releaseId: release.id,
    releaseNumber: release.number,
    releaseRef: `${service.name}#${release.number}`,
    modelVersionId: r.version.id,
    modelRef: `${r.model}@${r.version.version}`,
    url: r.version.baseUrl ? chatUrl(r.version.baseUrl) : null,
    upstreamModel: r.version.upstreamModel,
    apiKey: r.secret && !keyRefusal ? decryptSecret(r.secret.ciphertext) : null,
    keyRefusal,
    params: { ...r.version.defaultParams, ...release.config },
    priceInputPer1M: Number(r.version.priceInputPer1M),
    priceOutputPer1M: Number(r.version.priceOutputPer1M),
    prompts: promptMap,
  };
}

/**
 * Loads one release's target; used for routed releases and for pinned or shadowed ones. With an environment that
 * runs containers, a container release's target points at its healthy replicas there.
 */
export async function loadTargets(db: Db, service: Service, releaseIds: string[], environmentId?: string): Promise<Map<string, Target>> {
  const out = new Map<string, Target>();
  if (!releaseIds.length) return out;
  const rows = await db
    .select({ release: releases, version: modelVersions, model: models.name, secret: secrets })
    .from(releases)
    .innerJoin(modelVersions, eq(modelVersions.id, releases.modelVersionId))
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
    .where(inArray(releases.id, releaseIds));
  const promptRows = await db
    .select({ releaseId: releasePrompts.releaseId, name: prompts.name, version: promptVersions })
    .from(releasePrompts)
    .innerJoin(promptVersions, eq(promptVersions.id, releasePrompts.promptVersionId))
    .innerJoin(prompts, eq(prompts.id, promptVersions.promptId))
    .where(inArray(releasePrompts.releaseId, releaseIds));
  const granted = await grantedOrigins(db, [...new Set(rows.flatMap((r) => (r.secret ? [r.secret.id] : [])))]);
  for (const r of rows) {
    const promptMap = await promptTargets(
      db,
      service,
      promptRows.filter((x) => x.releaseId === r.release.id),
    );
    out.set(r.release.id, targetOf(service, r, granted, r.release, promptMap));
  }
  const replicas = environmentId ? await replicaUrls(db, environmentId, releaseIds) : null;
  if (replicas) {
    for (const r of rows) {
      if (r.version.providerKind !== 'container') continue;
      const target = out.get(r.release.id)!;
      const urls = replicas.get(r.release.id) ?? [];
      target.replicas = urls;
      target.url = urls[0] ?? null;
      if (!urls.length) target.noEndpoint = `${target.releaseRef} (${target.modelRef}) has no healthy replica running`;
    }
  }
  return out;
}

/**
 * A target from its parts rather than a release: a model version, prompt versions and extra config, built as a
 * release's would be (evals and prompt variations call candidates that are not releases yet this way).
 */
export async function loadTargetOf(db: Db, service: Service, parts: { modelVersionId: string; promptVersionIds: string[]; config?: Record<string, Json>; release?: { id: string; number: number } }): Promise<Target> {
  const [row] = await db
    .select({ version: modelVersions, model: models.name, secret: secrets })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
    .where(eq(modelVersions.id, parts.modelVersionId));
  if (!row) throw new Error(`model version ${parts.modelVersionId} does not exist`);
  const promptRows = parts.promptVersionIds.length
    ? await db
        .select({ name: prompts.name, version: promptVersions })
        .from(promptVersions)
        .innerJoin(prompts, eq(prompts.id, promptVersions.promptId))
        .where(inArray(promptVersions.id, parts.promptVersionIds))
    : [];
  const granted = await grantedOrigins(db, row.secret ? [row.secret.id] : []);
  const release = { id: parts.release?.id ?? '', number: parts.release?.number ?? 0, config: parts.config ?? {} };
  return targetOf(service, row, granted, release, await promptTargets(db, service, promptRows));
}

export async function loadSnapshot(db: Db): Promise<Snapshot> {
  const signature = await snapshotSignature(db);
  const envRows = await db
    .select({ env: environments, service: services })
    .from(environments)
    .innerJoin(services, and(eq(services.id, environments.serviceId), isNull(services.archivedAt)));
  const latest = envRows.length
    ? await db
        .selectDistinctOn([environmentHistory.environmentId])
        .from(environmentHistory)
        .where(
          inArray(
            environmentHistory.environmentId,
            envRows.map((e) => e.env.id),
          ),
        )
        .orderBy(environmentHistory.environmentId, sql`${environmentHistory.at} desc`, sql`${environmentHistory.id} desc`)
    : [];
  const latestByEnv = new Map(latest.map((h) => [h.environmentId, h]));
  const routesOut = new Map<string, EnvRoute>();
  for (const { env, service } of envRows) {
    const entry = latestByEnv.get(env.id);
    if (!entry || !entry.routes.length) continue;
    let shadowId: string | null = null;
    if (env.gateway.shadow) {
      const [s] = await db
        .select({ id: releases.id })
        .from(releases)
        .where(and(eq(releases.serviceId, service.id), eq(releases.number, env.gateway.shadow.releaseNumber)));
      shadowId = s?.id ?? null;
    }
    const targets = await loadTargets(db, service, [...entry.routes.map((r) => r.releaseId), ...(shadowId ? [shadowId] : [])], env.id);
    const arms = buildArms(entry.routes.map((r) => ({ releaseNumber: r.releaseNumber, weight: r.weight, target: targets.get(r.releaseId)! })));
    routesOut.set(routeKey(service.name, env.name), {
      serviceId: service.id,
      service: service.name,
      environment: env.name,
      arms,
      settings: env.gateway,
      shadow: shadowId && env.gateway.shadow ? { target: targets.get(shadowId)!, percent: env.gateway.shadow.percent } : null,
      onlineEvalPercent: onlineEvalPercentOf(env.checks),
    });
  }
  const keyRows = await db.select().from(gatewayKeys).where(isNull(gatewayKeys.revokedAt));
  const keys = new Map(keyRows.map((k) => [k.keyHash, { id: k.id, serviceId: k.serviceId, allowPin: k.allowPin }]));
  return { routes: routesOut, keys, signature, loadedAt: Date.now() };
}
