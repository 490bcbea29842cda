// User management: create and invite, roles, disabling, passwords, and the guards that keep an admin.
import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, users } from '@/db/schema';
import { createInnerContext } from '@/server/api/trpc';
import { signInWithOAuth, signInWithPassword } from '@/server/services/users/sign-in';
import { anonymous, callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const auditCount = async () => (await database.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents))[0]!.n;
const failure = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as TRPCError);
const sys = () => createInnerContext({ actor: { kind: 'system', job: 'test' }, db: database.db });

describe('users', () => {
  it('an admin creates a user who can then sign in with that password', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const { user, inviteToken } = await callerFor(database.db, admin).users.create({ email: 'Dana@Example.test', name: 'Dana', role: 'engineer', password: 'a-long-password-1' });
    expect(user).toMatchObject({ email: 'dana@example.test', role: 'engineer', hasPassword: true, invitePending: false });
    expect(inviteToken).toBeNull();
    expect((await signInWithPassword(sys(), 'DANA@example.test', 'a-long-password-1'))?.id).toBe(user.id);
    expect(await signInWithPassword(sys(), 'dana@example.test', 'wrong-password-xx')).toBeNull();
    expect(await signInWithPassword(sys(), 'nobody@example.test', 'a-long-password-1')).toBeNull();
  });

  it('refuses a duplicate email, case-insensitively, and changes nothing', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const caller = callerFor(database.db, admin);
    await caller.users.create({ email: 'sam@example.test', role: 'viewer', password: 'a-long-password-1' });
    const before = await auditCount();
    const err = await failure(caller.users.create({ email: 'SAM@example.test', role: 'admin', password: 'a-long-password-1' }));
    expect(err?.code).toBe('CONFLICT');
    expect(err?.message).toMatch(/^email: /);
    expect(await auditCount()).toBe(before);
    const [sam] = await database.db.select().from(users).where(eq(users.email, 'sam@example.test'));
    expect(sam!.role).toBe('viewer');
  });

  it('names the field and the rule on bad input', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const err = await failure(callerFor(database.db, admin).users.create({ email: 'not-an-email', role: 'viewer', password: 'short' }));
    expect(err?.code).toBe('BAD_REQUEST');
    const shape = err?.cause as unknown as { issues: { path: string[]; message: string }[] };
    expect(shape.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['email: must be an email address', 'password: must be at least 12 characters']);
  });

  it('invites a user: the link works once and sets the password', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const { user, inviteToken } = await callerFor(database.db, admin).users.create({ email: 'invitee@example.test', role: 'approver' });
    expect(user.invitePending).toBe(true);
    expect(inviteToken).toMatch(/^inv_/);
    expect(await signInWithPassword(sys(), 'invitee@example.test', 'a-long-password-2')).toBeNull();
    const accepted = await callerFor(database.db, anonymous).users.acceptInvite({ token: inviteToken!, name: 'Invitee', password: 'a-long-password-2' });
    expect(accepted).toMatchObject({ name: 'Invitee', hasPassword: true, invitePending: false });
    expect((await signInWithPassword(sys(), 'invitee@example.test', 'a-long-password-2'))?.id).toBe(user.id);
    const again = await failure(callerFor(database.db, anonymous).users.acceptInvite({ token: inviteToken!, password: 'another-password-3' }));
    expect(again?.code).toBe('NOT_FOUND');
    const stored = JSON.stringify(await database.db.select().from(users).where(eq(users.id, user.id)));
    expect(stored).not.toContain(inviteToken!);
  });

  it('changes roles and disables accounts; a disabled user cannot sign in', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const target = await makeUser(database.db, { role: 'viewer', email: 'target@example.test' });
    const caller = callerFor(database.db, admin);
    expect((await caller.users.update({ userId: target.userId, role: 'approver' })).role).toBe('approver');
    expect((await caller.users.update({ userId: target.userId, disabled: true })).disabled).toBe(true);
    expect(await signInWithPassword(sys(), 'target@example.test', 'correct horse battery')).toBeNull();
    await caller.users.update({ userId: target.userId, disabled: false });
    expect((await signInWithPassword(sys(), 'target@example.test', 'correct horse battery'))?.id).toBe(target.userId);
    const actions = await database.db.select({ a: auditEvents.action, s: auditEvents.summary }).from(auditEvents).where(eq(auditEvents.targetId, target.userId));
    expect(actions.map((r) => r.a)).toEqual(['user.update', 'user.disable', 'user.enable', 'user.sign_in']);
    expect(actions[0]!.s).toContain('role viewer → approver');
  });

  it('never leaves the instance without an enabled admin, and no one disables themselves', async () => {
    const fresh = await freshDatabase();
    try {
      const only = await makeUser(fresh.db, { role: 'admin' });
      const caller = callerFor(fresh.db, only);
      expect((await failure(caller.users.update({ userId: only.userId, role: 'engineer' })))?.code).toBe('PRECONDITION_FAILED');
      expect((await failure(caller.users.update({ userId: only.userId, disabled: true })))?.code).toBe('PRECONDITION_FAILED');
      const second = await makeUser(fresh.db, { role: 'admin' });
      expect((await caller.users.update({ userId: second.userId, role: 'engineer' })).role).toBe('engineer');
      expect((await caller.users.update({ userId: only.userId, name: 'Still admin' })).role).toBe('admin');
    } finally {
      await fresh.close();
    }
  });

  it('lets a user change their own password only with the current one', async () => {
    const me = await makeUser(database.db, { role: 'viewer', email: 'self@example.test' });
    const caller = callerFor(database.db, me);
    const wrong = await failure(caller.users.changeOwnPassword({ currentPassword: 'nope', newPassword: 'brand-new-password' }));
    expect(wrong?.code).toBe('BAD_REQUEST');
    expect(wrong?.message).toMatch(/^currentPassword: /);
    await caller.users.changeOwnPassword({ currentPassword: 'correct horse battery', newPassword: 'brand-new-password' });
    expect(await signInWithPassword(sys(), 'self@example.test', 'brand-new-password')).not.toBeNull();
  });

  it('maps OAuth sign-ins onto existing users, creating them only with a default role configured', async () => {
    expect(await signInWithOAuth(sys(), { email: 'stranger@example.test', provider: 'github' })).toBeNull();
    const created = await signInWithOAuth(sys(), { email: 'Stranger@example.test', name: 'S', provider: 'github', defaultRole: 'viewer' });
    expect(created).toMatchObject({ email: 'stranger@example.test', role: 'viewer' });
    expect((await signInWithOAuth(sys(), { email: 'stranger@example.test', provider: 'oidc' }))?.id).toBe(created!.id);
  });
});
