// The authorisation matrix, generated from the router: every procedure × every role (and no one),
// allowed or denied exactly as the scope table says. A procedure without a declared scope fails.
import { initTRPC, TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '@/server/api/root';
import type { Actor } from '@/server/auth/actor';
import { can, ROLES, SCOPES, type Scope } from '@/server/auth/permissions';
import { anonymous, callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

type AnyProcedure = { _def: { meta?: { scope?: string }; type: string } };

function declaredAccess(router: { _def: { procedures: Record<string, unknown> } }) {
  return Object.entries(router._def.procedures).map(([path, p]) => {
    const scope = (p as AnyProcedure)._def.meta?.scope;
    const known = scope === 'public' || scope === 'authenticated' || (scope !== undefined && scope in SCOPES);
    return { path, scope: known ? (scope as Scope | 'public' | 'authenticated') : null };
  });
}

function expectedAllowed(scope: Scope | 'public' | 'authenticated', actor: Actor): boolean {
  if (scope === 'public') return true;
  if (actor.kind === 'anonymous') return false;
  if (scope === 'authenticated') return true;
  return actor.kind === 'user' && can(actor.role, scope);
}

let database: TestDatabase;
const actors: Record<string, Actor> = { anonymous };

beforeAll(async () => {
  database = await freshDatabase();
  for (const role of ROLES) actors[role] = await makeUser(database.db, { role });
});
afterAll(() => database.close());

describe('authorisation matrix', () => {
  const procedures = declaredAccess(appRouter);

  it('every procedure declares its access', () => {
    expect(procedures.length).toBeGreaterThan(5);
    expect(procedures.filter((p) => p.scope === null).map((p) => p.path)).toEqual([]);
  });

  it('flags a procedure that declares nothing', () => {
    const t = initTRPC.create();
    const rogue = t.router({ sneaky: t.procedure.query(() => 'data') });
    expect(declaredAccess(rogue)).toEqual([{ path: 'sneaky', scope: null }]);
  });

  for (const { path, scope } of procedures) {
    for (const who of ['anonymous', ...ROLES]) {
      it(`${path} × ${who}`, async () => {
        const actor = actors[who]!;
        const caller = callerFor(database.db, actor) as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;
        const [ns, name] = path.split('.') as [string, string];
        let code: string | null = null;
        try {
          // No input: an allowed caller gets past authorisation and then fails validation (or succeeds).
          await caller[ns]![name]!(undefined);
        } catch (e) {
          expect(e).toBeInstanceOf(TRPCError);
          code = (e as TRPCError).code;
        }
        const denied = code === 'FORBIDDEN' || code === 'UNAUTHORIZED';
        expect({ path, who, denied }).toEqual({ path, who, denied: !expectedAllowed(scope!, actor) });
        if (denied) expect(code).toBe(actor.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN');
      });
    }
  }
});
