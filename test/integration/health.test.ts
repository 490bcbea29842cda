// /api/health names the jobs engine truthfully: the embedded executor unless Inngest settings are present.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '@/server/env';
import { healthReport } from '@/server/health';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const report = (source: Record<string, string>) => healthReport({ env: parseEnv(source), database, authSecret: 'x'.repeat(32), startedAt: new Date() });

describe('health', () => {
  it('reports the jobs engine in use', async () => {
    expect((await report({})).jobs).toEqual({ kind: 'embedded' });
    expect((await report({ INNGEST_SIGNING_KEY: `signkey-prod-${'ab'.repeat(32)}` })).jobs).toEqual({ kind: 'embedded' });
    expect((await report({ INNGEST_DEV: '1' })).jobs).toEqual({ kind: 'inngest' });
    expect((await report({ INNGEST_EVENT_KEY: 'evt', INNGEST_SIGNING_KEY: `signkey-prod-${'ab'.repeat(32)}` })).jobs).toEqual({ kind: 'inngest' });
    expect((await report({ INNGEST_BASE_URL: 'http://inngest.internal:8288', INNGEST_EVENT_KEY: 'evt', INNGEST_SIGNING_KEY: `signkey-prod-${'ab'.repeat(32)}` })).jobs).toEqual({ kind: 'inngest' });
  });
});
