// Logs never carry what a caller sent: a failing procedure is logged with its path, code and request id, not its
// input or the query parameters of the database error; fields are redacted by name wherever they appear.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '@/server/api/root';
import { createInnerContext } from '@/server/api/trpc';
import { logger } from '@/server/logger';
import { makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { captureLogs } from '../helpers/logs';

const PASSWORD = 'Hunter2-correct-horse-staple';
const SECRET = 'sk-live-NEVER-IN-A-LOG-0123456789abcdef';

let database: TestDatabase;
let admin: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  database = await freshDatabase();
  admin = await makeUser(database.db, { role: 'admin' });
  // Real database failures on insert: the rows these tests send are refused by a constraint.
  await database.db.execute(sql`alter table users add constraint refuse_marked check (name <> 'refuse-me')`);
  await database.db.execute(sql`alter table secrets add constraint refuse_marked check (description <> 'refuse-me')`);
});
afterAll(() => database.close());

const callAs = (requestId: string) => createCaller(createInnerContext({ actor: admin, db: database.db, requestId }));

describe('logs', () => {
  it('a failing users.create logs its path, code and request id, and neither the password, its hash nor any input', async () => {
    let code: string | undefined;
    const { text, lines } = await captureLogs(() =>
      callAs('req-users-create').users.create({ email: 'mallory@example.test', name: 'refuse-me', role: 'viewer', password: PASSWORD }).catch((e: { code?: string }) => {
        code = e.code;
      }),
    );
    expect(code).toBe('INTERNAL_SERVER_ERROR');
    for (const leaked of [PASSWORD, 'scrypt$', 'mallory@example.test', 'refuse-me']) expect(text).not.toContain(leaked);
    expect(lines.find((l) => l.msg === 'procedure failed')).toMatchObject({ path: 'users.create', code: 'INTERNAL_SERVER_ERROR', requestId: 'req-users-create' });
  });

  it('a failing secrets.create logs neither the value nor its ciphertext', async () => {
    const { text, lines } = await captureLogs(() => callAs('req-secret').secrets.create({ name: 'leaky', kind: 'provider_api_key', value: SECRET, description: 'refuse-me' }));
    expect(lines.find((l) => l.msg === 'procedure failed')).toMatchObject({ path: 'secrets.create', requestId: 'req-secret' });
    for (const leaked of [SECRET, SECRET.slice(8, 24), 'refuse-me', 'leaky']) expect(text).not.toContain(leaked);
  });

  it('redacts by field name at any depth, and strips query strings and credentials from URLs', async () => {
    const { text } = await captureLogs(async () => {
      logger.info(
        {
          user: { password: 'pw-1', passwordHash: 'scrypt$x', api_key: 'ak-1' },
          headers: { authorization: 'Bearer tk-1', cookie: 'next-auth.session-token=ck-1' },
          secret: { value: 'sv-1' },
          deep: [{ nested: { clientSecret: 'cs-1', inviteToken: 'inv-1' } }],
          url: '/api/trpc/users.create?input=%7B%22password%22%3A%22qs-1%22%7D',
          repoUrl: 'https://user:rt-1@git.example.test/acme/repo.git',
        },
        'request',
      );
      logger.error({ url: '/api/executor/e/evk-1' }, 'executor request failed');
      logger.error({ err: new Error('git clone https://x:et-1@git.example.test/r.git?access_token=et-2 failed') }, 'boom');
    });
    for (const leaked of ['pw-1', 'scrypt$x', 'ak-1', 'tk-1', 'ck-1', 'sv-1', 'cs-1', 'inv-1', 'qs-1', 'rt-1', 'et-1', 'et-2', 'evk-1']) expect(text).not.toContain(leaked);
    expect(text).toContain('/api/trpc/users.create?[redacted]');
    expect(text).toContain('git.example.test/acme/repo.git');
  });
});
