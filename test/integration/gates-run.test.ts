// The eval gate run for real, against the reference model server: `slipway gates run` (in-process, over HTTP to
// the real router) exits 0 with the JSON and JUnit of a passing gate, 1 for a failing or not-built one, 2 on usage
// and server errors; the pipeline `eval` step passes or fails with the runs, naming the failing suite; and a
// passing run lets the release into the environment.
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetCases, datasets, datasetVersions, services } from '@/db/schema';
import { serveTrpc } from '@/server/api/http';
import { createInnerContext } from '@/server/api/trpc';
import { runCli } from '@/server/cli/run';
import { orchestrateEvalRun } from '@/server/evals/runner';
import { setEvalDispatcher } from '@/server/services/evals/dispatch';
import { runPipelineHere } from '../helpers/inline-rollout';
import { QUESTIONS, startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

const S = 'gate-bot';
let database: TestDatabase;
let api: ReturnType<typeof callerFor>;
let models: ReferenceModelServer;
let server: http.Server;
let url: string;
const pending = new Set<Promise<unknown>>();

const SUITE = `description: Answers support questions correctly
dataset: questions
threshold: 0.5
gate: { minScore: 0.7, maxRegression: 0.02, alpha: 0.05 }
assertions:
  - type: icontains
    value: "{{expected}}"
    metric: accuracy
`;

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: 'slw_test_token_not_checked_here' }, version: 'test' });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  database = await freshDatabase();
  const admin = await makeUser(database.db, { role: 'admin' });
  api = callerFor(database.db, admin);
  // The router over HTTP, as /api/trpc serves it; every request acts as the admin (sign-in is tested elsewhere).
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) });
      void serveTrpc(request, { requestId: 'test', createContext: async () => createInnerContext({ actor: admin, db: database.db }) }).then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  models = await startReferenceModelServer({ seed: 5, noDelay: true, config: { models: { 'ref-good': { quality: 1 }, 'ref-also-good': { quality: 1 }, 'ref-bad': { quality: 0.3 } } } });
  // Runs are scored as soon as they are started, by the real runner (the workflow engine's part in the app).
  setEvalDispatcher({
    start: async (runId) => {
      const p = orchestrateEvalRun(database.db, runId, (_id, fn) => fn()).finally(() => pending.delete(p));
      pending.add(p);
    },
    cancel: async () => undefined,
    finished: async () => undefined,
  });

  await api.services.create({ name: S, description: 'Gates for real' });
  for (const [model, upstream] of [
    ['good-llm', 'ref-good'],
    ['other-llm', 'ref-also-good'],
    ['bad-llm', 'ref-bad'],
  ] as const) {
    await api.models.register({ model, providerKind: 'openai-compatible', baseUrl: `${models.url}/v1`, upstreamModel: upstream, priceInputPer1M: 0.1, priceOutputPer1M: 0.2, defaultParams: { temperature: 0 } });
  }
  await api.prompts.push({ service: S, prompt: 'answer', messages: [{ role: 'system', content: 'You are a support agent for Acme Cloud.' }, { role: 'user', content: '{{question}}' }], variables: [{ name: 'question', type: 'string', required: true }], commitMessage: 'first' });
  await api.releases.create({ service: S, model: 'good-llm@1', prompts: ['answer@1'], notes: 'baseline' }); // #1
  await api.releases.create({ service: S, model: 'other-llm@1', prompts: ['answer@1'], notes: 'as good' }); // #2
  await api.releases.create({ service: S, model: 'bad-llm@1', prompts: ['answer@1'], notes: 'worse' }); // #3
  // The launch state, let in by an admin's override (no suite existed yet).
  await api.gates.override({ service: S, release: 1, environment: 'staging', gate: 'eval', reason: 'launch state, before any eval suite' });
  await api.environments.deploy({ service: S, environment: 'staging', routes: [{ release: 1, weight: 100 }] });
  // The dataset: the reference server's questions, each expecting its fact (stored as a push would store it).
  const [svc] = await database.db.select().from(services).where(eq(services.name, S));
  const [ds] = await database.db.insert(datasets).values({ serviceId: svc!.id, name: 'questions', createdBy: 'test' }).returning();
  const [dv] = await database.db.insert(datasetVersions).values({ datasetId: ds!.id, version: 1, contentHash: 'q1', caseCount: QUESTIONS.length, source: 'api', createdBy: 'test' }).returning();
  await database.db.insert(datasetCases).values(QUESTIONS.map((q, index) => ({ datasetVersionId: dv!.id, index, caseKey: q.id, externalId: q.id, input: { variables: { question: q.question } }, expected: q.fact })));
  await api.evals.saveSuite({ service: S, name: 'accuracy', yaml: SUITE });
}, 60_000);

afterAll(async () => {
  setEvalDispatcher(undefined);
  await Promise.allSettled([...pending]);
  await models?.close();
  await new Promise((r) => server?.close(r));
  await database?.close();
});

describe('slipway gates run', () => {
  it('exits 2 on usage errors and server errors, naming what is wrong, and starts nothing', async () => {
    const cases: [string[], string][] = [
      [['gates', 'run'], 'error: '],
      [['gates', 'run', 'gate-bot'], 'error: "gate-bot" is not a release; use <service>#<number>, e.g. support-bot#7\n'],
      [['gates', 'run', 'gate-bot#2'], 'error: --environment is required: the environment whose gates to run\n'],
      [['gates', 'run', 'gate-bot#2', '--environment', 'staging', '--gate', 'eval,vibes'], 'error: --gate: unknown gate vibes; gates are '],
      [['gates', 'run', 'gate-bot#2', '--environment', 'staging', '--junit', 'x.xml'], 'error: --junit needs --wait (the verdict is written when the runs end)\n'],
      [['gates', 'run', 'gate-bot#2', '--environment', 'staging', '--baseline', 'other-bot#1'], 'error: --baseline "other-bot#1" is not a release of gate-bot; use a number, gate-bot#<number> or none\n'],
      [['gates', 'run', 'gate-bot#9', '--environment', 'staging', '--wait'], 'error: release: gate-bot has no release #9\n'],
      [['gates', 'run', 'nobody#1', '--environment', 'staging', '--wait'], 'error: service "nobody" not found\n'],
      [['gates', 'run', 'gate-bot#2', '--environment', 'dev', '--wait'], 'error: gates: dev requires no gates; name the ones to run\n'],
    ];
    for (const [argv, stderr] of cases) {
      const run = await cli(...argv);
      expect({ argv, code: run.code, stdout: run.stdout }).toEqual({ argv, code: 2, stdout: '' });
      expect(run.stderr.startsWith(stderr)).toBe(true);
    }
    expect((await api.evals.listRuns({ service: S })).items).toEqual([]);
  });

  it('exits 0 for an equally good candidate, with the JSON of the contract and a JUnit file', async () => {
    const junit = path.join(mkdtempSync(path.join(tmpdir(), 'gates-')), 'gates.xml');
    const run = await cli('gates', 'run', 'gate-bot#2', '--environment', 'staging', '--wait', '--json', '--junit', junit);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(json).toEqual({
      release: 'gate-bot#2',
      environment: 'staging',
      passed: true,
      gates: [{ type: 'eval', passed: true, score: expect.any(Number), baseline: { release: 'gate-bot#1', score: expect.any(Number) }, pValue: expect.any(Number), reasons: expect.any(Array), suites: [expect.objectContaining({ suite: 'accuracy', version: 1, status: 'passed' })] }],
    });
    const gate = (json.gates as { score: number; baseline: { score: number } }[])[0]!;
    expect(gate.score).toBeGreaterThan(0.9);
    expect(gate.baseline.score).toBeGreaterThan(0.9);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="slipway gates" tests="1" failures="0">/);
    expect(xml).toContain('<testsuite name="eval gate: gate-bot#2 → staging" tests="1" failures="0" errors="0">');
    expect(xml).toContain('<testcase classname="gate-bot#2.staging.eval" name="accuracy@1"></testcase>');
    // The verdict is what promotion reads.
    expect((await api.gates.status({ service: S, release: 2, environment: 'staging' })).gates).toMatchObject([{ gate: 'eval', state: 'passed' }]);
  });

  it('exits 1 for a worse candidate and for a gate not built yet, saying why in the JSON, the JUnit and stderr', async () => {
    const junit = path.join(mkdtempSync(path.join(tmpdir(), 'gates-')), 'gates.xml');
    const run = await cli('gates', 'run', 'gate-bot#3', '--environment', 'staging', '--gate', 'eval,webhook', '--wait', '--json', '--junit', junit);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as { passed: boolean; gates: { type: string; passed: boolean; score: number | null; pValue: number | null; reasons: string[] }[] };
    expect(json.passed).toBe(false);
    expect(json.gates.map((g) => [g.type, g.passed])).toEqual([
      ['eval', false],
      ['webhook', false],
    ]);
    expect(json.gates[0]!.score).toBeLessThan(0.7);
    expect(json.gates[0]!.pValue).toBeLessThan(0.05);
    expect(json.gates[0]!.reasons.length).toBeGreaterThan(0);
    expect(json.gates[1]).toMatchObject({ score: null, pValue: null, reasons: ['the webhook gate is not built yet; an admin may override'] });
    expect(run.stderr).toMatch(/^error: gates failed for gate-bot#3 → staging: eval \(.+\); webhook \(the webhook gate is not built yet; an admin may override\)\n$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuites name="slipway gates" tests="2" failures="2">');
    expect(xml).toContain('<testsuite name="webhook gate: gate-bot#3 → staging" tests="1" failures="0" errors="0">'.replace('failures="0"', 'failures="1"'));
    expect(xml).toContain('<failure message="the webhook gate is not built yet; an admin may override">');
    // Promotion is refused with the failing verdict.
    await expect(api.rollouts.promote({ service: S, environment: 'staging', release: 3 })).rejects.toThrow(/gate-bot#3 may not enter staging until its required gates pass — eval gate failed: accuracy@1 failed: /);
  });

  it('without --wait, starts the runs and says how to follow them', async () => {
    const run = await cli('gates', 'run', 'gate-bot#2', '--environment', 'staging', '--baseline', 'none');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^GATE {2}STARTED\neval {2}eval run \d+\nfollow {4}slipway gates run gate-bot#2 --environment staging --wait/);
    await Promise.allSettled([...pending]);
  });
});

describe('the pipeline eval step', () => {
  it('passes when the suite passes and fails naming the failing suite', async () => {
    setEvalDispatcher(undefined); // the run scores its eval runs inline here
    await api.pipelines.saveDefinition({ service: S, yaml: 'stages:\n  - name: gates\n    steps:\n      - name: evals\n        type: eval\n        inputs:\n          environment: staging\n' });
    const good = await api.pipelines.start({ service: S, release: 2 });
    expect(await runPipelineHere(database.db, good.id)).toEqual({ status: 'passed' });
    const goodStep = (await api.pipelines.run({ service: S, number: good.number })).steps[1]!;
    expect(goodStep).toMatchObject({ type: 'eval', status: 'passed', outputs: { environment: 'staging' } });
    expect(goodStep.logs.map((l) => l.line).join('\n')).toMatch(/accuracy@1 \(run \d+\) passed: score/);

    const bad = await api.pipelines.start({ service: S, release: 3 });
    expect(await runPipelineHere(database.db, bad.id)).toEqual({ status: 'failed' });
    const view = await api.pipelines.run({ service: S, number: bad.number });
    expect(view.steps[1]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^eval gate failed: accuracy@1 \(run \d+\) failed: /) });
    expect(view.error).toMatch(/^evals: eval gate failed: accuracy@1/);
  });
});
