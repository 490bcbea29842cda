// First-start work: the first admin account, the bootstrap API token from the environment, the auth secret.
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { apiTokens, users } from '@/db/schema';
import type { Env } from './env';
import { generatePassword, hashPassword } from './auth/password';
import { hashToken, tokenDisplayPrefix } from './auth/tokens';
import { generatedOnce } from './lib/generated-secret';
import type { Logger } from './logger';
import { recordAudit } from './services/audit/record';
import { withTransaction, type ServiceContext } from './services/context';

const systemCtx = (db: Db, job: string): ServiceContext => ({ actor: { kind: 'system', job }, db, requestId: null });

/** Creates the first admin when there is no user at all. A generated password is logged once, never stored in clear. */
export async function ensureFirstAdmin(db: Db, e: Pick<Env, 'SLIPWAY_ADMIN_EMAIL' | 'SLIPWAY_ADMIN_PASSWORD'>, log: Logger): Promise<void> {
  await withTransaction(systemCtx(db, 'bootstrap'), async (tx) => {
    // Serialise concurrent first starts against one PostgreSQL database.
    await tx.db.execute(sql`select pg_advisory_xact_lock(${0x51_1b_a8})`);
    const [row] = await tx.db.select({ n: sql<number>`count(*)::int` }).from(users);
    if (row && row.n > 0) return;
    const email = (e.SLIPWAY_ADMIN_EMAIL ?? 'admin@slipway.local').toLowerCase();
    const password = e.SLIPWAY_ADMIN_PASSWORD ?? generatePassword();
    const [admin] = await tx.db.insert(users).values({ email, name: 'Administrator', role: 'admin', passwordHash: await hashPassword(password) }).returning();
    await recordAudit(tx, { action: 'user.create', target: { kind: 'user', id: admin!.id, label: email }, summary: `Created the first admin ${email}`, changes: { role: 'admin' } });
    if (e.SLIPWAY_ADMIN_PASSWORD) {
      log.info({ email }, 'created the first admin from SLIPWAY_ADMIN_EMAIL / SLIPWAY_ADMIN_PASSWORD');
    } else {
      // Deliberately printed once, outside the structured redaction, so the operator can sign in the first time.
      log.warn({ email }, 'created the first admin with a generated password; it is shown once below, change it after signing in');
      process.stdout.write(`\n  Slipway admin: ${email}\n  Password:      ${password}\n\n`);
    }
  });
}

/** Registers SLIPWAY_BOOTSTRAP_TOKEN as an admin token, and revokes a bootstrap token that the environment no longer names. */
export async function syncBootstrapToken(db: Db, token: string | undefined): Promise<void> {
  await withTransaction(systemCtx(db, 'bootstrap'), async (tx) => {
    await tx.db.execute(sql`select pg_advisory_xact_lock(${0x51_1b_a9})`);
    const hash = token ? hashToken(token) : null;
    const stale = await tx.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.source, 'bootstrap'), sql`${apiTokens.revokedAt} is null`, hash ? ne(apiTokens.tokenHash, hash) : undefined))
      .returning({ id: apiTokens.id, name: apiTokens.name });
    for (const t of stale) {
      await recordAudit(tx, { action: 'token.revoke', target: { kind: 'api_token', id: t.id, label: t.name }, summary: 'Revoked the previous bootstrap token (SLIPWAY_BOOTSTRAP_TOKEN changed or was removed)' });
    }
    if (!token || !hash) return;
    const [existing] = await tx.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash)).limit(1);
    if (existing && !existing.revokedAt) return;
    if (existing) {
      // A token once revoked stays revoked; the operator must choose a new value.
      throw new Error('SLIPWAY_BOOTSTRAP_TOKEN: this token was revoked; set a new value');
    }
    const [row] = await tx.db
      .insert(apiTokens)
      .values({ name: 'bootstrap', role: 'admin', source: 'bootstrap', tokenHash: hash, prefix: tokenDisplayPrefix(token), userId: null })
      .returning();
    await recordAudit(tx, { action: 'token.create', target: { kind: 'api_token', id: row!.id, label: 'bootstrap' }, summary: 'Registered the bootstrap admin token from SLIPWAY_BOOTSTRAP_TOKEN' });
  });
}

/** AUTH_SECRET signs session cookies. Without one, a random secret is generated once and kept in the data folder. */
export async function resolveAuthSecret(e: Pick<Env, 'AUTH_SECRET' | 'SLIPWAY_DATA_DIR'>, log: Logger): Promise<string> {
  return e.AUTH_SECRET ?? generatedOnce({ dataDir: e.SLIPWAY_DATA_DIR, fileName: 'auth-secret', setting: 'AUTH_SECRET' }, log);
}

/** SLIPWAY_SECRET_KEY encrypts stored secrets (AES-256-GCM). Without it, a key is generated once into the data folder. */
export async function resolveSecretKey(e: Pick<Env, 'SLIPWAY_SECRET_KEY' | 'SLIPWAY_DATA_DIR'>, log: Logger): Promise<Buffer> {
  if (e.SLIPWAY_SECRET_KEY) return /^[a-f0-9]{64}$/.test(e.SLIPWAY_SECRET_KEY) ? Buffer.from(e.SLIPWAY_SECRET_KEY, 'hex') : Buffer.from(e.SLIPWAY_SECRET_KEY, 'base64url');
  return Buffer.from(await generatedOnce({ dataDir: e.SLIPWAY_DATA_DIR, fileName: 'secret-key', setting: 'SLIPWAY_SECRET_KEY' }, log), 'base64url');
}
