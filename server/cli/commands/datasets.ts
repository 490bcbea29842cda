// `slipway datasets …`: push a file of eval cases as a dataset version (checked here first, so a bad file is
// refused with its lines before anything is sent; identical cases create nothing), list a service's datasets, and
// show one version with its cases.
import type { Group } from '../core/args';
import { usageError } from '../core/errors';
import { pairs, table, time, truncate } from '../core/output';
import { apiBackend } from '../manifest/api-backend';
import { Report, syncDatasets } from '../manifest/apply';
import { loadDatasetFile } from '../manifest/load';
import { withReport } from './sync';

/** `support-bot/faq` or `support-bot/faq@3`. */
export function parseDatasetRef(ref: string): { service: string; name: string; version?: number } {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+)(?:@(\d+))?$/.exec(ref.trim());
  if (!m || m[3] === '0') throw usageError(`"${ref}" is not a dataset; use <service>/<name> or <service>/<name>@<version>, e.g. support-bot/faq@2`);
  return { service: m[1]!, name: m[2]!, ...(m[3] ? { version: Number(m[3]) } : {}) };
}

type CaseRow = { index: number; externalId: string | null; input: { variables?: Record<string, unknown>; messages?: { role: string; content: string }[] }; expected: string | null; tags: string[] };

/** A case's input in one line: its variables, or its last message. */
export function inputText(c: CaseRow): string {
  if (c.input.variables && Object.keys(c.input.variables).length) return Object.entries(c.input.variables).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const last = c.input.messages?.at(-1);
  return last ? `[${last.role}] ${last.content}` : '';
}

export const datasetsGroup: Group = {
  name: 'datasets',
  summary: 'Push datasets of eval cases and look at them.',
  commands: [
    {
      group: 'datasets',
      name: 'push',
      summary: 'Push a JSONL, CSV or YAML file of cases as a dataset version; identical cases create nothing',
      details:
        'Each case has variables (for the prompt) or messages (sent as they are), and optionally id, expected, tags\n' +
        'and metadata. JSONL: one JSON object per line. YAML or JSON: a list of cases, or cases: with the list.\n' +
        'CSV: a header row; columns vars.<name> (or any plain name) are variables, expected, tags (split on ; or |),\n' +
        'metadata.<key>, id, and messages (a JSON list). The file is checked before it is sent: every problem is\n' +
        'printed with its line, and nothing is pushed (exit 2).',
      args: [{ name: 'file', description: 'the file of cases (.jsonl, .csv, .yaml, .yml or .json)' }],
      options: {
        service: { type: 'string', short: 's', value: '<service>', description: 'the service the dataset belongs to' },
        name: { type: 'string', short: 'n', value: '<name>', description: 'the dataset (created on first push)' },
        message: { type: 'string', short: 'm', value: '<text>', description: 'commit message of the new version' },
        description: { type: 'string', value: '<text>', description: "the dataset's description" },
        'dry-run': { type: 'boolean', description: 'check the file and say whether it would make a new version, without pushing' },
      },
      examples: ['slipway datasets push evals/faq.jsonl --service support-bot --name faq -m "Refund questions"'],
      async run({ args, options, out, api }) {
        const service = options.required('service');
        const name = options.required('name');
        const file = args.file!;
        const { content, cases } = loadDatasetFile(file, file);
        const client = api();
        await client.services.get.query({ name: service });
        const report = new Report(options.flag('dry-run'));
        const message = options.string('message');
        await withReport(out, report, () =>
          syncDatasets(apiBackend(client), service, [{ name, description: options.string('description'), file, content, cases }], report, {
            dryRun: report.dryRun,
            reason: message ?? '',
            commitMessage: message ?? '',
            source: 'cli',
            serviceExists: true,
          }),
        );
      },
    },
    {
      group: 'datasets',
      name: 'list',
      summary: "List a service's datasets with their newest version and case count",
      options: { service: { type: 'string', short: 's', value: '<service>', description: 'the service' } },
      async run({ options, out, api }) {
        const service = options.required('service');
        const list = await api().datasets.list.query({ service });
        out.result(list, () =>
          table(
            ['DATASET', 'LATEST', 'CASES', 'VERSIONS', 'PUSHED', 'MESSAGE'],
            list.map((d) => [d.name, d.latest ? `v${d.latest.version}` : '—', d.latest ? String(d.latest.caseCount) : '—', String(d.versionCount), time(d.latest?.createdAt), truncate(d.latest?.commitMessage ?? '', 60)]),
            `No datasets in ${service} yet. Push one with: slipway datasets push cases.jsonl --service ${service} --name <name>`,
          ),
        );
      },
    },
    {
      group: 'datasets',
      name: 'show',
      summary: 'Show a dataset version (the newest unless @version) with its cases',
      args: [{ name: 'dataset', description: '<service>/<name> or <service>/<name>@<version>' }],
      options: {
        search: { type: 'string', value: '<text>', description: 'only cases whose input, expected answer, tags or id contain this' },
        limit: { type: 'string', value: '<n>', description: 'cases to print (default 20, at most 200)' },
      },
      examples: ['slipway datasets show support-bot/faq', 'slipway datasets show support-bot/faq@2 --search refund --json'],
      async run({ args, options, out, api }) {
        const ref = parseDatasetRef(args.dataset!);
        const limitText = options.string('limit') ?? '20';
        const limit = Number(limitText);
        if (!/^\d+$/.test(limitText) || limit < 1 || limit > 200) throw usageError('--limit must be a whole number from 1 to 200');
        const client = api();
        const [dataset, page] = await Promise.all([client.datasets.get.query({ service: ref.service, name: ref.name }), client.datasets.cases.query({ ...ref, search: options.string('search'), limit })]);
        const v = page.version;
        const { versions, ...info } = dataset;
        out.result({ dataset: info, versions, version: v, total: page.total, cases: page.cases }, () => {
          const head = pairs([
            ['Dataset', `${ref.service}/${ref.name}@${v.version}${v.version === versions[0]?.version ? ' (newest)' : ''}`],
            ['Cases', String(v.caseCount)],
            ['Source', `${v.source}${v.fileName ? ` (${v.fileName})` : ''}`],
            ['Pushed', `${time(v.createdAt)} by ${v.createdBy}`],
            ['Message', v.commitMessage || '—'],
            ['Content', v.contentHash.slice(0, 12)],
            ['Versions', versions.map((x) => `v${x.version}`).join(', ')],
          ]);
          const rows = page.cases.map((c) => [String(c.index), c.externalId ?? '—', truncate(inputText(c), 50), truncate(c.expected ?? '—', 40), c.tags.join(', ') || '—']);
          const shown = page.total > page.cases.length ? `${page.cases.length} of ${page.total} cases${options.string('search') ? ' matching' : ''}; --limit shows more\n` : '';
          return `${head}\n${table(['#', 'ID', 'INPUT', 'EXPECTED', 'TAGS'], rows, options.string('search') ? 'No cases match.' : '(no cases)')}${shown}`;
        });
      },
    },
  ],
};
