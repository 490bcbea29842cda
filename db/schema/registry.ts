// What a release manager manages: services and their environments, models and immutable model versions,
// prompts and immutable prompt versions, labels with their move history, immutable releases, and the
// append-only record of what each environment ran. Immutability is enforced by triggers (see the
// `immutability` migration), not only by the API.
import type { ProductionChecks } from './production';
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, doublePrecision, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export const services = pgTable('services', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  /** Emails of the users who own the service. */
  owners: jsonb('owners').$type<string[]>().notNull().default([]),
  archivedAt: timestamp('archived_at', { withTimezone: true }),
  /** Spend the Monitoring cost view draws as the month's budget line; null when none is set. */
  monthlyBudgetUsd: doublePrecision('monthly_budget_usd'),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export interface ProtectionRules {
  requiredApprovals: number;
  preventSelfApproval: boolean;
  allowedBranches: string[];
  waitTimerMinutes: number;
  requiredGates: string[];
  /** How long an approval request stays open before the rollout fails as "approval timed out" (default 1440). */
  approvalTimeoutMinutes?: number;
  /** Name of a stored secret holding the URL of a Slack-compatible webhook told of approval requests and rollouts. */
  notifySecret?: string | null;
}
export interface Slos {
  p95LatencyMs: number | null;
  maxErrorRate: number | null;
  maxCostPerRequestUsd: number | null;
  minEvalScore: number | null;
  /** p95 time to first token of streamed answers. */
  p95TtftMs?: number | null;
}

/** How a rollout's analysis compares the new arm with the stable one; every limit may be switched off with null. */
export interface AnalysisSettings {
  /** Requests the new arm needs before a verdict; fewer is inconclusive. */
  minSamples: number;
  /** How often figures are taken during a bake. */
  intervalSeconds: number;
  /** New arm's error rate minus the stable arm's, at most (0.02 = two points). */
  maxErrorRateIncrease: number | null;
  /** New arm's p95 latency over the stable arm's, at most. */
  maxLatencyRatio: number | null;
  maxTtftRatio: number | null;
  maxCostRatio: number | null;
  /** Stable arm's mean feedback score minus the new arm's, at most (needs minFeedbackSamples on both arms). */
  maxFeedbackDrop: number | null;
  minFeedbackSamples: number;
  /** Stable arm's online-eval pass rate minus the new arm's, at most (0.1 = ten points; needs minQualitySamples scores on both arms). */
  maxQualityDrop: number | null;
  minQualitySamples: number;
  /** After the bake, how long an inconclusive analysis waits for traffic before pausing for a human. */
  inconclusiveWaitMinutes: number;
}
/** Bake and interval times are minutes and may be fractions (0.5 = 30 s). */
export type RolloutPolicy = (
  | { strategy: 'all-at-once'; autoRollback: boolean; bakeMinutes?: number }
  | { strategy: 'canary'; steps: { weight: number; bakeMinutes: number }[]; autoRollback: boolean }
  | { strategy: 'linear'; stepPercent: number; intervalMinutes: number; autoRollback: boolean }
  | { strategy: 'blue-green'; bakeMinutes: number; autoRollback: boolean; rollbackWindowMinutes?: number }
) & { analysis?: AnalysisSettings };

/** How the gateway treats an environment's traffic beyond its routing table. */
export interface GatewaySettings {
  /** When a non-stable arm's upstream fails, answer from the stable release instead. */
  fallbackToStable: boolean;
  /** Mirror a share of requests to a candidate release in the background, for comparison only. */
  shadow: { releaseNumber: number; percent: number } | null;
  /** Keep truncated, redacted input/output samples for this share of requests (0 = none). */
  samplePercent: number;
  upstreamTimeoutMs: number;
}

export const DEFAULT_GATEWAY_SETTINGS: GatewaySettings = { fallbackToStable: true, shadow: null, samplePercent: 0, upstreamTimeoutMs: 60_000 };

/**
 * How an environment runs releases whose model version is a container: `endpoints` (the default) serves only
 * model versions with a base URL; `docker` starts each routed container release as `replicas` containers on the
 * Docker engine, health-checked before they get traffic, and keeps a release that lost its traffic for
 * `keepOldMinutes` (default: the rollout policy's rollback window) before removing it.
 */
export type RuntimeSettings = { kind: 'endpoints' } | { kind: 'docker'; replicas: number; healthTimeoutSeconds: number; keepOldMinutes?: number | null };

export const environments = pgTable(
  'environments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    name: text('name').notNull(),
    protection: jsonb('protection').$type<ProtectionRules>().notNull(),
    slos: jsonb('slos').$type<Slos>().notNull(),
    rollout: jsonb('rollout').$type<RolloutPolicy>().notNull(),
    gateway: jsonb('gateway').$type<GatewaySettings>().notNull().default(DEFAULT_GATEWAY_SETTINGS),
    /** Drift, online evals, smoke tests and triggers (db/schema/production.ts); null: the defaults. */
    checks: jsonb('checks').$type<ProductionChecks | null>(),
    /** Where container releases run: nowhere (endpoints only, the default) or on the Docker engine. */
    runtime: jsonb('runtime').$type<RuntimeSettings>().notNull().default({ kind: 'endpoints' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('environments_service_name_key').on(t.serviceId, t.name)],
);

/** What a secret may be used for; each use checks its purpose. */
export const SECRET_PURPOSES = ['provider_key', 'repository_token', 'webhook_signing', 'notifications', 'registry_credentials'] as const;
export type SecretPurpose = (typeof SECRET_PURPOSES)[number];

export const secrets = pgTable('secrets', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  purposes: jsonb('purposes').$type<SecretPurpose[]>().notNull(),
  /** Names of the services that may use the secret; null: every service. */
  services: jsonb('services').$type<string[] | null>(),
  /** The URL origin (`https://api.openai.com`) the secret was stored for: anyone may bind it to a URL there. */
  origin: text('origin'),
  /** AES-256-GCM: base64 of iv (12 bytes) + auth tag (16 bytes) + ciphertext. */
  ciphertext: text('ciphertext').notNull(),
  /** A hint such as `…abcd`, the only part of the value ever shown. */
  mask: text('mask').notNull(),
  description: text('description').notNull().default(''),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  rotatedAt: timestamp('rotated_at', { withTimezone: true }),
  /** Last change of the scope (purposes, services, origin); the gateway reloads when it moves. */
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
});

/**
 * Origins other than its own that a secret may be sent to, each allowed once by someone holding `secrets:write` when
 * they bound the secret to a URL there. Checked again at every use.
 */
export const secretGrants = pgTable(
  'secret_grants',
  {
    secretId: uuid('secret_id')
      .notNull()
      .references(() => secrets.id),
    origin: text('origin').notNull(),
    grantedBy: text('granted_by').notNull(),
    /** What was being bound when it was allowed, e.g. `apiKeySecret of nano@3`. */
    boundTo: text('bound_to').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.secretId, t.origin] })],
);

export const models = pgTable('models', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type ModelStatus = 'registered' | 'validated' | 'deprecated' | 'archived';
export interface Artifact {
  /** Where it is fetched from: an http(s) URL, `repo:<path>` in the service's repository, or (endpoints) any URI. */
  uri: string;
  sha256: string;
  sizeBytes: number;
  /** Container builds: where it is written inside the build context (relative, `/`-separated). */
  path?: string;
}
/** The tokenizer, pinned like an artifact; `path` as for artifacts. */
export interface TokenizerRef {
  uri: string;
  sha256: string;
  path?: string;
}
export interface Lineage {
  gitRepository: string | null;
  gitCommit: string | null;
  pipelineRunId: string | null;
  trainingRunUri: string | null;
}

/**
 * How a container model version is built and served (providerKind `container`). The image is either built from
 * `build.context` (a directory of the service's repository at a pipeline run's commit) or given by `imageRef`
 * pinned by digest. Artifacts and the tokenizer (the version's `artifacts` and `tokenizer`) are fetched and checked
 * against their sha256 before they enter the image.
 */
export interface ContainerSpec {
  build: { context: string; dockerfile: string } | null;
  /** Arguments the container runs with (the image's CMD when null); `{port}` is replaced by the port it must listen on. */
  command: string[] | null;
  /** The port it listens on when the command does not say (`{port}`). */
  port: number;
  /** Path answered with a 2xx when a replica is ready for traffic. */
  healthPath: string;
  env: Record<string, string>;
  resources: { cpus: number | null; memoryMb: number | null };
}

export const modelVersions = pgTable(
  'model_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => models.id),
    version: integer('version').notNull(),
    providerKind: text('provider_kind', { enum: ['openai-compatible', 'container'] }).notNull(),
    baseUrl: text('base_url'),
    upstreamModel: text('upstream_model').notNull(),
    defaultParams: jsonb('default_params').$type<Record<string, Json>>().notNull().default({}),
    apiKeySecretId: uuid('api_key_secret_id').references(() => secrets.id),
    artifacts: jsonb('artifacts').$type<Artifact[]>().notNull().default([]),
    tokenizer: jsonb('tokenizer').$type<TokenizerRef | null>(),
    imageRef: text('image_ref'),
    /** Build and serving settings of a container model version; null for an endpoint. */
    container: jsonb('container').$type<ContainerSpec | null>(),
    priceInputPer1M: numeric('price_input_per_1m', { precision: 12, scale: 6 }).notNull().default('0'),
    priceOutputPer1M: numeric('price_output_per_1m', { precision: 12, scale: 6 }).notNull().default('0'),
    contextWindow: integer('context_window'),
    lineage: jsonb('lineage').$type<Lineage>().notNull(),
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
    description: text('description').notNull().default(''),
    /** The only mutable part of a version, moved along allowed transitions and recorded in the audit log. */
    status: text('status', { enum: ['registered', 'validated', 'deprecated', 'archived'] }).notNull().default('registered'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('model_versions_model_version_key').on(t.modelId, t.version), check('model_versions_version_positive', sql`${t.version} > 0`)],
);

export const prompts = pgTable(
  'prompts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('prompts_service_name_key').on(t.serviceId, t.name)],
);

export type PromptMessage = { role: 'system' | 'user' | 'assistant'; content: string } | { include: string };
export interface PromptVariable {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'json';
  required: boolean;
  default?: Json;
  description?: string;
}

export const promptVersions = pgTable(
  'prompt_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    promptId: uuid('prompt_id')
      .notNull()
      .references(() => prompts.id),
    version: integer('version').notNull(),
    /** sha256 of the canonical content (messages, variables, response schema, params). */
    contentHash: text('content_hash').notNull(),
    messages: jsonb('messages').$type<PromptMessage[]>().notNull(),
    variables: jsonb('variables').$type<PromptVariable[]>().notNull().default([]),
    responseSchema: jsonb('response_schema').$type<Record<string, Json> | null>(),
    params: jsonb('params').$type<Record<string, Json>>().notNull().default({}),
    commitMessage: text('commit_message').notNull().default(''),
    gitSha: text('git_sha'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('prompt_versions_prompt_version_key').on(t.promptId, t.version), uniqueIndex('prompt_versions_prompt_hash_key').on(t.promptId, t.contentHash)],
);

/** A movable pointer on a prompt's or a model's versions. Exactly one of promptId/modelId is set. */
export const labels = pgTable(
  'labels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    promptId: uuid('prompt_id').references(() => prompts.id),
    modelId: uuid('model_id').references(() => models.id),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    protected: boolean('protected').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('labels_prompt_name_key').on(t.promptId, t.name),
    uniqueIndex('labels_model_name_key').on(t.modelId, t.name),
    check('labels_one_target', sql`(${t.promptId} is null) <> (${t.modelId} is null)`),
  ],
);

export const labelMoves = pgTable(
  'label_moves',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    labelId: uuid('label_id')
      .notNull()
      .references(() => labels.id),
    fromVersion: integer('from_version'),
    toVersion: integer('to_version').notNull(),
    reason: text('reason').notNull().default(''),
    actorLabel: text('actor_label').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('label_moves_label_idx').on(t.labelId, t.at)],
);

export const releases = pgTable(
  'releases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    number: integer('number').notNull(),
    modelVersionId: uuid('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    config: jsonb('config').$type<Record<string, Json>>().notNull().default({}),
    notes: text('notes').notNull().default(''),
    source: text('source', { enum: ['ui', 'api', 'cli', 'pipeline', 'seed', 'manifest'] }).notNull(),
    gitSha: text('git_sha'),
    /** The branch the release was built from (pipelines, manifest sync with --branch); environments' branch rules read it. */
    branch: text('branch'),
    createdBy: text('created_by').notNull(),
    /** The user behind the creator (a token's owner): who may not approve its rollouts. */
    createdByUserId: uuid('created_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('releases_service_number_key').on(t.serviceId, t.number)],
);

export const releasePrompts = pgTable(
  'release_prompts',
  {
    releaseId: uuid('release_id')
      .notNull()
      .references(() => releases.id),
    promptVersionId: uuid('prompt_version_id')
      .notNull()
      .references(() => promptVersions.id),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.promptVersionId] })],
);

export interface RouteEntry {
  releaseId: string;
  releaseNumber: number;
  weight: number;
}

/** Append-only: one row per change of what an environment runs. The newest row at or before T is the state at T. */
export const environmentHistory = pgTable(
  'environment_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    kind: text('kind', { enum: ['deploy', 'weights', 'restore', 'rollback'] }).notNull(),
    routes: jsonb('routes').$type<RouteEntry[]>().notNull(),
    reason: text('reason').notNull().default(''),
    actorLabel: text('actor_label').notNull(),
    restoredFromId: bigint('restored_from_id', { mode: 'number' }),
    requestId: text('request_id'),
    /** The rollout that made this change, if any. */
    rolloutId: uuid('rollout_id'),
    /** Set when an admin changed a protected environment directly, outside the release flow: why. */
    bypassReason: text('bypass_reason'),
  },
  (t) => [index('environment_history_env_at_idx').on(t.environmentId, t.at.desc(), t.id.desc())],
);

export type Service = typeof services.$inferSelect;
export type Environment = typeof environments.$inferSelect;
export type Model = typeof models.$inferSelect;
export type ModelVersion = typeof modelVersions.$inferSelect;
export type Prompt = typeof prompts.$inferSelect;
export type PromptVersion = typeof promptVersions.$inferSelect;
export type Release = typeof releases.$inferSelect;
export type Label = typeof labels.$inferSelect;
export type EnvironmentHistoryEntry = typeof environmentHistory.$inferSelect;
export type Secret = typeof secrets.$inferSelect;
