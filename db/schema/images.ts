// Container image builds of model versions: each build's source (repository and commit), the artifacts it
// verified, the image it made (id, size, labels), its log, and where it was pushed. Model versions are immutable,
// so builds live here; a version "has" its newest succeeded build.
import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { pipelineRuns } from './pipelines';
import { modelVersions, services } from './registry';

/** One artifact checked before it entered the build context. */
export interface VerifiedArtifact {
  /** Where it came from (the version's uri). */
  uri: string;
  /** Where it was written in the context. */
  path: string;
  sha256: string;
  sizeBytes: number;
}

export const IMAGE_BUILD_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type ImageBuildStatus = (typeof IMAGE_BUILD_STATUSES)[number];

export const imageBuilds = pgTable(
  'image_builds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelVersionId: uuid('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    /** The service whose repository held the build context. */
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    /** The run whose step made it; null for a build started by hand. */
    pipelineRunId: uuid('pipeline_run_id').references(() => pipelineRuns.id),
    /** The step's name in its pipeline, or `manual`. */
    stepName: text('step_name').notNull(),
    sourceRepository: text('source_repository').notNull(),
    sourceCommit: text('source_commit').notNull(),
    /** The tag given to the image on the engine. */
    tag: text('tag'),
    status: text('status', { enum: IMAGE_BUILD_STATUSES }).notNull().default('queued'),
    /** `sha256:<64 hex>`: the image's config digest as the engine reports it. */
    imageId: text('image_id'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    labels: jsonb('labels').$type<Record<string, string>>().notNull().default({}),
    artifacts: jsonb('artifacts').$type<VerifiedArtifact[]>().notNull().default([]),
    /** The build's output, its last 200 KB. */
    log: text('log').notNull().default(''),
    error: text('error'),
    /** `registry/name@sha256:<manifest digest>` after a push. */
    pushedRef: text('pushed_ref'),
    pushedDigest: text('pushed_digest'),
    pushedAt: timestamp('pushed_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('image_builds_model_version_idx').on(t.modelVersionId, t.createdAt.desc()), index('image_builds_run_idx').on(t.pipelineRunId)],
);

export type ImageBuild = typeof imageBuilds.$inferSelect;
