// `slipway smoke run`: runs an environment's smoke tests now (its suite's first cases through the gateway, on every
// release it routes) and prints each case. Exit 0 when every case passed, 1 when any failed or the run could not
// run, 2 usage errors.
import type { Group } from '../core/args';
import { CliError, EXIT, usageError } from '../core/errors';
import { table } from '../core/output';

const ENDED = ['passed', 'failed', 'error'];
const POLL_MS = 1000;
const WAIT_S = 600;

export const smokeGroup: Group = {
  name: 'smoke',
  summary: "Run an environment's smoke tests through the gateway.",
  commands: [
    {
      group: 'smoke',
      name: 'run',
      summary: "Run an environment's smoke tests now; exit 0 passed, 1 failed",
      details:
        "Sends the first cases of the environment's smoke suite (production checks) through the gateway to every release it routes now, scored with the suite's assertions. The requests are synthetic: left out of the environment's metrics, cost, alerts and analysis.",
      args: [{ name: 'service', description: 'the service' }],
      options: { environment: { type: 'string', value: '<env>', description: 'the environment to test (required)' } },
      examples: ['slipway smoke run support-bot --environment production', 'slipway smoke run support-bot --environment staging --json'],
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = options.string('environment');
        if (!environment) throw usageError('--environment is required: the environment whose smoke tests to run');
        let run = await api().smoke.run.mutate({ service, environment });
        // The server answers once the run ended; should it have answered sooner, follow the run.
        for (const deadline = Date.now() + WAIT_S * 1000; !ENDED.includes(run.status) && Date.now() < deadline; ) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          run = await api().smoke.get.query({ id: run.id });
        }
        const label = `${service}/${environment}`;
        out.result(run, () =>
          (run.results.length
            ? table(
                ['RELEASE', 'CASE', 'RESULT', 'STATUS', 'SCORE', 'LATENCY', 'REASON'],
                run.results.map((r) => [r.releaseNumber === null ? '—' : `#${r.releaseNumber}`, String(r.caseIndex), r.pass ? 'passed' : 'failed', String(r.status || '—'), r.score.toFixed(2), `${r.latencyMs} ms`, r.reason]),
              )
            : '') + `${run.status}    ${label}: ${run.passed} of ${run.cases} case${run.cases === 1 ? '' : 's'} passed${run.error ? ` (${run.error})` : ''}\n`,
        );
        if (run.status !== 'passed') {
          const why = run.error ?? `${run.cases - run.passed} of ${run.cases} cases failed`;
          throw new CliError(`smoke tests of ${label} ${run.status === 'error' ? 'could not run' : 'failed'}: ${why}`, EXIT.api, true);
        }
      },
    },
  ],
};
