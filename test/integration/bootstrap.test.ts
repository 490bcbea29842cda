// First start: the first admin, and the bootstrap token from the environment.
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiTokens, users } from '@/db/schema';
import { ensureFirstAdmin, syncBootstrapToken } from '@/server/bootstrap';
import { authenticateToken } from '@/server/auth/tokens';
import { createInnerContext } from '@/server/api/trpc';
import { signInWithPassword } from '@/server/services/users/sign-in';
import { freshDatabase, type TestDatabase } from '../helpers/db';

const log = pino({ level: 'silent' });
let database: TestDatabase;
beforeEach(async () => {
  database = await freshDatabase();
});
afterEach(() => database.close());

const tokenA = 'slw_' + 'a'.repeat(40);
const tokenB = 'slw_' + 'b'.repeat(40);

describe('first start', () => {
  it('creates the admin from the environment once', async () => {
    await ensureFirstAdmin(database.db, { SLIPWAY_ADMIN_EMAIL: 'Ops@Example.test', SLIPWAY_ADMIN_PASSWORD: 'twelve-chars-pw' }, log);
    await ensureFirstAdmin(database.db, { SLIPWAY_ADMIN_EMAIL: 'other@example.test', SLIPWAY_ADMIN_PASSWORD: 'twelve-chars-pw' }, log);
    const all = await database.db.select().from(users);
    expect(all.map((u) => [u.email, u.role])).toEqual([['ops@example.test', 'admin']]);
    expect(all[0]!.passwordHash).toMatch(/^scrypt\$/);
    const ctx = createInnerContext({ actor: { kind: 'system', job: 't' }, db: database.db });
    expect(await signInWithPassword(ctx, 'ops@example.test', 'twelve-chars-pw')).not.toBeNull();
  });

  it('generates a password, prints it once and never logs it', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (s: string) => lines.push(s) });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let printed = '';
    try {
      await ensureFirstAdmin(database.db, {}, capture);
      printed = write.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      write.mockRestore();
    }
    const password = /Password:\s+(\S+)/.exec(printed)?.[1];
    expect(password).toBeTruthy();
    expect(lines.join('')).not.toContain(password!);
    const ctx = createInnerContext({ actor: { kind: 'system', job: 't' }, db: database.db });
    expect(await signInWithPassword(ctx, 'admin@slipway.local', password!)).not.toBeNull();
  });

  it('registers the bootstrap token as admin and revokes it when the environment changes', async () => {
    await syncBootstrapToken(database.db, tokenA);
    await syncBootstrapToken(database.db, tokenA);
    const a = await authenticateToken(database.db, tokenA);
    expect(a.ok && a.actor.role).toBe('admin');
    await syncBootstrapToken(database.db, tokenB);
    expect(await authenticateToken(database.db, tokenA)).toEqual({ ok: false, reason: 'revoked' });
    expect((await authenticateToken(database.db, tokenB)).ok).toBe(true);
    await syncBootstrapToken(database.db, undefined);
    expect((await authenticateToken(database.db, tokenB)).ok).toBe(false);
    await expect(syncBootstrapToken(database.db, tokenA)).rejects.toThrow(/was revoked/);
    const rows = await database.db.select().from(apiTokens).where(eq(apiTokens.source, 'bootstrap'));
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(tokenA);
  });
});
