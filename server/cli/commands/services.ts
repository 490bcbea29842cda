// `slipway services …`: create a service and list services with what each environment runs.
import type { Group } from '../core/args';
import { pairs, table, truncate } from '../core/output';

type Route = { releaseNumber: number; weight: number };

/** `#3` for a single release, `#3 90% #4 10%` while traffic is split, `—` when nothing runs. */
export function describeRouting(routes: Route[]): string {
  if (!routes.length) return '—';
  if (routes.length === 1) return `#${routes[0]!.releaseNumber}`;
  return routes.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(' ');
}

const ORDER = ['dev', 'staging', 'production'];

/** dev, staging, production (the order releases travel), then custom environments by name. */
export function byPromotionOrder<E extends { name: string }>(envs: E[]): E[] {
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return [...envs].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

export const servicesGroup: Group = {
  name: 'services',
  summary: 'Create and list services (one LLM endpoint each, with dev, staging and production).',
  commands: [
    {
      group: 'services',
      name: 'create',
      summary: 'Create a service with dev, staging and production environments',
      args: [{ name: 'name', description: 'lowercase letters, digits and single dashes, e.g. support-bot' }],
      options: {
        description: { type: 'string', value: '<text>', description: 'what the service does' },
        owner: { type: 'string', value: '<email>', multiple: true, description: "an owner's email (an existing user)" },
      },
      examples: ['slipway services create support-bot --description "Answers support tickets" --owner ana@example.com'],
      async run({ args, options, out, api }) {
        const service = await api().services.create.mutate({ name: args.name!, description: options.string('description'), owners: options.strings('owner') });
        out.result(service, () =>
          pairs([
            ['created', `service ${service.name} with environments dev, staging, production`],
            ...(service.owners.length ? [['owners', service.owners.join(', ')] as [string, string]] : []),
          ]),
        );
      },
    },
    {
      group: 'services',
      name: 'list',
      summary: 'List services, their owners and what each environment runs',
      options: {
        search: { type: 'string', value: '<text>', description: 'only services whose name or description contains the text' },
        archived: { type: 'boolean', description: 'include archived services' },
      },
      async run({ options, out, api }) {
        const services = await api().services.list.query({ search: options.string('search'), includeArchived: options.flag('archived') });
        out.result(services, () =>
          table(
            ['NAME', 'RUNNING', 'OWNERS', 'DESCRIPTION'],
            services.map((s) => [
              s.archivedAt ? `${s.name} (archived)` : s.name,
              byPromotionOrder(s.environments).map((e) => `${e.name} ${describeRouting(e.routes)}`).join(', '),
              s.owners.join(', ') || '—',
              truncate(s.description, 60),
            ]),
            'No services yet. Create one with: slipway services create <name>',
          ),
        );
      },
    },
  ],
};
