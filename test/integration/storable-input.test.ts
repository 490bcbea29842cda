// Input PostgreSQL cannot store is a 400 naming the field, for every procedure of the router, over HTTP as
// clients see it: NUL characters in any string, key or JSON value, dates out of range, batches over the cap,
// and superjson meta that does not fit its value; and the same for manifests, pipeline definitions and webhooks.
import { sql } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTrpc } from '@/server/api/http';
import { MAX_BATCH_SIZE } from '@/server/api/limits';
import { appRouter } from '@/server/api/root';
import { createInnerContext } from '@/server/api/trpc';
import type { Actor } from '@/server/auth/actor';
import { parseSource } from '@/server/manifest/files';
import { checkDefinition, DEFAULT_PIPELINE_YAML } from '@/server/services/pipelines/parse';
import { handleGenericWebhook } from '@/server/webhooks/handlers';
import { makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let admin: Actor;

beforeAll(async () => {
  database = await freshDatabase();
  admin = await makeUser(database.db, { role: 'admin' });
});
afterAll(() => database?.close());

type ZodDef = { type: string; [k: string]: unknown };
type Schema = { _zod: { def: ZodDef } };
const NUL = 'x\u0000y';

/**
 * A value for a zod schema with a NUL in every string it accepts (and in a nested JSON value where it accepts
 * anything), with the paths of those strings.
 */
function sampleWithNul(schema: Schema, path: string[] = [], paths: string[] = []): { value: unknown; paths: string[] } {
  const def = schema._zod.def;
  const at = (s: unknown, p: string[]) => sampleWithNul(s as Schema, p, paths).value;
  const here = (v: unknown) => {
    paths.push(path.join('.') || 'input');
    return v;
  };
  const value = ((): unknown => {
    switch (def.type) {
      case 'string':
      case 'enum':
      case 'literal':
      case 'template_literal':
        return here(NUL);
      case 'number':
      case 'int':
        return 1;
      case 'boolean':
        return true;
      case 'date':
        return new Date();
      case 'unknown':
      case 'any':
        paths.push([...path, 'note'].join('.'));
        return { note: NUL };
      case 'object':
        return Object.fromEntries(Object.entries(def.shape as Record<string, unknown>).map(([k, s]) => [k, at(s, [...path, k])]));
      case 'record':
        return { k: at(def.valueType, [...path, 'k']) };
      case 'array':
        return [at(def.element, [...path, '0'])];
      case 'tuple':
        return (def.items as unknown[]).map((s, i) => at(s, [...path, String(i)]));
      case 'union':
        return at((def.options as unknown[])[0], path);
      case 'intersection':
        return { ...(at(def.left, path) as object), ...(at(def.right, path) as object) };
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'catch':
      case 'readonly':
      case 'nonoptional':
        return at(def.innerType, path);
      case 'pipe':
        return at(def.in, path);
      case 'lazy':
        return at((def.getter as () => unknown)(), path);
      default:
        return undefined;
    }
  })();
  return { value, paths };
}

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string; inputs: Schema[] } }>).map(([path, p]) => ({ path, type: p._def.type, input: p._def.inputs[0] }));

async function call(path: string, input: unknown, opts: { meta?: unknown; batchOf?: number } = {}) {
  const encoded = superjson.serialize(input);
  const body = opts.batchOf
    ? JSON.stringify(Object.fromEntries(Array.from({ length: opts.batchOf }, (_, i) => [i, encoded])))
    : JSON.stringify(opts.meta ? { json: encoded.json, meta: opts.meta } : encoded);
  const url = opts.batchOf ? `http://localhost/api/trpc/${Array(opts.batchOf).fill(path).join(',')}?batch=1` : `http://localhost/api/trpc/${path}`;
  const res = await serveTrpc(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-http-method-override': 'POST' }, body }), {
    requestId: 'test',
    createContext: async () => createInnerContext({ actor: admin, db: database.db }),
  });
  const json = (await res.json()) as { error?: { json: { message: string; data: { code: string; fieldErrors: Record<string, string> | null } } } } | unknown[];
  return { status: res.status, json };
}

/** The rows of a raw query, whichever driver (pg or PGlite) ran it. */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/** Rows in every table, to show a refused call changed nothing. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = rowsOf<{ name: string }>(await database.db.execute(sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`));
  const counts: Record<string, number> = {};
  for (const { name } of tables) counts[name] = rowsOf<{ n: number }>(await database.db.execute(sql.raw(`select count(*)::int as n from "${name}"`)))[0]!.n;
  return counts;
}

describe('NUL characters', () => {
  const withStrings = procedures.map((p) => ({ ...p, sample: p.input ? sampleWithNul(p.input) : null })).filter((p) => p.sample && p.sample.paths.length);

  it('are refused by every procedure that takes a string, naming each field, and change nothing', async () => {
    // The report counted 39 procedures whose text or JSON fields gave a 500.
    expect(withStrings.length).toBeGreaterThanOrEqual(39);
    const before = await rowCounts();
    const failures: unknown[] = [];
    for (const p of withStrings) {
      const { status, json } = await call(p.path, p.sample!.value);
      const err = !Array.isArray(json) ? json.error?.json : undefined;
      const named = Object.keys(err?.data.fieldErrors ?? {});
      const ok =
        status === 400 &&
        err?.data.code === 'BAD_REQUEST' &&
        named.length === Math.min(p.sample!.paths.length, 20) &&
        named.every((f) => p.sample!.paths.includes(f) && err.data.fieldErrors![f]!.includes('NUL'));
      if (!ok) failures.push({ path: p.path, status, expected: p.sample!.paths, got: err?.data.fieldErrors ?? json });
    }
    expect(failures).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it('in an object key of a JSON field is refused too', async () => {
    const { status, json } = await call('releases.create', { service: 'svc', model: 'm@1', config: { nested: { 'bad\u0000key': 1 } } });
    expect(status).toBe(400);
    expect(Object.keys((json as { error: { json: { data: { fieldErrors: object } } } }).error.json.data.fieldErrors)).toEqual(['config.nested.bad\\u0000key']);
  });
});

describe('dates out of range', () => {
  const cases: [string, (d: Date) => Record<string, unknown>, string][] = [
    ['audit.list', (d) => ({ from: d }), 'from'],
    ['environments.stateAt', (d) => ({ service: 'nope', environment: 'dev', at: d }), 'at'],
    ['telemetry.summary', (d) => ({ service: 'nope', environment: 'dev', since: d }), 'since'],
    ['tokens.create', (d) => ({ name: 'far', role: 'viewer', expiresAt: d }), 'expiresAt'],
  ];
  for (const [path, input, field] of cases) {
    it(`${path} refuses them with a 400 naming ${field}`, async () => {
      for (const d of [new Date('-010000-01-01T00:00:00Z'), new Date(8.64e15)]) {
        const { status, json } = await call(path, input(d));
        expect(status).toBe(400);
        expect((json as { error: { json: { data: { fieldErrors: object } } } }).error.json.data.fieldErrors).toEqual({ [field]: 'must be a date between 0001-01-01 and 9999-12-31' });
      }
    });
  }
});

describe('the HTTP transport', () => {
  it(`caps batches at ${MAX_BATCH_SIZE} calls with a clear 400`, async () => {
    const ok = await call('services.list', undefined, { batchOf: MAX_BATCH_SIZE });
    expect(ok.status).toBe(200);
    const tooMany = await call('services.list', undefined, { batchOf: 1000 });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.json)).toContain(`A batch may hold at most ${MAX_BATCH_SIZE} calls`);
  });

  it('refuses superjson meta that does not fit its value with a 400', async () => {
    for (const meta of [{ referentialEqualities: { a: ['a.b'] } }, { values: { a: ['map'] } }, { values: { a: ['no-such-type'] } }]) {
      const { status, json } = await call('services.create', { a: { b: 1 } }, { meta });
      expect(status).toBe(400);
      expect((json as { error: { json: { message: string } } }).error.json.message).toMatch(/^input: is not valid superjson/);
    }
  });
});

describe('inputs that reach the database without tRPC', () => {
  it('refuse a NUL written as a YAML escape, at its line: manifests, pipeline definitions', () => {
    expect(() => parseSource('service: chat\nprompts:\n  - name: "gr\\0eet"\n', 'slipway.yaml')).toThrow('slipway.yaml:3: prompts[0].name: must not contain the NUL character (U+0000)');
    const check = checkDefinition(`${DEFAULT_PIPELINE_YAML}\n# end\n`.replace(/name: (\S+)/, 'name: "$1\\0"'));
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problems[0]!.message).toBe('must not contain the NUL character (U+0000)');
  });

  it('refuse a webhook payload holding a NUL with a 400, recording nothing', async () => {
    const before = await rowCounts();
    const res = await handleGenericWebhook(new Request('http://localhost/api/webhooks/generic/svc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'refs/heads/ma\u0000in' }) }), 'svc', { db: database.db });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'ref: must not contain the NUL character (U+0000)' });
    expect(await rowCounts()).toEqual(before);
  });
});
