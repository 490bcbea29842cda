// `slipway evals variations`: usage errors before anything is sent, and the matrix as people read it.
import { describe, expect, it } from 'vitest';
import { EXIT } from '@/server/cli/core/errors';
import { parseParams, renderVariations } from '@/server/cli/commands/variations';
import { runCli } from '@/server/cli/run';

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { SLIPWAY_URL: 'http://127.0.0.1:1' }, version: 'test' });
  return { code, stdout, stderr };
}

describe('slipway evals variations', () => {
  it('names what is wrong with the command line, sending nothing', async () => {
    const usage = async (argv: string[], message: string) => expect(await cli(['evals', 'variations', 'bot', ...argv])).toEqual({ code: EXIT.usage, stdout: '', stderr: `error: ${message}\n` });
    await usage(['--prompts', 'a@1', '--models', 'm@1'], '--suite is required');
    await usage(['--suite', 's', '--models', 'm@1'], '--prompts is required, e.g. --prompts answer@1,answer@2');
    await usage(['--suite', 's', '--prompts', 'a@1,', '--models', 'm@1'], '--prompts must be a comma-separated list, e.g. answer@1,answer@2');
    await usage(['--suite', 's', '--prompts', 'a@1', '--models', 'm@1', '--params', '{"temperature":0}'], `--params must be a non-empty JSON list of objects, e.g. '[{"temperature":0}]'`);
    await usage(['--suite', 's', '--prompts', 'a@1', '--models', 'm@1', '--threshold', '2'], '--threshold must be a number from 0 to 1');
    await usage(['--suite', 's', '--prompts', 'a@1', '--models', 'm@1', '--timeout', '5'], '--timeout needs --wait');
    await usage(['--release-from', '7'], '--release-from must be RUN:CELL, e.g. 7:p2·s1·m1');
  });

  it('reads parameter sets as a JSON list of objects', () => {
    expect(parseParams('[{"temperature":0},{"temperature":0.7,"max_tokens":64}]')).toEqual([{ temperature: 0 }, { temperature: 0.7, max_tokens: 64 }]);
    expect(parseParams(undefined)).toBeUndefined();
    expect(() => parseParams('[1]')).toThrow(/non-empty JSON list of objects/);
    expect(() => parseParams('nope')).toThrow(/must be JSON/);
  });

  it('prints the matrix with score, pass rate, cost and latency per cell, the best one starred', () => {
    const cell = (key: string, model: string, score: number, costUsd: number, p50: number) => ({
      key,
      prompts: [{ ref: 'answer@1', versionId: 'x' }],
      params: { temperature: 0 },
      model: { ref: model, versionId: 'y' },
      promptsLabel: 'answer@1',
      paramsLabel: 'temperature=0',
      cases: 10,
      score,
      passRate: score,
      errors: 0,
      cacheHits: 0,
      costUsd,
      latencyP50Ms: p50,
      metrics: {},
      complete: true,
    });
    const text = renderVariations({
      id: 'r',
      service: 'bot',
      number: 4,
      status: 'passed',
      error: null,
      suite: 'facts@1',
      release: 1,
      threshold: 0.8,
      prompts: ['answer@1'],
      params: [{ temperature: 0 }],
      models: ['m@1', 'm@2'],
      casesPerCell: 10,
      estimate: { calls: 20, cachedCalls: 0, costUsd: 0.01 },
      budgetUsd: null,
      totalCalls: 20,
      doneCalls: 20,
      cacheHits: 0,
      costUsd: 0.0123,
      cells: [cell('p1·s1·m1', 'm@1', 0.9, 0.0101, 812.4), cell('p1·s1·m2', 'm@2', 0.5, 0.0022, 390)],
      best: 'p1·s1·m1',
      createdBy: 'user:a',
      createdAt: new Date(),
      startedAt: new Date(),
      finishedAt: new Date(),
    });
    expect(text).toContain('bot run 4 (prompt variations)');
    expect(text).toMatch(/p1·s1·m1 \* +answer@1 +temperature=0 +m@1 +0\.900 +90\.0% +\$0\.0101 +812 ms +0/);
    expect(text).toMatch(/p1·s1·m2 +answer@1 +temperature=0 +m@2 +0\.500 +50\.0% +\$0\.00220 +390 ms +0/);
  });
});
