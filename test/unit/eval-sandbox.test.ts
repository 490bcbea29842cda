// The sandbox that runs suites' JavaScript and regular expressions: time and memory limits, nothing of the
// app in reach, and a fresh worker after one is lost.
import { afterAll, describe, expect, it } from 'vitest';
import { closeSandbox, compileExpression, runExpression, runRegex } from '@/server/evals/sandbox';

afterAll(() => closeSandbox());

const scope = { output: 'Hello world', expected: 'hello', vars: { a: 1 }, input: { variables: { a: 1 } }, metadata: {}, tags: [] };

describe('the eval sandbox', () => {
  it('runs expressions and function bodies', async () => {
    expect(await runExpression('output.toLowerCase().startsWith(expected)', scope)).toEqual({ ok: true, value: true });
    expect(await runExpression('const n = output.length;\nreturn { pass: n > 3, score: 0.5, reason: `len ${n}` };', scope)).toEqual({ ok: true, value: { pass: true, score: 0.5, reason: 'len 11' } });
    expect(compileExpression('output.(')).toHaveProperty('error');
    expect(await runExpression('output.length > 3;', scope)).toEqual({ ok: true, value: true });
  });

  it('stops an endless loop at the time limit, and the next call still works', async () => {
    const started = Date.now();
    expect(await runExpression('while (true) {}', scope, { timeoutMs: 200 })).toEqual({ ok: false, error: 'timed out after 200 ms' });
    expect(Date.now() - started).toBeLessThan(3000);
    // Promise jobs are part of the same evaluation and bounded by it too.
    expect(await runExpression('(() => { const loop = () => Promise.resolve().then(loop); loop(); return true; })()', scope, { timeoutMs: 200 })).toEqual({ ok: false, error: 'timed out after 200 ms' });
    expect(await runExpression('1', scope)).toEqual({ ok: true, value: 1 });
  });

  it('stops code that allocates without bound at the memory limit', async () => {
    const r = await runExpression('const a = []; while (true) a.push(new Array(100000).fill(1.5));', scope, { timeoutMs: 8000, memoryMb: 32 });
    expect(r).toEqual({ ok: false, error: 'ran out of memory (limit 32 MB)' });
    expect(await runExpression('output.length', scope, { memoryMb: 32 })).toEqual({ ok: true, value: 11 });
  }, 20_000);

  it('offers nothing of the app: no process, require, import, eval or Function from strings, no environment', async () => {
    expect(await runExpression('[typeof process, typeof require, typeof module, typeof Buffer, typeof fetch, typeof setTimeout].join()', scope)).toEqual({
      ok: true,
      value: 'undefined,undefined,undefined,undefined,undefined,undefined',
    });
    for (const attempt of ['globalThis.constructor.constructor("return process")()', 'eval("1 + 1")', 'new Function("return 1")()', '(() => {}).constructor("return this")()', 'output.constructor.constructor("return process")()']) {
      const r = await runExpression(attempt, scope);
      expect(r.ok, attempt).toBe(false);
      expect((r as { error: string }).error, attempt).toMatch(/threw EvalError: Code generation from strings disallowed/);
    }
    const dynamicImport = await runExpression('import("node:fs")', scope);
    expect(dynamicImport.ok).toBe(false);
    // Each call gets a fresh context: what one call leaves behind, the next does not see.
    await runExpression('(globalThis.leak = 42, true)', scope);
    expect(await runExpression('typeof globalThis.leak', scope)).toEqual({ ok: true, value: 'undefined' });
  });

  it('reports throws, promises and functions as errors', async () => {
    expect(await runExpression('(() => { throw new RangeError("too far") })()', scope)).toEqual({ ok: false, error: 'threw RangeError: too far' });
    expect(await runExpression('(() => { throw "plain" })()', scope)).toEqual({ ok: false, error: 'threw plain' });
    expect(await runExpression('Promise.resolve(true)', scope)).toEqual({ ok: false, error: 'returned a promise; return the value itself' });
    expect(await runExpression('() => true', scope)).toEqual({ ok: false, error: 'returned a function' });
  });

  it('runs regular expressions, cutting off catastrophic backtracking', async () => {
    expect(await runRegex('wor', 'i', 'Hello WORLD')).toEqual({ ok: true, value: true });
    expect(await runRegex('^(a+)+$', '', `${'a'.repeat(40)}b`, { timeoutMs: 300 })).toEqual({ ok: false, error: 'timed out after 300 ms' });
  });

  it('runs calls side by side, and a cancelled run stops waiting', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runExpression(`vars.a + ${i}`, scope)));
    expect(results.map((r) => (r as { value: number }).value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const controller = new AbortController();
    const pending = runExpression('while (true) {}', scope, { timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    await expect(pending).rejects.toThrow('run cancelled');
  });
});
