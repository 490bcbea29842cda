// tRPC in three parts: the context (inner, buildable without a request), initialisation with the one error
// mapper, and the ladder of procedures (public → authenticated → scoped). Every procedure declares its access
// in `meta.scope`; the authorisation matrix test reads it from the router.
import { randomUUID } from 'node:crypto';
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import superjson from 'superjson';
import type { Db } from '@/db/client';
import { MAX_BATCH_SIZE } from '@/server/api/limits';
import { actorRole, type Actor } from '@/server/auth/actor';
import { can, type Scope } from '@/server/auth/permissions';
import { DomainError, type DomainErrorKind } from '@/server/errors';
import { unstorableIssues } from '@/server/lib/storable';
import { logger } from '@/server/logger';
import { runAfterCommit, type ServiceContext } from '@/server/services/context';

// ── 1. Context ────────────────────────────────────────────────────────────────

export interface Context extends ServiceContext {
  requestId: string;
  /** Why a presented credential was refused, so the 401 can say so. */
  authError?: string;
}

/** The inner context: everything a procedure needs, built from an actor and a database. Tests call this directly. */
export function createInnerContext(opts: { actor: Actor; db: Db; requestId?: string; authError?: string }): Context {
  return { actor: opts.actor, db: opts.db, requestId: opts.requestId ?? randomUUID(), authError: opts.authError };
}

// ── 2. Initialisation ─────────────────────────────────────────────────────────

export type AccessMeta = { scope: Scope | 'public' | 'authenticated' };

type Issue = { path: PropertyKey[]; message: string };
function validationIssues(cause: unknown): Issue[] | null {
  if (cause && typeof cause === 'object' && 'issues' in cause && Array.isArray((cause as { issues: unknown }).issues)) {
    return (cause as { issues: Issue[] }).issues;
  }
  return null;
}
const issuePath = (i: Issue) => i.path.map(String).join('.') || 'input';
const issuesMessage = (issues: Issue[]) => issues.map((i) => `${issuePath(i)}: ${i.message}`).join('; ');

/** A BAD_REQUEST shaped like a failed zod validation, so it carries the same message and fieldErrors. */
function invalidInput(issues: { path: (string | number)[]; message: string }[]): TRPCError {
  const message = issuesMessage(issues);
  return new TRPCError({ code: 'BAD_REQUEST', message, cause: Object.assign(new Error(message), { issues }) });
}

/**
 * superjson for both directions; an input whose superjson `meta` does not fit its value (which superjson
 * would fail on, or turn into a circular structure) is a 400, not a crash.
 */
const transformer = {
  input: {
    serialize: (value: unknown) => superjson.serialize(value),
    deserialize: (value: unknown) => {
      let parsed: unknown;
      try {
        parsed = superjson.deserialize(value as Parameters<typeof superjson.deserialize>[0]);
      } catch {
        throw invalidInput([{ path: [], message: 'is not valid superjson: its meta does not fit the value' }]);
      }
      const circular = unstorableIssues(parsed).filter((i) => i.message.includes('circular'));
      if (circular.length) throw invalidInput([{ path: [], message: 'is not valid superjson: its meta makes the value refer to itself' }]);
      return parsed;
    },
  },
  output: superjson,
};

const t = initTRPC
  .context<Context>()
  .meta<AccessMeta>()
  .create({
    transformer,
    errorFormatter({ shape, error, ctx }) {
      if (error.code === 'BAD_REQUEST' && error.message === 'Batch call exceeds maximum size') {
        shape = { ...shape, message: `A batch may hold at most ${MAX_BATCH_SIZE} calls; send the rest in another request` };
      }
      const issues = error.code === 'BAD_REQUEST' ? validationIssues(error.cause) : null;
      const domainField = error.cause instanceof DomainError && error.cause.field ? error.cause.field : null;
      const { stack: _stack, ...data } = shape.data;
      return {
        ...shape,
        message: issues ? issuesMessage(issues) : shape.message,
        data: {
          ...data,
          requestId: ctx?.requestId ?? null,
          fieldErrors: issues
            ? Object.fromEntries(issues.map((i) => [issuePath(i), i.message]))
            : domainField
              ? { [domainField]: shape.message.replace(`${domainField}: `, '') }
              : null,
        },
      };
    },
  });

const DOMAIN_CODES: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid: 'BAD_REQUEST',
  forbidden: 'FORBIDDEN',
  unauthorized: 'UNAUTHORIZED',
  precondition: 'PRECONDITION_FAILED',
};

/** The one error mapper: domain errors to tRPC codes, validation errors to BAD_REQUEST, any other failure to a generic 500. */
const errorMapper = t.middleware(async ({ ctx, path, type, next }) => {
  const res = await next();
  if (res.ok) return res;
  const err = res.error;
  const cause = err.cause;
  if (cause instanceof DomainError) throw new TRPCError({ code: DOMAIN_CODES[cause.kind], message: cause.message, cause });
  const issues = validationIssues(cause);
  if (issues) throw new TRPCError({ code: 'BAD_REQUEST', message: issuesMessage(issues), cause });
  // Logs name the procedure, the code and the request, never the input or a message that may quote it; the
  // logger strips query parameters from database errors.
  if (err.code === 'INTERNAL_SERVER_ERROR') {
    logger.error({ err: cause ?? err, path, type, code: err.code, requestId: ctx.requestId }, 'procedure failed');
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Something went wrong on our side (request ${ctx.requestId})` });
  }
  if (err.code !== 'UNAUTHORIZED' && err.code !== 'FORBIDDEN' && err.code !== 'NOT_FOUND') {
    logger.warn({ path, type, code: err.code, requestId: ctx.requestId }, 'procedure refused');
  }
  return res;
});

/**
 * Input PostgreSQL cannot store (NUL characters in strings, keys or JSON; dates out of range) is refused for
 * every procedure at once, before the procedure runs, with the field's path.
 */
const storableInput = t.middleware(async ({ getRawInput, next }) => {
  const issues = unstorableIssues(await getRawInput());
  if (issues.length) throw invalidInput(issues);
  return next();
});

const ROLLBACK = Symbol('rollback');

/**
 * Each mutation runs in one transaction and must write at least one audit event in it; a failed mutation
 * rolls back everything, its audit event included.
 */
const mutationTransaction = t.middleware(async ({ ctx, type, path, next }) => {
  if (type !== 'mutation' || ctx.inTransaction) return next();
  const auditTrail = { count: 0 };
  const afterCommit: (() => Promise<void> | void)[] = [];
  let result: Awaited<ReturnType<typeof next>> | undefined;
  try {
    await ctx.db.transaction(async (tx) => {
      result = await next({ ctx: { db: tx as unknown as Db, inTransaction: true, auditTrail, afterCommit, outerDb: ctx.db } });
      if (!result.ok) throw ROLLBACK;
      if (auditTrail.count === 0) throw new Error(`mutation ${path} wrote no audit event`);
    });
  } catch (e) {
    if (e === ROLLBACK && result) return result;
    throw e;
  }
  await runAfterCommit(afterCommit);
  return result!;
});

const requireActor = t.middleware(({ ctx, next }) => {
  if (ctx.actor.kind === 'anonymous') {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'Sign in or send an API token as Authorization: Bearer slw_…' });
  }
  return next({ ctx: { actor: ctx.actor } });
});

// ── 3. Procedures ─────────────────────────────────────────────────────────────

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const base = t.procedure.use(errorMapper);

/** Anyone, signed in or not. */
export const publicProcedure = base.meta({ scope: 'public' }).use(storableInput).use(mutationTransaction);

/** Any signed-in user or valid API token, whatever the role. */
export const authedProcedure = base.meta({ scope: 'authenticated' }).use(requireActor).use(storableInput).use(mutationTransaction);

/** Callers whose role holds `scope` in the permission table. */
export function scopedProcedure(scope: Scope) {
  return base
    .meta({ scope })
    .use(requireActor)
    .use(({ ctx, next }) => {
      if (!can(actorRole(ctx.actor), scope)) throw new TRPCError({ code: 'FORBIDDEN', message: `Your role may not do this (needs ${scope})` });
      return next();
    })
    .use(storableInput)
    .use(mutationTransaction);
}
