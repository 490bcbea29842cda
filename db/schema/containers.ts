// Containers the Docker deploy target started: one row per replica of a release in an environment's slot, kept
// after removal (removedAt) so every container the engine holds with Slipway's labels is accounted for.
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { environments, modelVersions, releases } from './registry';

export const CONTAINER_STATES = ['starting', 'running', 'failed', 'removing', 'removed'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];
export const CONTAINER_HEALTH = ['unknown', 'healthy', 'unhealthy'] as const;
export type ContainerHealth = (typeof CONTAINER_HEALTH)[number];

export const containerInstances = pgTable(
  'container_instances',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    releaseId: uuid('release_id')
      .notNull()
      .references(() => releases.id),
    modelVersionId: uuid('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    /** Blue-green slot: a new release takes the slot its predecessor does not hold. */
    slot: text('slot', { enum: ['blue', 'green'] }).notNull(),
    replica: integer('replica').notNull(),
    image: text('image').notNull(),
    containerId: text('container_id'),
    containerName: text('container_name').notNull(),
    hostPort: integer('host_port').notNull(),
    state: text('state', { enum: CONTAINER_STATES }).notNull().default('starting'),
    health: text('health', { enum: CONTAINER_HEALTH }).notNull().default('unknown'),
    /** Times a dead replica was replaced by a new container in its place. */
    restarts: integer('restarts').notNull().default(0),
    /** Why it failed or was removed, in words. */
    message: text('message').notNull().default(''),
    /** When a release that lost its traffic is removed (the rollback window); null while it is routed. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [
    // A host port is held by one live container at a time; a replica of a release has one live row.
    uniqueIndex('container_instances_live_port_key').on(t.hostPort).where(sql`${t.removedAt} is null`),
    uniqueIndex('container_instances_live_replica_key').on(t.environmentId, t.releaseId, t.replica).where(sql`${t.removedAt} is null`),
    index('container_instances_env_idx').on(t.environmentId, t.removedAt),
  ],
);

export type ContainerInstance = typeof containerInstances.$inferSelect;
