// Password sign-in throttling, kept in the database so it holds across restarts and instances. Three counters
// each answer one attack, and none is a hard lockout:
// - (email, address): someone guessing one account from one place. Strict backoff; the real user elsewhere is
//   not held back by it, and a success from that place clears it.
// - email: the same account guessed from many places. Looser; a place the account already signed in from is
//   exempt, so an attacker cannot keep the real user out from their usual address.
// - address: one place trying many accounts (password spraying). Also exempt for places that signed in.
// Each attempt is counted before the password is checked (a success gives it back), so parallel attempts cannot
// slip past a limit. After `free` failures each further one makes the key wait base·2^k, capped; while a key
// waits, attempts are refused without checking the password and do not count (nobody can stretch the wait).
// Counters start again after `quietMs` without failures; old rows are pruned.
import { createHash } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { signInThrottles } from '@/db/schema';
import { addressBucket } from './client-ip';

export type ThrottleScope = 'pair' | 'email' | 'ip';

export interface ThrottleRule {
  /** Failures allowed before any wait. */
  free: number;
  baseMs: number;
  capMs: number;
  /** A key with no failure for this long starts from zero. */
  quietMs: number;
}

export const THROTTLE_RULES: Record<ThrottleScope, ThrottleRule> = {
  pair: { free: 5, baseMs: 2_000, capMs: 15 * 60_000, quietMs: 60 * 60_000 },
  email: { free: 20, baseMs: 2_000, capMs: 5 * 60_000, quietMs: 60 * 60_000 },
  ip: { free: 20, baseMs: 2_000, capMs: 15 * 60_000, quietMs: 60 * 60_000 },
};

/** How long a pair that signed in stays exempt from the per-email and per-address limits. */
export const TRUSTED_PAIR_MS = 30 * 24 * 3600_000;

/** The wait after the n-th failure in a row (0 while failures are still free). */
export function backoffMs(rule: ThrottleRule, failures: number): number {
  if (failures <= rule.free) return 0;
  return Math.min(rule.capMs, rule.baseMs * 2 ** Math.min(failures - rule.free - 1, 30));
}

export interface ThrottleKey {
  scope: ThrottleScope;
  keyHash: string;
}

const hashKey = (s: string) => createHash('sha256').update(s).digest('hex');

/** The three keys of an attempt. The email is compared lower-cased; IPv6 addresses count per /64. */
export function throttleKeys(email: string, ip: string): ThrottleKey[] {
  const e = email.trim().toLowerCase();
  return [
    { scope: 'pair', keyHash: hashKey(`${e}\n${ip}`) },
    { scope: 'email', keyHash: hashKey(e) },
    { scope: 'ip', keyHash: hashKey(addressBucket(ip)) },
  ];
}

const keyIs = (k: ThrottleKey) => and(eq(signInThrottles.scope, k.scope), eq(signInThrottles.keyHash, k.keyHash));

export interface ThrottleState {
  /** The (email, address) pair signed in recently: only its own key may hold it back. */
  trusted: boolean;
  /** When the attempt may be made, if a key is waiting now. */
  retryAt: Date | null;
}

export async function throttleState(db: Db, keys: ThrottleKey[], now: Date): Promise<ThrottleState> {
  const rows = await db
    .select()
    .from(signInThrottles)
    .where(or(...keys.map(keyIs)));
  const pair = rows.find((r) => r.scope === 'pair');
  const trusted = Boolean(pair?.lastSuccessAt && now.getTime() - pair.lastSuccessAt.getTime() < TRUSTED_PAIR_MS);
  let retryAt: Date | null = null;
  for (const r of rows) {
    if (trusted && r.scope !== 'pair') continue;
    if (r.blockedUntil && r.blockedUntil > now && (!retryAt || r.blockedUntil > retryAt)) retryAt = r.blockedUntil;
  }
  return { trusted, retryAt };
}

export type Counted = { scope: ThrottleScope; failures: number; blockedUntil: Date | null };

const num = (n: number) => sql.raw(String(Math.trunc(n)));
const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/**
 * Counts an attempt on a key with one atomic upsert and returns the count after it. With `unlessWaiting`, a key
 * that is waiting is left as it is and null comes back: concurrent attempts are decided one after the other on
 * the row, so a burst cannot slip past the limit.
 */
export async function countAttempt(db: Db, k: ThrottleKey, now: Date, opts: { unlessWaiting: boolean }): Promise<Counted | null> {
  const rule = THROTTLE_RULES[k.scope];
  const t = signInThrottles;
  const quietSince = new Date(now.getTime() - rule.quietMs);
  const next = sql`(case when ${t.lastFailureAt} is null or ${t.lastFailureAt} < ${at(quietSince)} then 1 else ${t.failures} + 1 end)`;
  const first = backoffMs(rule, 1);
  const [row] = await db
    .insert(t)
    .values({ scope: k.scope, keyHash: k.keyHash, failures: 1, lastFailureAt: now, blockedUntil: first ? new Date(now.getTime() + first) : null, updatedAt: now })
    .onConflictDoUpdate({
      target: [t.scope, t.keyHash],
      set: {
        failures: next,
        lastFailureAt: now,
        blockedUntil: sql`case when ${next} > ${num(rule.free)}
          then ${at(now)} + least(${num(rule.capMs)}, ${num(rule.baseMs)} * power(2, least(${next} - ${num(rule.free)} - 1, 30))) * interval '1 millisecond'
          else null end`,
        updatedAt: now,
      },
      setWhere: opts.unlessWaiting ? sql`${t.blockedUntil} is null or ${t.blockedUntil} <= ${at(now)}` : undefined,
    })
    .returning({ failures: t.failures, blockedUntil: t.blockedUntil });
  return row ? { scope: k.scope, ...row } : null;
}

/** Gives back an attempt counted on a key that turned out to be a success. */
export async function refundAttempt(db: Db, k: ThrottleKey): Promise<void> {
  const t = signInThrottles;
  await db
    .update(t)
    .set({
      failures: sql`greatest(${t.failures} - 1, 0)`,
      blockedUntil: sql`case when ${t.failures} - 1 > ${num(THROTTLE_RULES[k.scope].free)} then ${t.blockedUntil} else null end`,
    })
    .where(keyIs(k));
}

/** A successful sign-in clears its (email, address) key and marks the pair as one that signs in. */
export async function recordSuccess(db: Db, pair: ThrottleKey, now: Date): Promise<void> {
  await db
    .insert(signInThrottles)
    .values({ scope: pair.scope, keyHash: pair.keyHash, failures: 0, lastSuccessAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [signInThrottles.scope, signInThrottles.keyHash],
      set: { failures: 0, lastFailureAt: null, blockedUntil: null, lastSuccessAt: now, updatedAt: now },
    });
}

/** Deletes rows that no longer hold anything back: quiet, not waiting, and not a recent successful pair. */
export async function pruneThrottles(db: Db, now: Date): Promise<number> {
  const quiet = Math.max(...Object.values(THROTTLE_RULES).map((r) => Math.max(r.quietMs, r.capMs)));
  const rows = await db
    .delete(signInThrottles)
    .where(
      and(
        lt(signInThrottles.updatedAt, new Date(now.getTime() - quiet)),
        or(isNull(signInThrottles.blockedUntil), lt(signInThrottles.blockedUntil, now)),
        or(isNull(signInThrottles.lastSuccessAt), lt(signInThrottles.lastSuccessAt, new Date(now.getTime() - TRUSTED_PAIR_MS))),
      ),
    )
    .returning({ scope: signInThrottles.scope });
  return rows.length;
}
