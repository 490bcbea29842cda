// `slipway gates run`: runs an environment's required gates on a release, for people and CI. Exit codes are the
// command's own contract: 0 every gate passed, 1 any failed, 2 usage or any other error (CI scripts tell a
// failing gate from a broken call by them). `--junit FILE` writes one testsuite per gate, one testcase per suite.
import { writeFileSync } from 'node:fs';
import { GATE_TYPES } from '@/db/schema';
import type { GateReport } from '@/server/services/gates/report';
import type { Group } from '../core/args';
import { CliError, EXIT, usageError } from '../core/errors';
import { table } from '../core/output';

const DEFAULT_TIMEOUT_S = 1800;
const POLL_MS = 1000;
const MAX_POLL_FAILURES = 3;
const ENDED = ['passed', 'failed', 'error', 'cancelled'];

/** `support-bot#7` → service and release. */
export function parseReleaseRef(text: string): { service: string; release: number } {
  const m = /^([a-z0-9]+(?:-[a-z0-9]+)*)#(\d+)$/.exec(text.trim());
  if (!m || !Number.isSafeInteger(Number(m[2])) || Number(m[2]) < 1) throw usageError(`"${text}" is not a release; use <service>#<number>, e.g. support-bot#7`);
  return { service: m[1]!, release: Number(m[2]) };
}

export function parseGateList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const gates = text.split(',').map((g) => g.trim()).filter(Boolean);
  if (!gates.length) throw usageError('--gate needs at least one gate, e.g. --gate eval');
  const unknown = gates.filter((g) => !(GATE_TYPES as readonly string[]).includes(g));
  if (unknown.length) throw usageError(`--gate: unknown gate ${unknown.join(', ')}; gates are ${GATE_TYPES.join(', ')}`);
  return [...new Set(gates)];
}

/** `--baseline 3`, `--baseline support-bot#3` (the same service) or `--baseline none`. */
export function parseBaseline(text: string | undefined, service: string): number | 'none' | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === 'none') return 'none';
  const bare = /^#?(\d+)$/.exec(text.trim());
  if (bare && Number(bare[1]) >= 1) return Number(bare[1]);
  const ref = /^([a-z0-9-]+)#(\d+)$/.exec(text.trim());
  if (ref && ref[1] === service && Number(ref[2]) >= 1) return Number(ref[2]);
  throw usageError(`--baseline "${text}" is not a release of ${service}; use a number, ${service}#<number> or none`);
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML: one testsuite per gate, one testcase per suite (or the gate itself when it has none). */
export function junitXml(report: { release: string; environment: string; gates: GateReport[] }): string {
  const suites = report.gates.map((g) => {
    const cases = g.suites.length
      ? g.suites.map((s) => ({ name: `${s.suite}@${s.version}`, passed: s.passed, message: s.reasons.join('; ') || s.status, detail: `run ${s.run}: ${s.status}, score ${s.score ?? '—'}${s.baseline ? ` vs ${s.baseline.release} ${s.baseline.score}` : ''}${s.pValue !== null ? `, p ${s.pValue}` : ''}` }))
      : [{ name: g.type, passed: g.passed, message: g.reasons.join('; '), detail: g.reasons.join('\n') }];
    const failures = cases.filter((c) => !c.passed).length;
    const body = cases
      .map((c) => `    <testcase classname="${xml(`${report.release}.${report.environment}.${g.type}`)}" name="${xml(c.name)}">${c.passed ? '' : `\n      <failure message="${xml(c.message)}">${xml(c.detail)}</failure>\n    `}</testcase>`)
      .join('\n');
    return `  <testsuite name="${xml(`${g.type} gate: ${report.release} → ${report.environment}`)}" tests="${cases.length}" failures="${failures}" errors="0">\n${body}\n  </testsuite>`;
  });
  const tests = report.gates.reduce((n, g) => n + Math.max(1, g.suites.length), 0);
  const failures = report.gates.reduce((n, g) => n + (g.suites.length ? g.suites.filter((s) => !s.passed).length : g.passed ? 0 : 1), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="slipway gates" tests="${tests}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}

const pct = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)}%`);

export const gatesGroup: Group = {
  name: 'gates',
  summary: 'Run the release gates an environment requires (evals against its baseline) on a release.',
  commands: [
    {
      group: 'gates',
      name: 'run',
      summary: "Run an environment's required gates on a release; exit 0 all passed, 1 any failed, 2 usage or other errors",
      details:
        'Runs the gates against the release the environment serves now (or --baseline). Without --wait it starts the runs and exits 0; with --wait it follows them and exits 0 only when every gate passed. A gate type that is not built yet is reported failed, saying so.',
      args: [{ name: 'release', description: 'the release, <service>#<number>' }],
      options: {
        environment: { type: 'string', value: '<env>', description: 'the environment whose gates to run (required)' },
        gate: { type: 'string', value: '<gate,...>', description: 'only these gates (default: the ones the environment requires)' },
        baseline: { type: 'string', value: '<release>', description: 'compare with this release instead of the one the environment serves now (or none)' },
        wait: { type: 'boolean', description: 'wait for the verdict: exit 0 when every gate passed, 1 when any failed' },
        timeout: { type: 'string', value: '<seconds>', description: `with --wait, give up after this long and exit 2 (default ${DEFAULT_TIMEOUT_S})` },
        junit: { type: 'string', value: '<file>', description: 'with --wait, also write the verdict as JUnit XML to this file' },
      },
      examples: ['slipway gates run support-bot#7 --environment production --wait', 'slipway gates run support-bot#7 --environment staging --gate eval --wait --json --junit gates.xml'],
      errorExit: EXIT.usage,
      async run({ args, options, out, api }) {
        const { service, release } = parseReleaseRef(args.release!);
        const environment = options.string('environment');
        if (!environment) throw usageError('--environment is required: the environment whose gates to run');
        const gates = parseGateList(options.string('gate'));
        const baseline = parseBaseline(options.string('baseline'), service);
        const wait = options.flag('wait');
        const junit = options.string('junit');
        const timeoutText = options.string('timeout');
        if (junit !== undefined && !wait) throw usageError('--junit needs --wait (the verdict is written when the runs end)');
        if (timeoutText !== undefined && !wait) throw usageError('--timeout needs --wait');
        const timeoutS = timeoutText === undefined ? DEFAULT_TIMEOUT_S : Number(timeoutText);
        if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw usageError('--timeout must be a number of seconds greater than 0');

        const started = await api().gates.run.mutate({ service, release, environment, gates: gates as never, baseline });
        const runs = started.gates.flatMap((g) => g.runs.map((r) => r.number));
        if (!wait) {
          out.result(started, () =>
            table(
              ['GATE', 'STARTED'],
              started.gates.map((g) => [g.type, g.message ?? `eval run${g.runs.length > 1 ? 's' : ''} ${g.runs.map((r) => r.number).join(', ')}`]),
            ) + `follow    slipway gates run ${started.release} --environment ${started.environment} --wait (or slipway evals status)\n`,
          );
          return;
        }
        const deadline = Date.now() + timeoutS * 1000;
        for (let failures = 0; ; ) {
          try {
            const states = await Promise.all(runs.map((number) => api().evals.getRun.query({ service, number })));
            failures = 0;
            if (states.every((r) => ENDED.includes(r.status))) break;
          } catch (err) {
            if (++failures >= MAX_POLL_FAILURES) throw err;
          }
          if (Date.now() >= deadline) throw new CliError(`stopped waiting after ${timeoutS} s: the gate runs ${runs.join(', ')} go on`, EXIT.usage);
          await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
        }
        const report = await api().gates.report.query({ service, release, environment: started.environment, gates: started.gates.map((g) => g.type), runs });
        const json = { release: report.release, environment: report.environment, passed: report.passed, gates: report.gates };
        if (junit) writeFileSync(junit, junitXml(report));
        out.result(json, () =>
          table(
            ['GATE', 'RESULT', 'SCORE', 'BASELINE', 'P-VALUE', 'REASONS'],
            report.gates.map((g) => [g.type, g.passed ? 'passed' : 'failed', pct(g.score), g.baseline ? `${g.baseline.release} ${pct(g.baseline.score)}` : '—', g.pValue === null ? '—' : g.pValue.toPrecision(3), g.reasons.join('; ') || '—']),
          ) + `${report.passed ? 'passed' : 'failed'}    ${report.release} → ${report.environment}\n`,
        );
        if (!report.passed) {
          const failed = report.gates.filter((g) => !g.passed).map((g) => `${g.type}${g.reasons.length ? ` (${g.reasons[0]})` : ''}`);
          throw new CliError(`gates failed for ${report.release} → ${report.environment}: ${failed.join('; ')}`, EXIT.api, true);
        }
      },
    },
  ],
};
