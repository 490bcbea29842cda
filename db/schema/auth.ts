// Accounts, roles and API tokens: who may act on Slipway and with which role.
import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const roleEnum = pgEnum('role', ['viewer', 'engineer', 'approver', 'admin']);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    role: roleEnum('role').notNull(),
    // scrypt hash in the form scrypt$N$r$p$salt$hash; null for accounts that only sign in through OAuth/OIDC.
    passwordHash: text('password_hash'),
    // Hash of a pending invitation secret; cleared once the invitee sets a password.
    inviteHash: text('invite_hash'),
    inviteExpiresAt: timestamp('invite_expires_at', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    uniqueIndex('users_invite_hash_key').on(t.inviteHash),
  ],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    // sha256 of the full token; the plaintext is shown once at creation and never stored.
    tokenHash: text('token_hash').notNull(),
    // First characters after `slw_`, shown in lists so a user can tell tokens apart.
    prefix: text('prefix').notNull(),
    role: roleEnum('role').notNull(),
    // The user who created it; null for the bootstrap token registered from the environment.
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    source: text('source', { enum: ['user', 'bootstrap'] }).notNull().default('user'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

// Password sign-in throttling, shared by every instance: failures counted per (email, client address), per email
// and per client address, each with a backoff. Keys are SHA-256 hashes, so what people typed is not kept here.
export const signInThrottles = pgTable(
  'sign_in_throttles',
  {
    scope: text('scope', { enum: ['pair', 'email', 'ip'] }).notNull(),
    keyHash: text('key_hash').notNull(),
    failures: integer('failures').notNull().default(0),
    lastFailureAt: timestamp('last_failure_at', { withTimezone: true }),
    // No password is checked for this key before then.
    blockedUntil: timestamp('blocked_until', { withTimezone: true }),
    // A (email, address) pair that signed in: the per-email and per-address limits do not hold it back.
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.keyHash] }), index('sign_in_throttles_updated_idx').on(t.updatedAt)],
);

export type User = typeof users.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
