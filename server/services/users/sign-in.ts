// Sign-in checks for next-auth: local credentials, and OAuth/OIDC identities mapped onto Slipway users.
import { eq } from 'drizzle-orm';
import { users, type User } from '@/db/schema';
import type { Role } from '@/server/auth/permissions';
import { verifyPassword } from '@/server/auth/password';
import { countAttempt, pruneThrottles, recordSuccess, refundAttempt, throttleKeys, throttleState, THROTTLE_RULES, type Counted, type ThrottleKey } from '@/server/auth/throttle';
import { logger } from '@/server/logger';
import { recordAudit } from '../audit/record';
import { withTransaction, type ServiceContext } from '../context';
import { findUserByEmail } from './shared';

async function markSignedIn(ctx: ServiceContext, user: User, method: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    await tx.db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(
      { ...tx, actor: { kind: 'user', userId: user.id, email: user.email, name: user.name, role: user.role } },
      { action: 'user.sign_in', target: { kind: 'user', id: user.id, label: user.email }, summary: `${user.email} signed in with ${method}` },
    );
  });
}

/** Returns the user when the email and password match an enabled account, otherwise null (never says which part was wrong). */
export async function signInWithPassword(ctx: ServiceContext, email: string, password: string): Promise<User | null> {
  const user = await findUserByEmail(ctx.db, email);
  const ok = await verifyPassword(password, user?.passwordHash);
  if (!user || !ok || user.disabledAt) return null;
  await markSignedIn(ctx, user, 'password');
  return user;
}

export type PasswordSignIn = { ok: true; user: User } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; retryAt: Date };

const PRUNE_EVERY_MS = 10 * 60_000;
let lastPrune = 0;

/**
 * A password sign-in from a client address, throttled (see server/auth/throttle.ts). While a key waits the
 * password is not checked, and the answer is the same whether or not the account exists. Failures are logged;
 * the failure that makes a key start waiting is audited once per run of failures.
 */
export async function attemptPasswordSignIn(ctx: ServiceContext, input: { email: string; password: string; ip: string; now?: Date }): Promise<PasswordSignIn> {
  const now = input.now ?? new Date();
  const email = input.email.trim().toLowerCase();
  const log = logger.child({ part: 'sign-in' });
  const keys = throttleKeys(email, input.ip);
  await maybePrune(ctx, now);
  const state = await throttleState(ctx.db, keys, now);
  // A pair that signed in before answers only to its own key; its failures still count on the others.
  const guarded = state.trusted ? keys.slice(0, 1) : keys;
  const unguarded = state.trusted ? keys.slice(1) : [];
  const counted = state.retryAt ? null : await reserve(ctx, guarded, now);
  if (!counted) {
    const retryAt = state.retryAt ?? (await throttleState(ctx.db, keys, now)).retryAt ?? now;
    log.debug({ email, ip: input.ip, retryAt }, 'sign-in refused while throttled');
    return { ok: false, reason: 'throttled', retryAt };
  }
  const user = await signInWithPassword(ctx, email, input.password);
  if (user) {
    await recordSuccess(ctx.db, keys[0]!, now);
    for (const k of guarded.slice(1)) await refundAttempt(ctx.db, k);
    return { ok: true, user };
  }
  await withTransaction(ctx, async (tx) => {
    for (const k of unguarded) counted.push((await countAttempt(tx.db, k, now, { unlessWaiting: false }))!);
    log.info({ email, ip: input.ip, failures: counted[0]!.failures }, 'sign-in failed');
    for (const c of counted) {
      // Exactly one failure takes a key from free to waiting, so each run of failures is audited once.
      if (c.failures !== THROTTLE_RULES[c.scope].free + 1) continue;
      const what = c.scope === 'pair' ? `${email} from ${input.ip}` : c.scope === 'email' ? email : `address ${input.ip}`;
      log.warn({ scope: c.scope, email: c.scope === 'ip' ? undefined : email, ip: c.scope === 'email' ? undefined : input.ip, failures: c.failures, blockedUntil: c.blockedUntil }, 'repeated sign-in failures; throttling');
      await recordAudit(tx, {
        action: 'user.sign_in_throttled',
        target: c.scope === 'ip' ? { kind: 'client', label: input.ip } : { kind: 'user', label: email },
        summary: `Sign-in throttled for ${what} after ${c.failures} failed attempts`,
        changes: { scope: c.scope, failures: c.failures, ip: input.ip },
      });
    }
  });
  return { ok: false, reason: 'invalid' };
}

const WAITING = Symbol('waiting');

/** Counts the attempt on every key in one transaction, or on none when one of them is waiting (null). */
async function reserve(ctx: ServiceContext, keys: ThrottleKey[], now: Date): Promise<Counted[] | null> {
  try {
    return await withTransaction({ ...ctx, inTransaction: false }, async (tx) => {
      const out: Counted[] = [];
      for (const k of keys) {
        const c = await countAttempt(tx.db, k, now, { unlessWaiting: true });
        if (!c) throw WAITING;
        out.push(c);
      }
      return out;
    });
  } catch (e) {
    if (e === WAITING) return null;
    throw e;
  }
}

async function maybePrune(ctx: ServiceContext, now: Date): Promise<void> {
  if (now.getTime() - lastPrune < PRUNE_EVERY_MS) return;
  lastPrune = now.getTime();
  await pruneThrottles(ctx.db, now).catch((err: unknown) => logger.warn({ err }, 'could not prune sign-in throttles'));
}

/**
 * An OAuth/OIDC sign-in is accepted for an enabled user with that (verified) email. When a default role is
 * configured, unknown emails get an account with that role; otherwise an admin must create or invite them first.
 */
export async function signInWithOAuth(ctx: ServiceContext, input: { email: string; name?: string | null; provider: string; defaultRole?: Role }): Promise<User | null> {
  let user = await findUserByEmail(ctx.db, input.email);
  if (!user && input.defaultRole) {
    const role = input.defaultRole;
    user = await withTransaction(ctx, async (tx) => {
      const [created] = await tx.db.insert(users).values({ email: input.email.toLowerCase(), name: input.name ?? '', role }).returning();
      await recordAudit(tx, { action: 'user.create', target: { kind: 'user', id: created!.id, label: created!.email }, summary: `Created ${created!.email} as ${role} on first ${input.provider} sign-in`, changes: { role } });
      return created!;
    });
  }
  if (!user || user.disabledAt) return null;
  await markSignedIn(ctx, user, input.provider);
  return user;
}
