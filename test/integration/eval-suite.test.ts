// Eval suites: YAML checked line by line (unknown fields, bad values and bad assertions named with their line),
// saved as versions pinned to a dataset version; the same YAML saves nothing, a new dataset version or a change
// is a new version (going back to earlier YAML too); bad input changes nothing; viewers may read, not save.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { Report, syncManifest } from '@/server/manifest/apply';
import { loadManifest } from '@/server/manifest/load';
import { verbBackend } from '@/server/pipelines/manifest-backend';
import { auditEvents, evalSuiteVersions } from '@/db/schema';
import { checkSuite } from '@/server/evals/suite-definition';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { evalService, questionCases, storeDataset } from '../helpers/eval-run-fixtures';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof evalService>>['api'];
let serviceId: string;
const S = 'support-bot';

const YAML = `description: Knows the facts
dataset: questions
threshold: 0.6
gate:
  minScore: 0.7
assertions:
  - type: icontains
    value: "{{expected}}"
    metric: accuracy
`;

beforeAll(async () => {
  database = await freshDatabase();
  ({ api, serviceId } = await evalService(database.db, S));
  await storeDataset(database.db, serviceId, 'questions', questionCases(6));
});
afterAll(() => database.close());

describe('suite definitions', () => {
  it('reads a suite with its defaults', () => {
    const check = checkSuite(YAML);
    expect(check).toEqual({
      ok: true,
      suite: {
        type: 'eval',
        description: 'Knows the facts',
        dataset: { name: 'questions', version: 'latest' },
        environments: null,
        threshold: 0.6,
        concurrency: 4,
        budgetUsd: null,
        gate: { minScore: 0.7, maxRegression: 0.02, alpha: 0.05 },
        assertions: [{ type: 'icontains', value: '{{expected}}', metric: 'accuracy' }],
      },
    });
    expect(checkSuite(YAML.replace('dataset: questions', 'dataset: questions@2'))).toMatchObject({ ok: true, suite: { dataset: { name: 'questions', version: 2 } } });
  });

  it('checks the type: its dataset and assertions, and no block of another type', () => {
    const check = checkSuite('type: eval\ndescription: x\nassertions: []\nsafety:\n  foo: 1\n');
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems).toEqual([
      { line: 1, path: 'dataset', message: 'an eval suite needs a dataset: name or name@version' },
      { line: 3, path: 'assertions', message: 'a suite needs at least one assertion' },
      { line: 5, path: 'safety', message: "only a safety suite has a safety block; this suite's type is eval" },
    ]);
    const dq = checkSuite('type: data-quality\ndataset: q\ndataQuality:\n  expectations:\n    - { type: not-null, field: expected }\nassertions:\n  - type: contains\n    value: a\n');
    expect(dq).toEqual({ ok: false, problems: [{ line: 7, path: 'assertions', message: 'a data-quality suite uses no assertions; its checks are set in its dataQuality block' }] });
    const unknown = checkSuite('type: teleport\ndataset: q\nassertions:\n  - type: contains\n    value: a\n');
    expect(unknown).toEqual({ ok: false, problems: [{ line: 1, path: 'type', message: 'must be one of eval, safety, injection, data-quality' }] });
  });

  it('names every problem at its line: unknown fields, bad values, bad assertions', () => {
    const check = checkSuite(`dataset: Questions!
threshold: 2
colour: blue
gate:
  alpha: 0
  margin: 3
assertions:
  - type: icontains
    value: "{{expected}}"
  - type: no-such-assertion
  - type: regex
`);
    expect(check.ok).toBe(false);
    const problems = !check.ok ? check.problems : [];
    const at = (line: number) => problems.filter((p) => p.line === line).map((p) => `${p.path}: ${p.message}`);
    expect(at(1)).toEqual([expect.stringMatching(/^dataset: must name a dataset/)]);
    expect(at(2)).toEqual(['threshold: must be a score between 0 and 1']);
    expect(at(3)).toEqual([': unknown field colour']);
    expect(at(5)).toEqual(['gate.alpha: must be greater than 0']);
    expect(at(6)).toEqual(['gate: unknown field margin']);
    expect(problems.some((p) => p.line === 10 && p.path.startsWith('assertions[1]'))).toBe(true);
    expect(problems.some((p) => p.line === 11 && p.path.startsWith('assertions[2]'))).toBe(true);
  });

  it('refuses what is not YAML, or not a suite, with the line', () => {
    expect(checkSuite('dataset: [unclosed')).toMatchObject({ ok: false, problems: [{ line: 1, message: expect.stringMatching(/^not valid YAML/) }] });
    expect(checkSuite('- a list')).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/mapping/) }] });
    expect(checkSuite('dataset: questions\nassertions: []\n')).toMatchObject({ ok: false, problems: [{ line: 2, path: 'assertions', message: 'a suite needs at least one assertion' }] });
  });
});

describe('saving suites', () => {
  it('saves versions pinned to the dataset version; the same YAML saves nothing', async () => {
    const first = await api.evals.saveSuite({ service: S, name: 'facts', yaml: YAML });
    expect(first).toMatchObject({ created: true, version: { version: 1, spec: { dataset: { name: 'questions', version: 1 } } } });
    const again = await api.evals.saveSuite({ service: S, name: 'facts', yaml: YAML });
    expect(again).toMatchObject({ created: false, version: { version: 1 } });
    // A new dataset version: the same YAML now pins it, so it is a new suite version.
    await storeDataset(database.db, serviceId, 'questions', questionCases(9));
    const pinned = await api.evals.saveSuite({ service: S, name: 'facts', yaml: YAML });
    expect(pinned).toMatchObject({ created: true, version: { version: 2, spec: { dataset: { version: 2 } } } });
    // A pinned reference keeps the old dataset version; going back to earlier YAML is a version of its own.
    const older = await api.evals.saveSuite({ service: S, name: 'facts', yaml: YAML.replace('dataset: questions', 'dataset: questions@1') });
    expect(older).toMatchObject({ created: true, version: { version: 3, spec: { dataset: { version: 1 } } } });
    const back = await api.evals.saveSuite({ service: S, name: 'facts', yaml: YAML });
    expect(back).toMatchObject({ created: true, version: { version: 4, spec: { dataset: { version: 2 } } } });
    const suite = await api.evals.getSuite({ service: S, name: 'facts' });
    expect(suite.current?.version).toBe(4);
    expect(suite.versions.map((v) => [v.version, v.datasetVersion])).toEqual([
      [4, 2],
      [3, 1],
      [2, 2],
      [1, 1],
    ]);
    expect((await api.evals.getSuite({ service: S, name: 'facts', version: 1 })).current?.yaml).toBe(YAML);
    const listed = await api.evals.listSuites({ service: S });
    expect(listed).toEqual([expect.objectContaining({ name: 'facts', version: 4, assertions: 1, dataset: { name: 'questions', version: 2 } })]);
    const audit = (await database.db.select().from(auditEvents)).filter((e) => e.action === 'eval-suite.save');
    expect(audit).toHaveLength(4);
  });

  it('refuses a bad suite or a missing dataset, naming them, and saves nothing', async () => {
    const before = (await database.db.select().from(evalSuiteVersions)).length;
    await expect(api.evals.saveSuite({ service: S, name: 'broken', yaml: 'dataset: questions\nthreshold: 7\nassertions:\n  - type: icontains\n    value: x\n' })).rejects.toThrow(/line 2: threshold: must be a score between 0 and 1/);
    await expect(api.evals.saveSuite({ service: S, name: 'broken', yaml: YAML.replace('dataset: questions', 'dataset: nothing-here') })).rejects.toThrow(/dataset: support-bot has no dataset "nothing-here"/);
    await expect(api.evals.saveSuite({ service: S, name: 'broken', yaml: YAML.replace('dataset: questions', 'dataset: questions@9') })).rejects.toThrow(/has no version 9 of dataset "questions"/);
    expect((await database.db.select().from(evalSuiteVersions)).length).toBe(before);
    expect(await api.evals.listSuites({ service: S })).toHaveLength(1);
    const validation = await api.evals.validateSuite({ yaml: 'dataset: questions\nassertions:\n  - type: icontains\n    valu: x\n' });
    expect(validation.ok).toBe(false);
    expect(validation.problems[0]).toMatchObject({ line: 4 });
  });

  it('lets a viewer read suites but not save them', async () => {
    const viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
    expect(await viewer.evals.listSuites({ service: S })).toHaveLength(1);
    await expect(viewer.evals.saveSuite({ service: S, name: 'facts', yaml: YAML })).rejects.toThrow(/evals:write/);
    await expect(viewer.evals.startRun({ service: S, suite: 'facts', release: 1 })).rejects.toThrow(/evals:run/);
  });
});

describe('suites in slipway.yaml', () => {
  it('saves evalSuites from files and inline after their datasets, and nothing when unchanged', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'eval-manifest-'));
    try {
      await writeFile(path.join(dir, 'faq.jsonl'), questionCases(4).map((c) => JSON.stringify({ id: c.externalId, variables: c.variables, expected: c.expected })).join('\n') + '\n');
      await writeFile(path.join(dir, 'accuracy.yaml'), 'dataset: faq\nassertions:\n  - type: icontains\n    value: "{{expected}}"\n');
      await writeFile(
        path.join(dir, 'slipway.yaml'),
        `service:\n  name: ${S}\n  description: Answers support tickets\ndatasets:\n  - name: faq\n    file: faq.jsonl\nevalSuites:\n  accuracy: { file: accuracy.yaml }\n  mentions-billing:\n    dataset: faq\n    assertions:\n      - type: icontains\n        value: billing\n`,
      );
      const manifest = loadManifest(path.join(dir, 'slipway.yaml'));
      const ctx = { actor: (await makeUser(database.db, { role: 'admin' })) as never, db: database.db, requestId: null };
      const first = new Report(false);
      await syncManifest(verbBackend(ctx), manifest, first, { dryRun: false, reason: 'test' });
      expect(first.items.filter((i) => i.kind === 'eval-suite')).toEqual([
        { kind: 'eval-suite', name: 'accuracy', status: 'created', detail: expect.stringMatching(/^v1 on faq@1 from /) },
        { kind: 'eval-suite', name: 'mentions-billing', status: 'created', detail: expect.stringMatching(/^v1 on faq@1/) },
      ]);
      const again = new Report(false);
      await syncManifest(verbBackend(ctx), loadManifest(path.join(dir, 'slipway.yaml')), again, { dryRun: false, reason: 'test' });
      expect(again.items.filter((i) => i.kind === 'eval-suite').map((i) => i.status)).toEqual(['unchanged', 'unchanged']);
      // A bad suite file is named with its line before anything is sent.
      await writeFile(path.join(dir, 'accuracy.yaml'), 'dataset: faq\nthreshold: 3\nassertions:\n  - type: icontains\n    value: x\n');
      expect(() => loadManifest(path.join(dir, 'slipway.yaml'))).toThrow(/accuracy\.yaml:2: threshold: must be a score between 0 and 1/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
