// `slipway releases …`: create an immutable release from a model version and prompt versions, and list releases.
import { jsonObject } from '@/server/services/registry-shared';
import type { Group } from '../core/args';
import { usageError } from '../core/errors';
import { parseWith, readSourceFile } from '@/server/manifest/files';
import { pairs, table, time, truncate } from '../core/output';
import { gitShaOption } from './sync';

/** `name@3` and `name:label` pass through; `name@production` is read as the label it plainly means. */
export function normaliseRef(ref: string, option: string): string {
  const trimmed = ref.trim();
  const labelAfterAt = /^([a-z0-9-]+)@([a-z][a-z0-9-]*)$/.exec(trimmed);
  const normalised = labelAfterAt ? `${labelAfterAt[1]}:${labelAfterAt[2]}` : trimmed;
  if (!/^[a-z0-9-]+(@\d+|:[a-z0-9-]+)?$/.test(normalised)) throw usageError(`${option} "${ref}" is not a reference: use name@<version> or name:<label>`);
  return normalised;
}

export const releasesGroup: Group = {
  name: 'releases',
  summary: 'Create and list releases (a model version, prompt versions and config, numbered per service).',
  commands: [
    {
      group: 'releases',
      name: 'create',
      summary: 'Create a release; labels are resolved now and pinned to their versions',
      args: [{ name: 'service', description: 'the service' }],
      options: {
        model: { type: 'string', value: '<model@version>', description: 'model version, e.g. support-llm@3 or support-llm:production' },
        prompt: { type: 'string', value: '<name@version>', multiple: true, description: 'prompt version, e.g. answer@2 or answer:staging' },
        config: { type: 'string', value: '<file>', description: 'YAML or JSON file with config overrides' },
        notes: { type: 'string', value: '<text>', description: 'release notes' },
        'git-sha': { type: 'string', value: '<sha>', description: 'git commit the release was built from' },
      },
      examples: ['slipway releases create support-bot --model support-llm@2 --prompt answer@4 --prompt tone:production --notes "Cheaper model"'],
      async run({ args, options, out, api }) {
        const model = normaliseRef(options.required('model'), '--model');
        const prompts = options.strings('prompt').map((p) => normaliseRef(p, '--prompt'));
        const configFile = options.string('config');
        const config = configFile ? parseWith(jsonObject, readSourceFile(configFile)) : undefined;
        const gitSha = gitShaOption(options);
        const release = await api().releases.create.mutate({ service: args.service!, model, prompts, config, notes: options.string('notes'), gitSha, source: 'cli' });
        out.result(release, () =>
          pairs([
            ['created', release.ref],
            ['model', release.model.ref],
            ['prompts', release.prompts.map((p) => p.ref).join(', ') || '—'],
          ]),
        );
      },
    },
    {
      group: 'releases',
      name: 'list',
      summary: "List a service's releases, newest first",
      args: [{ name: 'service', description: 'the service' }],
      options: { limit: { type: 'string', value: '<n>', description: 'at most this many (default 100)' } },
      async run({ args, options, out, api }) {
        const limitText = options.string('limit');
        const limit = limitText === undefined ? undefined : Number(limitText);
        if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 500)) throw usageError('--limit must be a whole number from 1 to 500');
        const releases = await api().releases.list.query({ service: args.service!, limit });
        out.result(releases, () =>
          table(
            ['RELEASE', 'MODEL', 'PROMPTS', 'CREATED', 'BY', 'NOTES'],
            releases.map((r) => [r.ref, r.model, r.prompts.join(', ') || '—', time(r.createdAt), r.createdBy, truncate(r.notes, 50)]),
            `No releases of ${args.service} yet.`,
          ),
        );
      },
    },
  ],
};
