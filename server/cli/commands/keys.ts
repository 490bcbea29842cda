// `slipway keys …`: gateway keys that applications send to /gw/<service>/<environment>/v1.
import type { Group } from '../core/args';
import { pairs, table } from '../core/output';

const when = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '—');

export const keysGroup: Group = {
  name: 'keys',
  summary: 'Create, list and revoke gateway keys for a service’s applications.',
  commands: [
    {
      group: 'keys',
      name: 'create',
      summary: 'Create a gateway key (printed once; store it in your application’s secrets)',
      args: [
        { name: 'service', description: 'the service the key calls' },
        { name: 'name', description: 'what uses the key, e.g. web-frontend' },
      ],
      options: { 'allow-pin': { type: 'boolean', description: 'may pin a release with the X-Slipway-Release header (smoke tests)' } },
      examples: ['slipway keys create support-bot web-frontend'],
      async run({ args, options, out, api }) {
        const { key, gatewayKey } = await api().gatewayKeys.create.mutate({ service: args.service!, name: args.name!, allowPin: options.flag('allow-pin') });
        out.result({ key, ...gatewayKey }, () =>
          pairs([
            ['key', key],
            ['name', gatewayKey.name],
            ['note', 'shown once: Slipway keeps only its hash'],
          ]),
        );
      },
    },
    {
      group: 'keys',
      name: 'list',
      summary: 'List a service’s gateway keys (prefixes only)',
      args: [{ name: 'service', description: 'the service' }],
      async run({ args, out, api }) {
        const keys = await api().gatewayKeys.list.query({ service: args.service! });
        out.result(keys, () =>
          table(
            ['ID', 'NAME', 'PREFIX', 'PIN', 'CREATED', 'LAST USED', 'STATUS'],
            keys.map((k) => [k.id, k.name, `${k.prefix}…`, k.allowPin ? 'yes' : 'no', when(k.createdAt), when(k.lastUsedAt), k.revokedAt ? 'revoked' : 'active']),
            `No gateway keys yet. Create one with: slipway keys create ${args.service} <name>`,
          ),
        );
      },
    },
    {
      group: 'keys',
      name: 'revoke',
      summary: 'Revoke a gateway key; the gateway refuses it within a second',
      args: [
        { name: 'service', description: 'the service' },
        { name: 'id', description: 'the key id (from slipway keys list)' },
      ],
      async run({ args, out, api }) {
        const key = await api().gatewayKeys.revoke.mutate({ service: args.service!, keyId: args.id! });
        out.result(key, () => pairs([['revoked', `${key.name} (${key.prefix}…)`]]));
      },
    },
  ],
};
