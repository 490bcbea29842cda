// `slipway gates run`: what it accepts (release, gates, baseline) and the JUnit XML it writes, escaped.
import { describe, expect, it } from 'vitest';
import { junitXml, parseBaseline, parseGateList, parseReleaseRef } from '@/server/cli/commands/gates';
import { CliError } from '@/server/cli/core/errors';

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return { code: err.exitCode, message: err.message };
    throw err;
  }
  throw new Error('expected a usage error');
};

describe('gates run arguments', () => {
  it('reads service#release, a gate list and a baseline, and names what is wrong', () => {
    expect(parseReleaseRef('support-bot#7')).toEqual({ service: 'support-bot', release: 7 });
    expect(usage(() => parseReleaseRef('support-bot#0'))).toEqual({ code: 2, message: '"support-bot#0" is not a release; use <service>#<number>, e.g. support-bot#7' });
    expect(parseGateList('eval, safety,eval')).toEqual(['eval', 'safety']);
    expect(parseGateList(undefined)).toBeUndefined();
    expect(usage(() => parseGateList(' , '))).toMatchObject({ code: 2, message: '--gate needs at least one gate, e.g. --gate eval' });
    expect(parseBaseline('3', 'bot')).toBe(3);
    expect(parseBaseline('bot#4', 'bot')).toBe(4);
    expect(parseBaseline('none', 'bot')).toBe('none');
    expect(usage(() => parseBaseline('0', 'bot'))).toMatchObject({ code: 2 });
  });
});

describe('JUnit XML', () => {
  it('has one testsuite per gate and one testcase per suite, failures with their reasons, escaped', () => {
    const xml = junitXml({
      release: 'bot#3',
      environment: 'production',
      gates: [
        {
          type: 'eval',
          passed: false,
          score: 0.6,
          baseline: { release: 'bot#2', score: 0.9 },
          pValue: 0.001,
          reasons: ['score < 0.8 & "regressed"'],
          suites: [
            { type: 'eval', suite: 'accuracy', version: 2, run: 5, status: 'failed', passed: false, score: 0.6, baseline: { release: 'bot#2', score: 0.9 }, pValue: 0.001, reasons: ['score < 0.8 & "regressed"'] },
            { type: 'eval', suite: 'format', version: 1, run: 6, status: 'passed', passed: true, score: 1, baseline: { release: 'bot#2', score: 1 }, pValue: 1, reasons: [] },
          ],
        },
        { type: 'load-test', passed: false, score: null, baseline: null, pValue: null, reasons: ['the load-test gate is not built yet; an admin may override'], suites: [] },
      ],
    });
    expect(xml).toContain('<testsuites name="slipway gates" tests="3" failures="2">');
    expect(xml).toContain('<testsuite name="eval gate: bot#3 → production" tests="2" failures="1" errors="0">');
    expect(xml).toContain('<failure message="score &lt; 0.8 &amp; &quot;regressed&quot;">run 5: failed, score 0.6 vs bot#2 0.9, p 0.001</failure>');
    expect(xml).toContain('<testcase classname="bot#3.production.eval" name="format@1"></testcase>');
    expect(xml).toContain('<testsuite name="load-test gate: bot#3 → production" tests="1" failures="1" errors="0">');
  });
});
