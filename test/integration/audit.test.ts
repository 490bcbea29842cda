// The audit trail: written in the same transaction as the change, browsable and filterable.
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, users } from '@/db/schema';
import { createInnerContext, router, scopedProcedure } from '@/server/api/trpc';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const count = async (table: typeof users | typeof auditEvents) => (await database.db.select({ n: sql<number>`count(*)::int` }).from(table))[0]!.n;

describe('audit log', () => {
  it('records actor, action, target, summary and request id for a mutation', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const ctx = createInnerContext({ actor: admin, db: database.db, requestId: 'req-123' });
    const { createCaller } = await import('@/server/api/root');
    const { user } = await createCaller(ctx).users.create({ email: 'audited@example.test', role: 'viewer', password: 'a-long-password-1' });
    const { items } = await callerFor(database.db, admin).audit.list({ targetId: user.id });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      actorKind: 'user',
      actorId: admin.userId,
      actorLabel: admin.email,
      action: 'user.create',
      targetKind: 'user',
      targetLabel: 'audited@example.test',
      summary: 'Created audited@example.test as viewer',
      requestId: 'req-123',
      changes: { email: 'audited@example.test', name: '', role: 'viewer' },
    });
    expect(items[0]!.at).toBeInstanceOf(Date);
  });

  it('rolls back a mutation that writes no audit event, with a generic error', async () => {
    const testRouter = router({
      sneaky: scopedProcedure('users:write').mutation(async ({ ctx }) => {
        await ctx.db.insert(users).values({ email: 'unaudited@example.test', role: 'admin' });
        return 'done';
      }),
    });
    const admin = await makeUser(database.db, { role: 'admin' });
    const before = await count(users);
    const err = await testRouter
      .createCaller(createInnerContext({ actor: admin, db: database.db, requestId: 'req-x' }))
      .sneaky()
      .catch((e: unknown) => e as TRPCError);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe('INTERNAL_SERVER_ERROR');
    expect((err as TRPCError).message).toBe('Something went wrong on our side (request req-x)');
    expect(await count(users)).toBe(before);
  });

  it('leaves no audit event behind when the change fails', async () => {
    const admin = await makeUser(database.db, { role: 'admin' });
    const before = await count(auditEvents);
    await expect(callerFor(database.db, admin).users.update({ userId: '00000000-0000-4000-8000-000000000000', role: 'viewer' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await count(auditEvents)).toBe(before);
  });

  it('filters by actor, action family and time, newest first, with a cursor', async () => {
    const fresh = await freshDatabase();
    try {
      const admin = await makeUser(fresh.db, { role: 'admin', email: 'boss@example.test' });
      const other = await makeUser(fresh.db, { role: 'engineer', email: 'eng@example.test' });
      const a = callerFor(fresh.db, admin);
      for (let i = 0; i < 5; i++) await a.users.create({ email: `u${i}@example.test`, role: 'viewer', password: 'a-long-password-1' });
      await callerFor(fresh.db, other).tokens.create({ name: 't1', role: 'viewer' });
      const mid = new Date();
      await a.tokens.create({ name: 't2', role: 'admin' });

      const byActor = await a.audit.list({ actor: 'eng@' });
      expect(byActor.items.map((e) => e.action)).toEqual(['token.create']);
      expect((await a.audit.list({ action: 'token' })).items.map((e) => e.targetLabel)).toEqual(['t2', 't1']);
      expect((await a.audit.list({ action: 'user.create' })).items).toHaveLength(5);
      expect((await a.audit.list({ from: mid })).items.map((e) => e.targetLabel)).toEqual(['t2']);

      const page1 = await a.audit.list({ limit: 4 });
      expect(page1.items).toHaveLength(4);
      const page2 = await a.audit.list({ limit: 4, cursor: page1.nextCursor! });
      expect(page2.nextCursor).toBeNull();
      const all = [...page1.items, ...page2.items].map((e) => e.id);
      expect(all).toEqual([...all].sort((x, y) => y - x));
      expect(new Set(all).size).toBe(7);
    } finally {
      await fresh.close();
    }
  });
});
