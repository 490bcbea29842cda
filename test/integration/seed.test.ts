// The demo a new user sees on the first embedded start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAnyService, seedDemo } from '@/server/seed';
import { callerFor } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

describe('the demo', () => {
  it('has support-bot with three model versions, three prompt versions, three releases and running environments', async () => {
    expect(await hasAnyService(database.db)).toBe(false);
    await seedDemo(database.db);
    expect(await hasAnyService(database.db)).toBe(true);
    const api = callerFor(database.db, { kind: 'system', job: 'test' });
    const model = await api.models.get({ name: 'support-llm' });
    expect(model.versions.map((v) => [v.version, v.status, v.upstreamModel])).toEqual([
      [3, 'registered', 'ref-degraded'],
      [2, 'registered', 'ref-small-v2'],
      [1, 'validated', 'ref-small'],
    ]);
    const prompts = await api.prompts.list({ service: 'support-bot' });
    expect(prompts.reduce((n, p) => n + p.versionCount, 0)).toBe(3);
    expect((await api.releases.list({ service: 'support-bot' })).map((r) => [r.ref, r.model, r.prompts])).toEqual([
      ['support-bot#3', 'support-llm@3', ['answer@2', 'tone@1']],
      ['support-bot#2', 'support-llm@2', ['answer@2', 'tone@1']],
      ['support-bot#1', 'support-llm@1', ['answer@1']],
    ]);
    const service = await api.services.get({ name: 'support-bot' });
    expect(service.environments.map((e) => [e.name, e.current?.routes.map((r) => r.releaseNumber)])).toEqual([
      ['dev', [2]],
      ['staging', [2]],
      ['production', [1]],
    ]);
    // Production requires every gate that judges answers; staging the eval gate.
    expect(service.environments.map((e) => [e.name, e.protection.requiredGates])).toEqual([
      ['dev', []],
      ['staging', ['eval']],
      ['production', ['eval', 'safety', 'injection']],
    ]);
    const gates = await api.gates.status({ service: 'support-bot', release: 3, environment: 'production' });
    expect(gates.gates.map((g) => [g.gate, g.state])).toEqual([
      ['eval', 'missing'],
      ['safety', 'missing'],
      ['injection', 'missing'],
    ]);
    const rendered = await api.prompts.render({ service: 'support-bot', prompt: 'answer', label: 'staging', variables: { question: 'How do I reset my password?' } });
    expect(rendered.messages.map((m) => m.role)).toEqual(['system', 'system', 'user']);
    expect(rendered.messages[1]!.content).toContain('Acme Cloud');
    expect((await api.releases.diff({ service: 'support-bot', from: 1, to: 2 })).prompts.map((p) => [p.name, p.change])).toEqual([
      ['answer', 'changed'],
      ['tone', 'added'],
    ]);
  });

  it('watches staging and production: samples, online evals, smoke tests, and a retraining webhook on drift', async () => {
    const api = callerFor(database.db, { kind: 'system', job: 'test' });
    for (const [environment, percent] of [
      ['staging', 50],
      ['production', 10],
    ] as const) {
      const view = await api.checks.get({ service: 'support-bot', environment });
      expect(view.checks.onlineEvals).toEqual({ enabled: true, suite: 'support-live', samplePercent: percent, dailyBudgetUsd: 1 });
      expect(view.checks.smoke).toMatchObject({ enabled: true, suite: 'support-answers', cases: 3, afterRollouts: true });
      expect(view.triggers.map((t) => t.id)).toEqual(['dataset-drift', 'smoke-failed', 'feedback-drop', 'retrain-on-drift']);
      expect(view.triggers[3]!.actions.webhook).toEqual({ url: 'http://127.0.0.1:4010/retrain', secret: 'retrain-signing' });
    }
    const secrets = await api.secrets.list();
    expect(secrets.find((s) => s.name === 'retrain-signing')).toMatchObject({ purposes: ['webhook_signing'], services: ['support-bot'], origin: 'http://127.0.0.1:4010' });
  });

  it('ships the eval content: two datasets of demo cases, two suites on them, an injection suite, a safety suite, and a grader model version', async () => {
    const api = callerFor(database.db, { kind: 'system', job: 'test' });
    const datasets = await api.datasets.list({ service: 'support-bot' });
    expect(datasets.map((d) => [d.name, d.latest?.version, d.latest?.caseCount, d.latest?.source])).toEqual([
      ['support-json', 1, 42, 'seed'],
      ['support-questions', 1, 210, 'seed'],
    ]);
    const suites = await api.evals.listSuites({ service: 'support-bot' });
    expect(suites.map((s) => [s.name, s.type, s.version, s.dataset, s.assertions])).toEqual([
      ['prompt-injection', 'injection', 1, null, 0],
      ['safety', 'safety', 1, null, 0],
      ['support-answers', 'eval', 1, { name: 'support-questions', version: 1 }, 2],
      ['support-json', 'eval', 1, { name: 'support-json', version: 1 }, 2],
      ['support-live', 'eval', 1, { name: 'support-questions', version: 1 }, 2],
    ]);
    // support-live scores live answers and decides no gate: production's eval gate still has one suite.
    expect((await api.evals.getSuite({ service: 'support-bot', name: 'support-live' })).current?.spec.environments).toEqual([]);
    const answers = await api.evals.getSuite({ service: 'support-bot', name: 'support-answers' });
    expect(JSON.stringify(answers)).toContain('grader@1');
    const grader = await api.models.get({ name: 'grader' });
    expect(grader.versions.map((v) => [v.version, v.upstreamModel])).toEqual([[1, 'ref-grader']]);
  });
});
