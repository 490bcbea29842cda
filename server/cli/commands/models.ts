// `slipway models …`: register a model version from a YAML or JSON file, and list the registry.
import { registerModelVersionInput } from '@/server/services/models/register';
import { slugSchema } from '@/server/services/registry-shared';
import type { Group } from '../core/args';
import { orNull, usageError } from '../core/errors';
import { parseWith, readSourceFile } from '@/server/manifest/files';
import { pairs, table } from '../core/output';
import { findIdenticalVersion } from '@/server/manifest/plan';
import { modelFileSchema } from '@/server/manifest/schema';

export const modelsGroup: Group = {
  name: 'models',
  summary: 'Register immutable model versions and list the model registry.',
  commands: [
    {
      group: 'models',
      name: 'register',
      summary: 'Register a new version of a model from a YAML or JSON file',
      details:
        'The file holds the fields of a model version: providerKind (openai-compatible or container), baseUrl or imageRef,\n' +
        'container (build: {context, dockerfile} or an imageRef pinned by digest; command with {port}, port, healthPath,\n' +
        'env, resources: {cpus, memoryMb}), artifacts (uri: https URL or repo:<path>, sha256, sizeBytes, path in the\n' +
        'build context), tokenizer (uri, sha256, path), upstreamModel, defaultParams, apiKeySecret (a secret name), priceInputPer1M,\n' +
        'priceOutputPer1M, contextWindow, lineage, tags, description, and modelDescription for a new model.\n' +
        'Versions are immutable: every registration creates a new version, unless --if-changed finds an identical one.',
      args: [{ name: 'model', description: 'model name, e.g. support-llm' }],
      options: {
        file: { type: 'string', value: '<file>', description: 'YAML or JSON file with the version fields' },
        'if-changed': { type: 'boolean', description: 'register only when no version of the model has identical content' },
      },
      examples: ['slipway models register support-llm --file model.yaml', 'slipway models register support-llm --file model.json --if-changed --json'],
      async run({ args, options, out, api }) {
        const name = slugSchema.safeParse(args.model);
        if (!name.success) throw usageError(`<model>: ${name.error.issues[0]!.message}`);
        const source = readSourceFile(options.required('file'));
        const fields = parseWith(modelFileSchema, source);
        if (fields.model !== undefined && fields.model !== args.model) throw usageError(`${source.name}: model: says "${String(fields.model)}" but the command registers "${args.model}"`);
        const input = parseWith(registerModelVersionInput, source, { ...fields, model: args.model });
        if (options.flag('if-changed')) {
          const existing = await orNull(api().models.get.query({ name: input.model }));
          const same = existing && findIdenticalVersion(input, existing.versions);
          if (same) {
            out.result({ created: false, version: same }, () => pairs([['unchanged', `${same.ref} already has this content`]]));
            return;
          }
        }
        const version = await api().models.register.mutate(input);
        out.result({ created: true, version }, () => pairs([['registered', `${version.ref} (${version.providerKind}, ${version.upstreamModel})`]]));
      },
    },
    {
      group: 'models',
      name: 'list',
      summary: 'List models with their newest version and labels',
      options: {
        search: { type: 'string', value: '<text>', description: 'match name, description or upstream model' },
        status: { type: 'string', value: '<status>', description: 'registered, validated, deprecated or archived' },
        provider: { type: 'string', value: '<kind>', description: 'openai-compatible or container' },
      },
      async run({ options, out, api }) {
        const status = options.string('status');
        const provider = options.string('provider');
        if (status && !['registered', 'validated', 'deprecated', 'archived'].includes(status)) throw usageError('--status must be registered, validated, deprecated or archived');
        if (provider && !['openai-compatible', 'container'].includes(provider)) throw usageError('--provider must be openai-compatible or container');
        const models = await api().models.list.query({
          search: options.string('search'),
          status: status as 'registered' | undefined,
          providerKind: provider as 'container' | undefined,
        });
        out.result(models, () =>
          table(
            ['MODEL', 'LATEST', 'PROVIDER', 'UPSTREAM', 'STATUS', 'LABELS'],
            models.map((m) => [m.name, `v${m.latest.version}`, m.latest.providerKind, m.latest.upstreamModel, m.latest.status, m.labels.map((l) => `${l.name}→v${l.version}`).join(', ') || '—']),
            'No models yet. Register one with: slipway models register <model> --file <file>',
          ),
        );
      },
    },
  ],
};
