// `slipway drift report`: an environment's latest drift report (or one computed now with --run): its windows,
// each feature's method, statistic, threshold and verdict, and the text classifiers' AUCs and top n-grams.
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';
import { textFeature } from '@/server/drift';
import type { Group } from '../core/args';
import { usageError } from '../core/errors';
import { pairs, table, time, truncate } from '../core/output';
import { driftReferenceCommand } from './drift-reference';

type Report = inferRouterOutputs<AppRouter>['drift']['reports']['reports'][number];

const num = (n: number | null | undefined, digits = 3): string => (n === null || n === undefined || !Number.isFinite(n) ? '—' : Math.abs(n) >= 1000 ? n.toFixed(0) : Number(n.toPrecision(digits)).toString());
const pValue = (p: number | null) => (p === null ? '—' : p < 0.0001 ? '<0.0001' : num(p));

function statusLine(r: Report): string {
  if (r.status === 'failed') return `failed: ${r.error ?? 'unknown error'}`;
  if (r.status === 'insufficient') return 'insufficient (too few requests to test any feature)';
  const tested = r.features.filter((f) => !f.skipped).length + r.text.filter((t) => !t.skipped).length;
  const drifted = r.features.filter((f) => f.drifted).length + r.text.filter((t) => t.drifted).length;
  const share = r.driftedShare === null ? '' : ` (${drifted} of ${tested} tested features drifted, ${Math.round(r.driftedShare * 100)}%; dataset drift at ${Math.round(r.settings.datasetDriftShare * 100)}%)`;
  return `${r.status === 'drift' ? 'DRIFT' : 'no drift'}${share}`;
}

const windowLine = (w: Report['current']) => `${w.label}: ${time(w.from)} – ${time(w.to)} (${w.rows}${w.total > w.rows ? ` sampled of ${w.total}` : ''} rows)`;

/** The human rendering of one report. */
export function renderReport(r: Report): string {
  const head = pairs([
    ['report', r.id],
    ['environment', `${r.service}/${r.environment}${r.releaseNumber !== null ? ` (release #${r.releaseNumber}'s arm)` : ''}`],
    ['status', statusLine(r)],
    ['reference', `${r.reference.kind}, ${windowLine(r.reference)}`],
    ['current', windowLine(r.current)],
    ['created', `${time(r.createdAt)} (${r.trigger}${r.requestedBy ? ` by ${r.requestedBy}` : ''}, ${r.durationMs} ms)`],
  ]);
  if (r.status === 'failed') return head;
  const features = table(
    ['FEATURE', 'METHOD', 'STATISTIC', 'THRESHOLD', 'P-VALUE', 'PSI', 'REF MEAN', 'CUR MEAN', 'DRIFTED'],
    r.features.map((f) => [f.feature, f.method, f.skipped ? '—' : num(f.statistic), num(f.threshold), pValue(f.pValue), num(f.psi), num(f.referenceMean), num(f.currentMean), f.skipped ? `skipped: ${f.skipped}` : f.drifted ? 'yes' : 'no']),
  );
  const text = table(
    ['TEXT', 'METHOD', 'AUC', 'THRESHOLD', 'ROWS', 'DRIFTED', 'TOP N-GRAMS'],
    r.text.map((t) => [
      textFeature(t),
      t.method,
      num(t.auc),
      num(t.threshold),
      `${t.referenceRows}/${t.currentRows}`,
      t.skipped ? `skipped: ${t.skipped}` : t.drifted ? 'yes' : 'no',
      truncate(
        t.topNgrams
          .slice(0, 5)
          .map((g) => `"${g.ngram}" ${g.weight > 0 ? '+' : ''}${num(g.weight, 2)}`)
          .join(', ') || '—',
        90,
      ),
    ]),
    '(no text samples)',
  );
  return `${head}\n${features}\n${text}`;
}

export const driftGroup: Group = {
  name: 'drift',
  summary: "Drift reports: an environment's traffic now against its reference window, feature by feature.",
  commands: [
    {
      group: 'drift',
      name: 'report',
      summary: "Show an environment's latest drift report, or compute one now with --run",
      details:
        'Prints the environment-wide report: both windows, each feature with its method (KS, chi-squared or z-test up to 1000 reference rows, normed Wasserstein or Jensen-Shannon above), statistic, threshold, p-value, PSI and verdict, and text drift (domain-classifier ROC AUC against its threshold, with the top n-grams). With --run the reports are computed first, per release arm too when several releases served.',
      args: [{ name: 'service', description: 'the service' }],
      options: {
        environment: { type: 'string', short: 'e', value: '<env>', description: 'the environment (required)' },
        run: { type: 'boolean', description: 'compute the reports now (needs the environments:deploy scope), then show them' },
      },
      examples: ['slipway drift report support-bot --environment production', 'slipway drift report support-bot --environment production --run --json'],
      async run({ args, options, out, api }) {
        const service = args.service!;
        const environment = options.string('environment');
        if (!environment) throw usageError('--environment is required, e.g. --environment production');
        if (options.flag('run')) {
          const reports = await api().drift.run.mutate({ service, environment });
          const whole = reports.find((r) => r.releaseNumber === null) ?? reports[0]!;
          const arms = reports.filter((r) => r !== whole);
          out.result(reports, () => [renderReport(whole), ...arms.map((a) => `\n${renderReport(a)}`)].join(''));
          return;
        }
        const page = await api().drift.reports.query({ service, environment, limit: 50 });
        const latest = page.reports.find((r) => r.releaseNumber === null) ?? null;
        if (!latest) {
          out.result(null, () => `No drift report yet for ${service}/${environment}; add --run to compute one.\n`);
          return;
        }
        out.result(latest, () => renderReport(latest));
      },
    },
    driftReferenceCommand,
  ],
};
