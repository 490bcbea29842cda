// The authorisation matrix: every procedure × every role (and no one), allowed or denied exactly as the table
// below says. The table is written by hand, for a reviewer to read: a procedure declared with another scope than
// the table's, a procedure missing from it, and a procedure without a declared scope all fail.
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

function expectedAllowed(scope: Access, actor: Actor): boolean {
  if (scope === 'public') return true;
  if (actor.kind === 'anonymous') return false;
  if (scope === 'authenticated') return true;
  return actor.kind === 'user' && can(actor.role, scope);
}

type Access = Scope | 'public' | 'authenticated';

/** Who may call what: one line per procedure. A new procedure gets its line here, and a reviewer reads it. */
const EXPECTED: Record<string, Access> = {
  'users.list': 'users:read',
  'users.create': 'users:write',
  'users.update': 'users:write',
  'users.resetPassword': 'users:write',
  'users.changeOwnPassword': 'authenticated',
  'users.acceptInvite': 'public',
  'users.me': 'authenticated',
  'tokens.list': 'tokens:read',
  'tokens.create': 'tokens:write',
  'tokens.revoke': 'tokens:write',
  'audit.list': 'audit:read',
  'services.list': 'services:read',
  'services.get': 'services:read',
  'services.create': 'services:write',
  'services.update': 'services:write',
  'environments.get': 'services:read',
  'environments.history': 'services:read',
  'environments.stateAt': 'services:read',
  'environments.create': 'environments:write',
  'environments.update': 'environments:write',
  'environments.deploy': 'environments:deploy',
  'environments.restore': 'environments:deploy',
  'containers.list': 'services:read',
  'containers.stats': 'services:read',
  'containers.logs': 'services:read',
  'models.list': 'models:read',
  'models.get': 'models:read',
  'models.version': 'models:read',
  'models.register': 'models:write',
  'models.setStatus': 'models:write',
  'images.list': 'models:read',
  'images.get': 'models:read',
  'images.build': 'models:write',
  'prompts.list': 'prompts:read',
  'prompts.get': 'prompts:read',
  'prompts.version': 'prompts:read',
  'prompts.render': 'prompts:read',
  'prompts.diff': 'prompts:read',
  'prompts.push': 'prompts:write',
  'labels.history': 'services:read',
  'labels.move': 'labels:move',
  'labels.setProtected': 'labels:protect',
  'releases.list': 'releases:read',
  'releases.get': 'releases:read',
  'releases.diff': 'releases:read',
  'releases.create': 'releases:write',
  'secrets.list': 'secrets:read',
  'secrets.create': 'secrets:write',
  'secrets.rotate': 'secrets:write',
  'secrets.update': 'secrets:write',
  'gatewayKeys.list': 'gateway-keys:read',
  'gatewayKeys.create': 'gateway-keys:write',
  'gatewayKeys.revoke': 'gateway-keys:write',
  'telemetry.summary': 'services:read',
  'monitoring.environment': 'services:read',
  'monitoring.release': 'services:read',
  'monitoring.overview': 'services:read',
  'monitoring.cost': 'services:read',
  'onlineEvals.series': 'services:read',
  'onlineEvals.recent': 'services:read',
  'pipelines.definition': 'pipelines:read',
  'pipelines.validate': 'pipelines:read',
  'pipelines.runs': 'pipelines:read',
  'pipelines.run': 'pipelines:read',
  'pipelines.saveDefinition': 'pipelines:write',
  'pipelines.start': 'pipelines:run',
  'pipelines.retry': 'pipelines:run',
  'pipelines.cancel': 'pipelines:run',
  'repositories.get': 'services:read',
  'repositories.set': 'services:write',
  'executor.functions': 'services:read',
  'executor.runs': 'services:read',
  'executor.run': 'services:read',
  'executor.failures': 'services:read',
  'overview.rollingOut': 'rollouts:read',
  'overview.myApprovals': 'approvals:read',
  'overview.failures': 'rollouts:read',
  'overview.slos': 'services:read',
  'overview.spend': 'services:read',
  'rollouts.list': 'rollouts:read',
  'rollouts.get': 'rollouts:read',
  'rollouts.current': 'rollouts:read',
  'rollouts.preview': 'rollouts:read',
  'rollouts.promote': 'environments:deploy',
  'rollouts.pause': 'environments:deploy',
  'rollouts.resume': 'environments:deploy',
  'rollouts.abort': 'environments:deploy',
  'rollouts.promoteNow': 'environments:deploy',
  'rollouts.rollback': 'environments:rollback',
  'approvals.list': 'approvals:read',
  'approvals.get': 'approvals:read',
  'approvals.decide': 'approvals:decide',
  'alerts.list': 'services:read',
  'alerts.rules': 'services:read',
  'alerts.updateRules': 'environments:write',
  'checks.get': 'services:read',
  'checks.update': 'environments:write',
  'alerts.acknowledge': 'environments:deploy',
  'smoke.runs': 'services:read',
  'smoke.get': 'services:read',
  'smoke.run': 'environments:deploy',
  'loadTests.list': 'services:read',
  'loadTests.get': 'services:read',
  'loadTests.run': 'environments:deploy',
  'triggers.events': 'services:read',
  'triggers.rules': 'services:read',
  'drift.reports': 'services:read',
  'drift.report': 'services:read',
  'drift.latest': 'services:read',
  'drift.timeline': 'services:read',
  'drift.samples': 'services:read',
  'drift.run': 'environments:deploy',
  'variations.start': 'evals:run',
  'variations.get': 'services:read',
  'variations.createRelease': 'releases:write',
  'gates.status': 'releases:read',
  'gates.forRelease': 'releases:read',
  'gates.run': 'evals:run',
  'gates.report': 'services:read',
  'gates.override': 'gates:override',
  'evals.validateSuite': 'services:read',
  'evals.saveSuite': 'evals:write',
  'evals.listSuites': 'services:read',
  'evals.getSuite': 'services:read',
  'evals.estimate': 'services:read',
  'evals.startRun': 'evals:run',
  'evals.listRuns': 'services:read',
  'evals.getRun': 'services:read',
  'evals.runCases': 'services:read',
  'evals.dataQualityRows': 'services:read',
  'evals.injectionAttacks': 'services:read',
  'evals.cancelRun': 'evals:run',
  'datasets.list': 'services:read',
  'datasets.get': 'services:read',
  'datasets.cases': 'services:read',
  'datasets.diff': 'services:read',
  'datasets.samples': 'services:read',
  'datasets.push': 'datasets:write',
  'datasets.addSamples': 'datasets:write',
};

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

  it('lists every procedure in the table, and nothing else', () => {
    const paths = procedures.map((p) => p.path).sort();
    expect(paths.filter((p) => !(p in EXPECTED)), 'procedures missing from EXPECTED').toEqual([]);
    expect(Object.keys(EXPECTED).filter((p) => !paths.includes(p)), 'EXPECTED lines with no procedure').toEqual([]);
  });

  it('declares on each procedure the scope the table gives it', () => {
    const wrong = procedures.filter((p) => p.path in EXPECTED && p.scope !== EXPECTED[p.path]).map((p) => `${p.path}: declares ${p.scope}, expected ${EXPECTED[p.path]}`);
    expect(wrong).toEqual([]);
  });

  it('flags a procedure that declares nothing', () => {
    const t = initTRPC.create();
    const rogue = t.router({ sneaky: t.procedure.query(() => 'data') });
    expect(declaredAccess(rogue)).toEqual([{ path: 'sneaky', scope: null }]);
  });

  for (const { path } of procedures) {
    const scope = EXPECTED[path];
    if (!scope) continue;
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
        expect({ path, who, denied }).toEqual({ path, who, denied: !expectedAllowed(scope, actor) });
        if (denied) expect(code).toBe(actor.kind === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN');
      });
    }
  }
});
