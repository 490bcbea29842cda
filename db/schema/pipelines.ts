// Pipelines: each service's versioned definition (stages of typed steps and its branch policy), the runs
// it produced with their steps, and the webhook deliveries that triggered them.
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { releases, secrets, services } from './registry';

export interface PipelineStepDef {
  name: string;
  type: string;
  inputs: Record<string, unknown>;
  thresholds: Record<string, unknown>;
  timeoutSeconds: number;
  continueOnFailure: boolean;
}
export interface PipelineDef {
  stages: { name: string; steps: PipelineStepDef[] }[];
  branches: { pattern: string; mode: 'evaluate' | 'deploy'; environment: string | null }[];
}

/** Append-only: every save is a new version; the newest is the one in force. */
export const pipelineDefinitions = pgTable(
  'pipeline_definitions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    version: integer('version').notNull(),
    yaml: text('yaml').notNull(),
    definition: jsonb('definition').$type<PipelineDef>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('pipeline_definitions_service_version_key').on(t.serviceId, t.version)],
);

/** Where a service's code lives: an https git URL (with a token from the secret store) or a local path. */
export const serviceRepositories = pgTable('service_repositories', {
  serviceId: uuid('service_id')
    .primaryKey()
    .references(() => services.id),
  url: text('url').notNull(),
  tokenSecretId: uuid('token_secret_id').references(() => secrets.id),
  /** Secret that signs the generic webhook and, for GitHub and GitLab, the shared webhook secret. */
  webhookSecretId: uuid('webhook_secret_id').references(() => secrets.id),
  manifestPath: text('manifest_path').notNull().default('slipway.yaml'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type PipelineRunStatus = 'queued' | 'running' | 'passed' | 'failed' | 'cancelled';

export interface PipelineTrigger {
  kind: 'push' | 'pull_request' | 'merge_request' | 'manual' | 'webhook';
  provider: 'github' | 'gitlab' | 'generic' | null;
  branch: string | null;
  commit: string | null;
  author: string | null;
  message: string | null;
  deliveryId: string | null;
}

export const pipelineRuns = pgTable(
  'pipeline_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    number: integer('number').notNull(),
    definitionId: uuid('definition_id')
      .notNull()
      .references(() => pipelineDefinitions.id),
    status: text('status').$type<PipelineRunStatus>().notNull().default('queued'),
    trigger: jsonb('trigger').$type<PipelineTrigger>().notNull(),
    mode: text('mode', { enum: ['evaluate', 'deploy'] }).notNull(),
    targetEnvironment: text('target_environment'),
    /** The release candidate built from the commit's manifest. */
    releaseId: uuid('release_id').references(() => releases.id),
    executorRunId: text('executor_run_id'),
    error: text('error'),
    createdBy: text('created_by').notNull(),
    /** The user who started it (a token's owner), if a person did. */
    createdByUserId: uuid('created_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('pipeline_runs_service_number_key').on(t.serviceId, t.number), index('pipeline_runs_service_created_idx').on(t.serviceId, t.createdAt)],
);

export type StepRunStatus = 'pending' | 'running' | 'passed' | 'failed' | 'skipped' | 'cancelled';

export const pipelineStepRuns = pgTable(
  'pipeline_step_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id')
      .notNull()
      .references(() => pipelineRuns.id),
    position: integer('position').notNull(),
    stage: text('stage').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    status: text('status').$type<StepRunStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    logs: jsonb('logs').$type<{ at: string; line: string }[]>().notNull().default([]),
    outputs: jsonb('outputs').$type<Record<string, unknown>>().notNull().default({}),
    error: text('error'),
    continueOnFailure: boolean('continue_on_failure').notNull().default(false),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('pipeline_step_runs_run_position_key').on(t.runId, t.position)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    provider: text('provider', { enum: ['github', 'gitlab', 'generic'] }).notNull(),
    /** The provider's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID, X-Slipway-Delivery): replays are ignored. */
    deliveryId: text('delivery_id').notNull(),
    serviceId: uuid('service_id').references(() => services.id),
    event: text('event').notNull(),
    branch: text('branch'),
    commit: text('commit'),
    summary: jsonb('summary').$type<Record<string, unknown>>().notNull().default({}),
    outcome: text('outcome').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('webhook_deliveries_provider_delivery_key').on(t.provider, t.deliveryId)],
);

export type PipelineRun = typeof pipelineRuns.$inferSelect;
export type PipelineStepRun = typeof pipelineStepRuns.$inferSelect;
