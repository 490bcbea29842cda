// Datasets end to end on a real database: pushes are content-addressed (identical cases create nothing), bad files
// store nothing, versions and cases are immutable in the database itself, diffs match cases by id or content,
// gateway samples become cases, and another service's data is refused.
import { TRPCError } from '@trpc/server';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, datasetCases, datasets, datasetVersions, requestLogs, services } from '@/db/schema';
import { sampleText } from '@/server/gateway/redact';
import { casesOf, resolveDatasetVersion } from '@/server/services/datasets/resolve';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let admin: ReturnType<typeof callerFor>;
let engineer: ReturnType<typeof callerFor>;
let viewer: ReturnType<typeof callerFor>;

beforeAll(async () => {
  database = await freshDatabase();
  admin = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
  engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
  viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
  await admin.services.create({ name: 'support-bot' });
  await admin.services.create({ name: 'other-bot' });
});
afterAll(() => database.close());

const failure = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => {
      if (!(e instanceof TRPCError)) throw e;
      return { code: e.code, message: e.message };
    },
  );
const count = async (table: typeof datasetVersions | typeof datasetCases | typeof datasets) => (await database.db.select({ n: sql<number>`count(*)::int` }).from(table))[0]!.n;

const V1 = ['{"id":"q1","variables":{"question":"Where is my order?"},"expected":"tracking","tags":["orders"]}', '{"id":"q2","variables":{"question":"Can I get a refund?"},"expected":"refund","tags":["billing"]}', '{"variables":{"question":"Hello"},"expected":"hi"}'].join('\n');

describe('push', () => {
  it('creates the dataset on first push, and identical content creates nothing and says so', async () => {
    const first = await engineer.datasets.push({ service: 'support-bot', name: 'faq', file: { name: 'cases.jsonl', content: V1 }, commitMessage: 'First cases', source: 'cli' });
    expect(first).toMatchObject({ created: true, dataset: { name: 'faq' }, version: { version: 1, caseCount: 3, source: 'cli', fileName: 'cases.jsonl', commitMessage: 'First cases' } });
    // The same cases from CSV are the same content.
    const csv = 'id,question,expected,tags\nq1,Where is my order?,tracking,orders\nq2,Can I get a refund?,refund,billing\n,Hello,hi,\n';
    const again = await engineer.datasets.push({ service: 'support-bot', name: 'faq', file: { name: 'cases.csv', content: csv } });
    expect(again.created).toBe(false);
    expect(again.version.version).toBe(1);
    expect(await count(datasetVersions)).toBe(1);
    const audits = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'dataset.push'));
    expect(audits.map((a) => a.targetLabel)).toEqual(['support-bot/faq@1']);
  });

  it('takes structured cases too, checked by the same rules', async () => {
    const pushed = await engineer.datasets.push({ service: 'support-bot', name: 'greetings', cases: [{ variables: { question: 'Hi' }, expected: 'hello' }] });
    expect(pushed.version).toMatchObject({ version: 1, caseCount: 1, source: 'api', fileName: null });
    expect(await failure(engineer.datasets.push({ service: 'support-bot', name: 'greetings', cases: [{ variables: { question: 'Hi' } }, { expected: 5 }] }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'cases[1] needs variables (for the prompt) or messages (sent as they are)\ncases[1].expected must be a string',
    });
  });

  it('refuses a bad file with every problem by line, and stores nothing', async () => {
    const before = [await count(datasets), await count(datasetVersions), await count(datasetCases)];
    const bad = '{"variables":{"q":"a"}}\n{"variables":{"q":"b"},"expected":7}\n{"oops"\n';
    const refused = await failure(engineer.datasets.push({ service: 'support-bot', name: 'broken', file: { name: 'cases.jsonl', content: bad } }));
    expect(refused?.code).toBe('BAD_REQUEST');
    expect(refused!.message.split('\n')).toEqual(['cases.jsonl line 2: expected must be a string', expect.stringMatching(/^cases\.jsonl line 3: not valid JSON/)]);
    expect([await count(datasets), await count(datasetVersions), await count(datasetCases)]).toEqual(before);
  });

  it('needs the write scope; viewers read', async () => {
    expect(await failure(viewer.datasets.push({ service: 'support-bot', name: 'faq', file: { name: 'c.jsonl', content: V1 } }))).toEqual({ code: 'FORBIDDEN', message: 'Your role may not do this (needs datasets:write)' });
    const list = await viewer.datasets.list({ service: 'support-bot' });
    expect(list.map((d) => [d.name, d.latest?.version, d.latest?.caseCount])).toEqual([
      ['faq', 1, 3],
      ['greetings', 1, 1],
    ]);
  });
});

describe('immutability', () => {
  it('refuses an UPDATE or DELETE of a version or a case in the database itself', async () => {
    const refused = (p: PromiseLike<unknown>) =>
      Promise.resolve(p).then(
        () => 'allowed',
        (e: Error & { cause?: Error }) => e.cause?.message ?? e.message,
      );
    const [v] = await database.db.select().from(datasetVersions).limit(1);
    expect(await refused(database.db.update(datasetVersions).set({ commitMessage: 'rewritten' }).where(eq(datasetVersions.id, v!.id)))).toBe('dataset_versions rows are immutable');
    expect(await refused(database.db.delete(datasetVersions).where(eq(datasetVersions.id, v!.id)))).toBe('dataset_versions rows are immutable');
    expect(await refused(database.db.update(datasetCases).set({ expected: 'changed' }).where(eq(datasetCases.datasetVersionId, v!.id)))).toBe('dataset_cases rows are immutable');
    expect(await refused(database.db.delete(datasetCases).where(eq(datasetCases.datasetVersionId, v!.id)))).toBe('dataset_cases rows are immutable');
    const [after] = await database.db.select().from(datasetVersions).where(eq(datasetVersions.id, v!.id));
    expect(after!.commitMessage).toBe(v!.commitMessage);
  });
});

describe('versions, cases and diffs', () => {
  it('a change is the next version; diff matches by id (changed) and by content (added, removed)', async () => {
    const v2 = ['{"id":"q1","variables":{"question":"Where is my parcel?"},"expected":"tracking","tags":["orders"]}', '{"variables":{"question":"Hello"},"expected":"hi"}', '{"variables":{"question":"Bye"},"expected":"bye","tags":["smalltalk"]}'].join('\n');
    const pushed = await engineer.datasets.push({ service: 'support-bot', name: 'faq', file: { name: 'cases.jsonl', content: v2 }, commitMessage: 'Parcel wording' });
    expect(pushed).toMatchObject({ created: true, version: { version: 2, caseCount: 3 } });

    const diff = await viewer.datasets.diff({ service: 'support-bot', name: 'faq', from: 1, to: 2 });
    expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 1 });
    expect(diff.added.map((c) => c.expected)).toEqual(['bye']);
    expect(diff.removed.map((c) => c.externalId)).toEqual(['q2']);
    expect(diff.changed[0]).toMatchObject({ id: 'q1', fields: [{ path: 'input.variables.question', before: 'Where is my order?', after: 'Where is my parcel?' }] });

    const got = await viewer.datasets.get({ service: 'support-bot', name: 'faq' });
    expect(got.versions.map((v) => [v.version, v.commitMessage])).toEqual([
      [2, 'Parcel wording'],
      [1, 'First cases'],
    ]);
  });

  it('searches cases over input, expected, tags and id, with paging, in any version', async () => {
    const all = await viewer.datasets.cases({ service: 'support-bot', name: 'faq', version: 1 });
    expect(all.total).toBe(3);
    expect((await viewer.datasets.cases({ service: 'support-bot', name: 'faq', version: 1, search: 'REFUND' })).cases.map((c) => c.externalId)).toEqual(['q2']);
    expect((await viewer.datasets.cases({ service: 'support-bot', name: 'faq', search: 'smalltalk' })).cases.map((c) => c.expected)).toEqual(['bye']);
    expect((await viewer.datasets.cases({ service: 'support-bot', name: 'faq', search: '%' })).total).toBe(0);
    const page = await viewer.datasets.cases({ service: 'support-bot', name: 'faq', offset: 1, limit: 1 });
    expect([page.version.version, page.total, page.cases.map((c) => c.index)]).toEqual([2, 3, [1]]);
    expect(await failure(viewer.datasets.cases({ service: 'support-bot', name: 'faq', version: 9 }))).toEqual({ code: 'NOT_FOUND', message: 'Version 9 of dataset "support-bot/faq" not found' });
  });

  it('resolves a version for suites and gives its cases in order', async () => {
    const [svc] = await database.db.select().from(services).where(eq(services.name, 'support-bot'));
    const latest = await resolveDatasetVersion(database.db, svc!.id, 'faq', 'latest');
    expect(latest.version).toBe(2);
    const first = await resolveDatasetVersion(database.db, svc!.id, 'faq', 1);
    expect((await casesOf(database.db, first.id)).map((c) => [c.index, c.expected])).toEqual([
      [0, 'tracking'],
      [1, 'refund'],
      [2, 'hi'],
    ]);
    await expect(resolveDatasetVersion(database.db, svc!.id, 'nope', 'latest')).rejects.toThrow('Dataset "nope" of service "support-bot" not found');
  });

  it('does not show one service the datasets of another', async () => {
    expect(await viewer.datasets.list({ service: 'other-bot' })).toEqual([]);
    expect(await failure(viewer.datasets.get({ service: 'other-bot', name: 'faq' }))).toEqual({ code: 'NOT_FOUND', message: 'Dataset "faq" of service "other-bot" not found' });
  });
});

describe('gateway samples', () => {
  const sampleRow = async (service: string, environment: string, input: string, output: string) => {
    const [svc] = await database.db.select().from(services).where(eq(services.name, service));
    const [row] = await database.db
      .insert(requestLogs)
      .values({ at: new Date('2026-12-01T10:00:00Z'), requestId: `req-${Math.random().toString(36).slice(2, 10)}`, serviceId: svc!.id, environment, releaseNumber: 3, status: 200, latencyMs: 120, features: { inputChars: input.length, outputChars: output.length, messages: 1, finishReason: 'stop' }, sample: { input: sampleText(input), output: sampleText(output) } })
      .returning();
    return row!;
  };

  it('lists the samples the gateway kept and appends chosen ones to a new version, once', async () => {
    const a = await sampleRow('support-bot', 'production', 'My email is ann@example.com, where is my order?', 'It ships tomorrow.');
    const b = await sampleRow('support-bot', 'staging', 'Refund please', 'Refunds take 5 days.');
    const listed = await viewer.datasets.samples({ service: 'support-bot', environment: 'production' });
    expect(listed.map((s) => s.id)).toEqual([a.id]);
    expect(listed[0]!.sample.input).toBe('My email is [email], where is my order?');

    const added = await engineer.datasets.addSamples({ service: 'support-bot', name: 'faq', ids: [a.id, b.id] });
    expect(added).toMatchObject({ created: true, added: 2, skipped: 0, version: { version: 3, caseCount: 5, source: 'samples' } });
    const cases = await viewer.datasets.cases({ service: 'support-bot', name: 'faq', version: 3, search: 'ships tomorrow' });
    expect(cases.cases[0]).toMatchObject({
      index: 3,
      externalId: a.requestId,
      input: { messages: [{ role: 'user', content: 'My email is [email], where is my order?' }] },
      expected: 'It ships tomorrow.',
      tags: ['sample', 'production'],
      metadata: { environment: 'production', release: 3 },
    });
    // The same samples again add nothing.
    const again = await engineer.datasets.addSamples({ service: 'support-bot', name: 'faq', ids: [a.id] });
    expect(again).toMatchObject({ created: false, added: 0, skipped: 1, version: { version: 3 } });

    // A dataset that does not exist yet is created from the samples.
    const fresh = await engineer.datasets.addSamples({ service: 'support-bot', name: 'from-prod', ids: [a.id], commitMessage: 'Seen in production' });
    expect(fresh).toMatchObject({ created: true, version: { version: 1, caseCount: 1, commitMessage: 'Seen in production' } });
    const audits = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'dataset.add-samples'));
    expect(audits.map((e) => e.targetLabel)).toEqual(['support-bot/faq@3', 'support-bot/from-prod@1']);
  });

  it("refuses another service's samples, and stores nothing", async () => {
    const theirs = await sampleRow('other-bot', 'production', 'secret question', 'secret answer');
    const versions = await count(datasetVersions);
    expect(await failure(engineer.datasets.addSamples({ service: 'support-bot', name: 'faq', ids: [theirs.id] }))).toEqual({ code: 'BAD_REQUEST', message: `ids: sample ${theirs.id} is not kept for service "support-bot"` });
    expect(await failure(engineer.datasets.addSamples({ service: 'support-bot', name: 'stolen', ids: [theirs.id] }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await count(datasetVersions)).toBe(versions);
    const stolen = await database.db.select().from(datasets).where(and(eq(datasets.name, 'stolen')));
    expect(stolen).toEqual([]);
    expect((await viewer.datasets.samples({ service: 'support-bot' })).some((s) => s.id === theirs.id)).toBe(false);
    expect(await failure(viewer.datasets.addSamples({ service: 'support-bot', name: 'faq', ids: [1] }))).toMatchObject({ code: 'FORBIDDEN' });
  });
});
