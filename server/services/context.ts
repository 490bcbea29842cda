// What every service verb receives: the actor, a database handle (maybe a transaction) and the request id.
import type { Db } from '@/db/client';
import type { Actor } from '@/server/auth/actor';
import { actorRole } from '@/server/auth/actor';
import { can, type Scope } from '@/server/auth/permissions';
import { DomainError, forbidden } from '@/server/errors';

export interface ServiceContext {
  actor: Actor;
  db: Db;
  requestId: string | null;
  /** Set while `db` is a transaction, so nested verbs join it instead of opening another. */
  inTransaction?: boolean;
  /** Counts audit events written in the current transaction; mutations must write at least one. */
  auditTrail?: { count: number };
  /** Work to do once the transaction has committed (sending events that refer to rows it wrote). */
  afterCommit?: (() => Promise<void> | void)[];
  /** While `db` is a transaction: the database outside it, for work done after the commit. */
  outerDb?: Db;
}

/** Runs `fn` after the surrounding transaction commits, or at once when there is none. */
export async function onCommit(ctx: ServiceContext, fn: () => Promise<void> | void): Promise<void> {
  if (ctx.inTransaction && ctx.afterCommit) ctx.afterCommit.push(fn);
  else await fn();
}

export async function runAfterCommit(hooks: (() => Promise<void> | void)[]): Promise<void> {
  for (const hook of hooks) await hook();
}

/** Runs `fn` in a transaction, reusing the caller's when there is one. */
export async function withTransaction<T>(ctx: ServiceContext, fn: (tx: ServiceContext) => Promise<T>): Promise<T> {
  if (ctx.inTransaction) return fn(ctx);
  const afterCommit: (() => Promise<void> | void)[] = [];
  const result = await ctx.db.transaction((tx) => fn({ ...ctx, db: tx as unknown as Db, inTransaction: true, afterCommit, outerDb: ctx.outerDb ?? ctx.db }));
  await runAfterCommit(afterCommit);
  return result;
}

/** The first line of every verb: the actor must hold the scope, whoever calls the verb. */
export function requireScope(ctx: ServiceContext, scope: Scope): void {
  if (ctx.actor.kind === 'anonymous') throw new DomainError('unauthorized', 'Sign in or send an API token');
  if (!can(actorRole(ctx.actor), scope)) throw forbidden(`Your role may not do this (needs ${scope})`);
}
