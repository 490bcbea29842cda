// Password sign-in throttling: a backoff per (email, address), a looser limit per email and per address, kept in
// the database so it holds for a new instance; never a lockout of the real user signing in from elsewhere.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import { auditEvents, signInThrottles } from '@/db/schema';
import { pruneThrottles, throttleKeys, THROTTLE_RULES } from '@/server/auth/throttle';
import { attemptPasswordSignIn } from '@/server/services/users/sign-in';
import { makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

const GOOD = 'correct horse battery';
const WRONG = 'wrong horse battery';
const T0 = new Date('2026-01-05T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const { pair, ip: perIp } = THROTTLE_RULES;

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const attempt = (db: Database['db'], email: string, password: string, ip: string, now: Date) =>
  attemptPasswordSignIn({ actor: { kind: 'system', job: 'sign-in' }, db, requestId: null }, { email, password, ip, now }).then((r) => (r.ok ? 'ok' : r.reason));

async function failPair(db: Database['db'], email: string, ip: string, times: number, now: Date) {
  for (let i = 0; i < times; i++) expect(await attempt(db, email, WRONG, ip, now)).toBe('invalid');
}

describe('sign-in throttling', () => {
  it('backs off per (email, address), lengthening the wait, while the real user from another address signs in', async () => {
    const user = await makeUser(database.db, { role: 'viewer' });
    const attacker = '198.51.100.1';
    await failPair(database.db, user.email, attacker, pair.free + 1, at(0));
    // Waiting: refused without a password check, even with the right password, and the wait does not grow.
    expect(await attempt(database.db, user.email, GOOD, attacker, at(pair.baseMs - 1))).toBe('throttled');
    expect(await attempt(database.db, user.email, WRONG, attacker, at(pair.baseMs - 1))).toBe('throttled');
    expect(await attempt(database.db, user.email, GOOD, '203.0.113.9', at(pair.baseMs - 1))).toBe('ok');
    // Once the wait is over another try is allowed; failing it doubles the wait.
    expect(await attempt(database.db, user.email, WRONG, attacker, at(pair.baseMs))).toBe('invalid');
    expect(await attempt(database.db, user.email, WRONG, attacker, at(pair.baseMs + 2 * pair.baseMs - 1))).toBe('throttled');
    expect(await attempt(database.db, user.email, GOOD, attacker, at(pair.baseMs + 2 * pair.baseMs))).toBe('ok');
    // A success clears the pair: the next failure starts from one.
    expect(await attempt(database.db, user.email, WRONG, attacker, at(10 * pair.baseMs))).toBe('invalid');
    expect(await attempt(database.db, user.email, WRONG, attacker, at(10 * pair.baseMs))).toBe('invalid');
    // The throttled answer is the same for an account that does not exist.
    await failPair(database.db, 'nobody@example.test', attacker, pair.free + 1, at(0));
    expect(await attempt(database.db, 'nobody@example.test', GOOD, attacker, at(1))).toBe('throttled');
    // Each run of failures is audited once, not once per failure.
    const audited = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'user.sign_in_throttled'));
    expect(audited.map((a) => a.targetLabel).sort()).toEqual(['nobody@example.test', user.email].sort());
    expect(audited[0]!.summary).toMatch(/^Sign-in throttled for .* from 198\.51\.100\.1 after 6 failed attempts$/);
  });

  it('throttles one address spraying many emails, but not a pair that signed in from there before', async () => {
    const sprayer = '192.0.2.50';
    const regular = await makeUser(database.db, { role: 'viewer' });
    const target = await makeUser(database.db, { role: 'viewer' });
    expect(await attempt(database.db, regular.email, GOOD, sprayer, at(0))).toBe('ok');
    for (let i = 0; i <= perIp.free; i++) expect(await attempt(database.db, `person-${i}@example.test`, WRONG, sprayer, at(1))).toBe('invalid');
    expect(await attempt(database.db, target.email, GOOD, sprayer, at(2))).toBe('throttled');
    expect(await attempt(database.db, 'someone-new@example.test', WRONG, sprayer, at(2))).toBe('throttled');
    expect(await attempt(database.db, regular.email, GOOD, sprayer, at(2))).toBe('ok');
    expect(await attempt(database.db, target.email, GOOD, '192.0.2.51', at(2))).toBe('ok');
  });

  it('decides concurrent attempts one after the other: a burst gets no more tries than the limit', async () => {
    const email = 'concurrent@example.test';
    const ip = '198.51.100.77';
    const answers = await Promise.all(Array.from({ length: 12 }, () => attempt(database.db, email, WRONG, ip, at(0))));
    expect(answers.filter((a) => a === 'invalid')).toHaveLength(pair.free + 1);
    expect(answers.filter((a) => a === 'throttled')).toHaveLength(12 - pair.free - 1);
    const key = throttleKeys(email, ip)[0]!;
    const [row] = await database.db.select().from(signInThrottles).where(and(eq(signInThrottles.scope, 'pair'), eq(signInThrottles.keyHash, key.keyHash)));
    expect(row?.failures).toBe(pair.free + 1);
  });

  it('prunes records once they hold nothing back, and keeps pairs that signed in', async () => {
    const db = database.db;
    const user = await makeUser(db, { role: 'viewer' });
    const later = new Date(T0.getTime() + 365 * 24 * 3600_000);
    expect(await attempt(db, user.email, GOOD, '198.51.100.90', later)).toBe('ok');
    await failPair(db, 'quiet@example.test', '198.51.100.91', 1, later);
    const left = async (email: string, ip: string) => {
      const key = throttleKeys(email, ip)[0]!;
      return (await db.select().from(signInThrottles).where(and(eq(signInThrottles.scope, 'pair'), eq(signInThrottles.keyHash, key.keyHash)))).length;
    };
    await pruneThrottles(db, new Date(later.getTime() + 60_000));
    expect(await left('quiet@example.test', '198.51.100.91')).toBe(1);
    await pruneThrottles(db, new Date(later.getTime() + pair.quietMs + pair.capMs + 1));
    expect(await left('quiet@example.test', '198.51.100.91')).toBe(0);
    expect(await left(user.email, '198.51.100.90')).toBe(1);
  });
});

describe('sign-in throttling across instances', () => {
  it('holds for a new instance on the same database', async () => {
    // PostgreSQL: a second instance beside the first. Embedded: the database closed and opened again.
    const dir = process.env.TEST_DATABASE_URL ? null : await mkdtemp(path.join(tmpdir(), 'slipway-throttle-'));
    const first: Database = dir ? await openDatabase({ kind: 'embedded', dataDir: path.join(dir, 'pglite') }) : await freshDatabase();
    try {
      const user = await makeUser(first.db, { role: 'viewer' });
      await failPair(first.db, user.email, '198.51.100.2', pair.free + 1, at(0));
      if (dir) await first.close();
      const second = dir ? await openDatabase({ kind: 'embedded', dataDir: path.join(dir, 'pglite') }) : await openDatabase({ kind: 'postgres', url: (first as TestDatabase).url!, poolSize: 2 });
      try {
        expect(await attempt(second.db, user.email, GOOD, '198.51.100.2', at(1))).toBe('throttled');
        expect(await attempt(second.db, user.email, GOOD, '198.51.100.3', at(1))).toBe('ok');
      } finally {
        await second.close();
      }
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
      else await first.close();
    }
    // An embedded database on disk is opened (and migrated) twice.
  }, 120_000);
});
