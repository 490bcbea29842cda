// `slipway prompts …`: push prompt versions from a YAML file (content-addressed, so unchanged prompts create
// nothing) and list a service's prompts.
import type { Group } from '../core/args';
import { table } from '../core/output';
import { apiBackend } from '../core/manifest-backend';
import { Report, syncPrompts } from '@/server/manifest/apply';
import { loadPromptsFile } from '@/server/manifest/load';
import { gitShaOption, withReport } from './sync';

export const promptsGroup: Group = {
  name: 'prompts',
  summary: 'Push prompt versions and list prompts.',
  commands: [
    {
      group: 'prompts',
      name: 'push',
      summary: 'Push the prompts described in a YAML file; unchanged content creates no version',
      details:
        'The file holds one prompt (name, messages, variables, params, responseSchema, description, commitMessage,\n' +
        'labels) or `prompts:` with a list of them; an entry may instead say `file: <path>` to read its content from\n' +
        'a file next to it. Labels listed on a prompt are moved to the pushed version.',
      args: [{ name: 'service', description: 'the service the prompts belong to' }],
      options: {
        file: { type: 'string', short: 'f', value: '<file>', description: 'YAML file describing the prompts' },
        message: { type: 'string', short: 'm', value: '<text>', description: 'commit message for prompts whose entry has none' },
        'git-sha': { type: 'string', value: '<sha>', description: 'git commit recorded on the pushed versions' },
        'dry-run': { type: 'boolean', description: 'show what would be pushed without pushing' },
      },
      examples: ['slipway prompts push support-bot --file prompts.yaml -m "Shorter answers"'],
      async run({ args, options, out, api }) {
        const gitSha = gitShaOption(options);
        const message = options.string('message');
        const prompts = loadPromptsFile(options.required('file')).map((p) => (message && !p.content.commitMessage ? { ...p, content: { ...p.content, commitMessage: message } } : p));
        const client = api();
        // Fail on a missing service before anything else, with the server's own message.
        await client.services.get.query({ name: args.service! });
        const report = new Report(options.flag('dry-run'));
        await withReport(out, report, () => syncPrompts(apiBackend(client), args.service!, prompts, report, { dryRun: report.dryRun, reason: `pushed from ${options.string('file')}`, gitSha, serviceExists: true }));
      },
    },
    {
      group: 'prompts',
      name: 'list',
      summary: "List a service's prompts with their newest version and labels",
      args: [{ name: 'service', description: 'the service' }],
      async run({ args, out, api }) {
        const prompts = await api().prompts.list.query({ service: args.service! });
        out.result(prompts, () =>
          table(
            ['PROMPT', 'LATEST', 'VERSIONS', 'LABELS', 'MESSAGE'],
            prompts.map((p) => [p.name, p.latest ? `v${p.latest.version}` : '—', String(p.versionCount), p.labels.map((l) => `${l.name}→v${l.version}`).join(', ') || '—', p.latest?.commitMessage ?? '']),
            `No prompts in ${args.service} yet. Push some with: slipway prompts push ${args.service} --file prompts.yaml`,
          ),
        );
      },
    },
  ],
};
