// API tokens: shown once, stored only hashed, capped at the creator's role, revocable and expiring.
import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, users } from '@/db/schema';
import { authenticateToken } from '@/server/auth/tokens';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const codeOf = async (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => (e instanceof TRPCError ? e.code : String(e)));

describe('API tokens', () => {
  it('are shown once with the slw_ prefix and never stored in plaintext', async () => {
    const engineer = await makeUser(database.db, { role: 'engineer' });
    const { token, apiToken } = await callerFor(database.db, engineer).tokens.create({ name: 'ci', role: 'engineer' });
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{43}$/);
    expect(apiToken.prefix).toBe(token.slice(0, 10));
    const dump = await database.db.execute(sql`select row_to_json(t)::text as j from api_tokens t union all select row_to_json(a)::text from audit_events a`);
    const text = JSON.stringify(dump);
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(4));
    const listed = await callerFor(database.db, engineer).tokens.list();
    expect(JSON.stringify(listed)).not.toContain(token);
    expect(listed.map((t) => t.name)).toEqual(['ci']);
  });

  it('authenticate as a token actor and record when they were last used', async () => {
    const approver = await makeUser(database.db, { role: 'approver' });
    const { token, apiToken } = await callerFor(database.db, approver).tokens.create({ name: 'deploy', role: 'engineer' });
    const check = await authenticateToken(database.db, token);
    expect(check).toEqual({ ok: true, actor: { kind: 'token', tokenId: apiToken.id, tokenName: 'deploy', userId: approver.userId, role: 'engineer' } });
    const [row] = await database.db.select().from(apiTokens).where(eq(apiTokens.id, apiToken.id));
    expect(row!.lastUsedAt).not.toBeNull();
    expect(await authenticateToken(database.db, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toEqual({ ok: false, reason: 'unknown' });
    expect(await authenticateToken(database.db, 'Bearer nonsense')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('cannot carry a higher role than their creator', async () => {
    const engineer = await makeUser(database.db, { role: 'engineer' });
    const caller = callerFor(database.db, engineer);
    expect(await codeOf(caller.tokens.create({ name: 'too-strong', role: 'admin' }))).toBe('FORBIDDEN');
    expect(await codeOf(caller.tokens.create({ name: 'too-strong', role: 'approver' }))).toBe('FORBIDDEN');
    expect(await caller.tokens.list()).toEqual([]);
    // A token acting for its creator is capped the same way.
    const { token } = await caller.tokens.create({ name: 'viewer-token', role: 'viewer' });
    const check = await authenticateToken(database.db, token);
    if (!check.ok) throw new Error(check.reason);
    expect(await codeOf(callerFor(database.db, check.actor).tokens.create({ name: 'escalate', role: 'engineer' }))).toBe('FORBIDDEN');
  });

  it('lose rights when their creator is demoted, and stop working when the creator is disabled', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const approver = await makeUser(database.db, { role: 'approver' });
    const { token } = await callerFor(database.db, approver).tokens.create({ name: 'release-bot', role: 'approver' });
    await callerFor(database.db, admin).users.update({ userId: approver.userId, role: 'viewer' });
    const demoted = await authenticateToken(database.db, token);
    expect(demoted.ok && demoted.actor.role).toBe('viewer');
    await callerFor(database.db, admin).users.update({ userId: approver.userId, disabled: true });
    expect(await authenticateToken(database.db, token)).toEqual({ ok: false, reason: 'owner-disabled' });
  });

  it('are rejected once revoked, and only their owner or an admin may revoke them', async () => {
    const owner = await makeUser(database.db, { role: 'engineer' });
    const other = await makeUser(database.db, { role: 'engineer' });
    const admin = await makeUser(database.db, { role: 'admin' });
    const { token, apiToken } = await callerFor(database.db, owner).tokens.create({ name: 'revoke-me', role: 'viewer' });
    expect(await codeOf(callerFor(database.db, other).tokens.revoke({ tokenId: apiToken.id }))).toBe('NOT_FOUND');
    expect((await authenticateToken(database.db, token)).ok).toBe(true);
    const revoked = await callerFor(database.db, admin).tokens.revoke({ tokenId: apiToken.id });
    expect(revoked.status).toBe('revoked');
    expect(await authenticateToken(database.db, token)).toEqual({ ok: false, reason: 'revoked' });
    expect(await codeOf(callerFor(database.db, owner).tokens.revoke({ tokenId: apiToken.id }))).toBe('PRECONDITION_FAILED');
  });

  it('are rejected after they expire, and cannot be created already expired', async () => {
    const owner = await makeUser(database.db, { role: 'engineer' });
    const caller = callerFor(database.db, owner);
    expect(await codeOf(caller.tokens.create({ name: 'past', role: 'viewer', expiresAt: new Date(Date.now() - 1000) }))).toBe('BAD_REQUEST');
    const expiresAt = new Date(Date.now() + 3600_000);
    const { token } = await caller.tokens.create({ name: 'hour', role: 'viewer', expiresAt });
    expect((await authenticateToken(database.db, token, new Date(expiresAt.getTime() - 1000))).ok).toBe(true);
    expect(await authenticateToken(database.db, token, new Date(expiresAt.getTime() + 1000))).toEqual({ ok: false, reason: 'expired' });
    const listed = await caller.tokens.list();
    expect(listed.find((t) => t.name === 'hour')?.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
  });

  it('lists every token only for admins', async () => {
    const viewer = await makeUser(database.db, { role: 'viewer' });
    const admin = await makeUser(database.db, { role: 'admin' });
    expect(await codeOf(callerFor(database.db, viewer).tokens.list({ all: true }))).toBe('FORBIDDEN');
    const all = await callerFor(database.db, admin).tokens.list({ all: true });
    const [count] = await database.db.select({ n: sql<number>`count(*)::int` }).from(apiTokens);
    expect(all.length).toBe(count!.n);
    expect(all.some((t) => t.ownerEmail !== null)).toBe(true);
    // Rows are deleted with their owner, so no token outlives the account it acts for.
    const victim = await makeUser(database.db, { role: 'viewer' });
    await callerFor(database.db, victim).tokens.create({ name: 'orphan', role: 'viewer' });
    await database.db.delete(users).where(eq(users.id, victim.userId));
    expect((await database.db.select().from(apiTokens).where(eq(apiTokens.name, 'orphan'))).length).toBe(0);
  });
});
