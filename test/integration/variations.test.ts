// Prompt variations end to end on a real database and the reference model server: a 2 prompts × 1 parameter set
// × 2 models matrix on 10 cases, scores that follow the models' quality, cost and latency recorded per cell, a
// release made from the best cell, a rerun answered from the cache, and bad matrices refused naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetCases, datasets, datasetVersions, evalRuns, evalSuites, evalSuiteVersions, type EvalSuiteSpec } from '@/db/schema';
import { demoCases } from '@/server/evals/demo-cases';
import { startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';
import { setVariationsDispatcher } from '@/server/services/evals/variations-dispatch';
import { orchestrateVariations } from '@/server/services/evals/variations-execute';
import { eq } from 'drizzle-orm';
import { setRunDispatcher } from '@/server/services/pipelines/dispatch';
import { runPipelineHere } from '../helpers/inline-rollout';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let models: ReferenceModelServer;
let api: ReturnType<typeof callerFor>;
const S = 'var-bot';
let running: Promise<unknown>[] = [];

const latency = { meanMs: 20, p99Ms: 60, timeToFirstTokenMs: 5, tokensPerSecond: 2000 };

beforeAll(async () => {
  database = await freshDatabase();
  models = await startReferenceModelServer({ seed: 5, config: { models: { 'ref-good': { quality: 1, latency }, 'ref-poor': { quality: 0.2, latency: { ...latency, meanMs: 40, p99Ms: 100 } } } } });
  api = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
  const baseUrl = `${models.url}/v1`;
  await api.services.create({ name: S, description: 'variations test' });
  await api.models.register({ model: 'good', providerKind: 'openai-compatible', baseUrl, upstreamModel: 'ref-good', defaultParams: {}, priceInputPer1M: 1, priceOutputPer1M: 2 });
  await api.models.register({ model: 'poor', providerKind: 'openai-compatible', baseUrl, upstreamModel: 'ref-poor', defaultParams: {}, priceInputPer1M: 0.1, priceOutputPer1M: 0.2 });
  const variables = [{ name: 'question', type: 'string' as const, required: true }];
  await api.prompts.push({ service: S, prompt: 'answer', messages: [{ role: 'system', content: 'You are a support agent. Answer briefly.' }, { role: 'user', content: '{{question}}' }], variables, commitMessage: 'v1' });
  await api.prompts.push({ service: S, prompt: 'answer', messages: [{ role: 'system', content: 'You are a friendly support agent for Acme Cloud. Answer accurately.' }, { role: 'user', content: '{{question}}' }], variables, commitMessage: 'v2' });
  await api.releases.create({ service: S, model: 'poor@1', prompts: ['answer@1'] });
  // The dataset and suite rows as their own verbs write them: ten demo cases, one assertion on the fact.
  const [service] = await database.db.query.services.findMany({ where: (s, { eq: e }) => e(s.name, S) });
  const [ds] = await database.db.insert(datasets).values({ serviceId: service!.id, name: 'qa', createdBy: 'test' }).returning();
  const [dv] = await database.db.insert(datasetVersions).values({ datasetId: ds!.id, version: 1, contentHash: 'h1', caseCount: 10, source: 'api', createdBy: 'test' }).returning();
  const cases = demoCases().filter((_, i) => i % 25 === 0).slice(0, 10);
  await database.db.insert(datasetCases).values(cases.map((c, index) => ({ datasetVersionId: dv!.id, index, caseKey: `k${index}`, externalId: c.externalId, input: c.input, expected: c.expected, tags: c.tags, metadata: c.metadata })));
  const spec: EvalSuiteSpec = { description: 'facts', environments: null, dataset: { name: 'qa', version: 1 }, assertions: [{ type: 'icontains', value: '{{expected}}', metric: 'accuracy' }], threshold: 0.5, gate: { minScore: null, maxRegression: 0.02, alpha: 0.05 }, concurrency: 4, budgetUsd: null };
  const [suite] = await database.db.insert(evalSuites).values({ serviceId: service!.id, name: 'facts', createdBy: 'test' }).returning();
  await database.db.insert(evalSuiteVersions).values({ suiteId: suite!.id, version: 1, contentHash: 's1', yaml: '', spec, datasetVersionId: dv!.id, createdBy: 'test' });
  // No workflow engine here: a started run is orchestrated right away, each durable step a plain call.
  setVariationsDispatcher({ start: async (runId) => void running.push(orchestrateVariations(database.db, runId, (_id, fn) => fn())) });
}, 60_000);

afterAll(async () => {
  setVariationsDispatcher(undefined);
  await models?.close();
  await database?.close();
});

async function settle() {
  await Promise.all(running);
  running = [];
}

const matrix = { service: S, suite: 'facts', prompts: ['answer@1', 'answer@2'], models: ['good@1', 'poor@1'], params: [{ max_tokens: 300 }] };

describe('prompt variations', () => {
  it('scores every cell, follows model quality, records cost and latency per cell, and makes a release of the best', async () => {
    const started = await api.variations.start({ ...matrix, threshold: 0.9 });
    expect(started.kind).toBe('prompt-variations');
    expect(started.estimate).toMatchObject({ calls: 40, cachedCalls: 0 });
    expect(started.estimate.costUsd).toBeGreaterThan(0);
    await settle();
    const run = await api.variations.get({ service: S, number: started.number });
    expect(run.status).toBe('passed');
    expect(run.cells.map((c) => c.key)).toEqual(['p1·s1·m1', 'p1·s1·m2', 'p2·s1·m1', 'p2·s1·m2']);
    for (const c of run.cells) {
      expect(c.cases, c.key).toBe(10);
      expect(c.costUsd, c.key).toBeGreaterThan(0);
      expect(c.latencyP50Ms, c.key).toBeGreaterThan(0);
      expect(c.metrics.accuracy, c.key).toBe(c.score);
    }
    const good = run.cells.filter((c) => c.model.ref === 'good@1');
    const poor = run.cells.filter((c) => c.model.ref === 'poor@1');
    for (const g of good) expect(g.score).toBe(1);
    for (const p of poor) expect(p.score).toBeLessThan(0.7);
    // The good model is ten times the price: its cells cost more for the same cases.
    expect(Math.min(...good.map((c) => c.costUsd))).toBeGreaterThan(Math.max(...poor.map((c) => c.costUsd)));
    expect(run.best).toMatch(/·m1$/);
    expect(run.doneCalls).toBe(40);

    const release = await api.variations.createRelease({ service: S, number: run.number, cell: run.best!, source: 'ui' });
    const best = run.cells.find((c) => c.key === run.best)!;
    expect({ number: release.number, model: release.model.ref, prompts: release.prompts.map((p) => p.ref), config: release.config, source: release.source }).toEqual({ number: 2, model: 'good@1', prompts: [best.prompts[0]!.ref], config: { max_tokens: 300 }, source: 'ui' });
  });

  it('answers a rerun of the same matrix from the cache: nothing to call, nothing spent', async () => {
    const again = await api.variations.start(matrix);
    expect(again.estimate).toMatchObject({ calls: 0, cachedCalls: 40, costUsd: 0 });
    await settle();
    const run = await api.variations.get({ service: S, number: again.number });
    expect(run).toMatchObject({ status: 'passed', cacheHits: 40, costUsd: 0 });
    // Cells still show what each configuration costs.
    expect(run.cells.every((c) => c.costUsd > 0)).toBe(true);
  });

  it('refuses a matrix that is too big, an unknown model, a budget below the estimate and a foreign cell, changing nothing', async () => {
    const before = await database.db.select().from(evalRuns);
    const prompts = ['answer@1', 'answer@2', 'answer', 'answer:none', 'answer@3'];
    await expect(api.variations.start({ ...matrix, prompts, params: [{}, { temperature: 0 }, { temperature: 1 }] })).rejects.toThrow(/30 cells; at most 24/);
    await expect(api.variations.start({ ...matrix, models: ['good@1', 'nope@1'] })).rejects.toThrow(/models\[1\]/);
    await expect(api.variations.start({ ...matrix, params: [{ temperature: 0.1 }], budgetUsd: 0.000001 })).rejects.toThrow(/budgetUsd: the estimate is \$[\d.]+ for 40 calls/);
    await expect(api.variations.start({ ...matrix, suite: 'missing' })).rejects.toThrow(/suite: var-bot has no eval suite "missing"/);
    await expect(api.variations.createRelease({ service: S, number: 1, cell: 'p9·s1·m1' })).rejects.toThrow(/cell: run 1 has no cell p9·s1·m1/);
    expect(await database.db.select().from(evalRuns)).toHaveLength(before.length);
  });

  it('fails a run whose best cell is below its threshold, and lets a viewer read but not start', async () => {
    const started = await api.variations.start({ ...matrix, models: ['poor@1'], threshold: 0.99 });
    await settle();
    const run = await api.variations.get({ service: S, number: started.number });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/below the threshold 0.99/);
    const [row] = await database.db.select().from(evalRuns).where(eq(evalRuns.id, run.id));
    expect(row!.summary?.verdict.passed).toBe(false);
    const viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
    expect((await viewer.variations.get({ service: S, number: run.number })).cells).toHaveLength(2);
    await expect(viewer.variations.start(matrix)).rejects.toThrow(/evals:run/);
  });

  it('runs as a pipeline step that passes when the best cell reaches its threshold, and fails below it', async () => {
    setRunDispatcher({ start: async () => undefined, cancel: async () => undefined });
    try {
      const yaml = (models: string, threshold: number) => `stages:
  - name: gates
    steps:
      - name: variations
        type: prompt-variations
        inputs:
          suite: facts
          prompts: [answer@1, answer@2]
          models: [${models}]
          params: [{ max_tokens: 300 }]
          threshold: ${threshold}
`;
      await expect(api.pipelines.saveDefinition({ service: S, yaml: yaml('good@1', 2) })).rejects.toThrow(/line 11: stages\[0\]\.steps\[0\]\.inputs\.threshold: must be between 0 and 1/);
      await api.pipelines.saveDefinition({ service: S, yaml: yaml('good@1, poor@1', 0.9) });
      const passing = await api.pipelines.start({ service: S, release: 1, evaluateOnly: true });
      expect(await runPipelineHere(database.db, passing.id)).toEqual({ status: 'passed' });
      const step = (await api.pipelines.run({ service: S, number: passing.number })).steps.find((st) => st.type === 'prompt-variations')!;
      expect(step).toMatchObject({ status: 'passed', outputs: { best: expect.stringMatching(/·m1$/), score: 1, threshold: 0.9 } });
      expect(step.logs.map((l) => l.line).filter((l) => /^p\d·s1·m\d/.test(l))).toHaveLength(4);

      await api.pipelines.saveDefinition({ service: S, yaml: yaml('poor@1', 0.9) });
      const failing = await api.pipelines.start({ service: S, release: 1, evaluateOnly: true });
      expect(await runPipelineHere(database.db, failing.id)).toEqual({ status: 'failed' });
      const failed = (await api.pipelines.run({ service: S, number: failing.number })).steps.find((st) => st.type === 'prompt-variations')!;
      expect(failed.error).toMatch(/below the threshold 0.9/);
    } finally {
      setRunDispatcher(undefined);
    }
  });

  it('resumes after a crash without calling any finished case again', async () => {
    setVariationsDispatcher({ start: async () => undefined });
    try {
      const started = await api.variations.start({ ...matrix, params: [{ max_tokens: 250 }] });
      expect(started.estimate.cachedCalls).toBe(0);
      // The engine memoizes finished steps; the first attempt dies after its second cell.
      const memo = new Map<string, unknown>();
      let steps = 0;
      const engine = (crashAfter: number) => async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
        if (memo.has(id)) return memo.get(id) as T;
        if (steps++ === crashAfter) throw new Error('killed');
        const value = await fn();
        memo.set(id, value);
        return value;
      };
      await expect(orchestrateVariations(database.db, started.id, engine(3))).rejects.toThrow('killed');
      const half = await api.variations.get({ service: S, number: started.number });
      expect(half).toMatchObject({ status: 'running', doneCalls: 20 });
      await orchestrateVariations(database.db, started.id, engine(Infinity));
      const run = await api.variations.get({ service: S, number: started.number });
      // Every case answered once: no cache hit means no finished case was asked again.
      expect(run).toMatchObject({ status: 'passed', doneCalls: 40, cacheHits: 0 });
      expect(run.cells.every((c) => c.cases === 10)).toBe(true);
    } finally {
      setVariationsDispatcher({ start: async (runId) => void running.push(orchestrateVariations(database.db, runId, (_id, fn) => fn())) });
    }
  });
});
