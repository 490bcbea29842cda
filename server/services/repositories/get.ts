// Reading a service's repository setting: where its code lives, which secrets it uses (by name), the webhook
// addresses to give the git host, and the latest deliveries received for it.
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { webhookDeliveries } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { isLocalRepository, repositoryOf } from './shared';

export const getRepositoryInput = z.object({ service: slugSchema });

export async function getRepository(ctx: ServiceContext, input: z.input<typeof getRepositoryInput>) {
  requireScope(ctx, 'services:read');
  const data = getRepositoryInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const repo = await repositoryOf(ctx.db, service.id);
  const deliveries = await ctx.db
    .select({
      provider: webhookDeliveries.provider,
      deliveryId: webhookDeliveries.deliveryId,
      event: webhookDeliveries.event,
      branch: webhookDeliveries.branch,
      commit: webhookDeliveries.commit,
      outcome: webhookDeliveries.outcome,
      summary: webhookDeliveries.summary,
      receivedAt: webhookDeliveries.receivedAt,
    })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.serviceId, service.id))
    .orderBy(desc(webhookDeliveries.receivedAt), desc(webhookDeliveries.id))
    .limit(20);
  return {
    service: service.name,
    repository: repo && {
      url: repo.url,
      kind: isLocalRepository(repo.url) ? ('local' as const) : ('https' as const),
      tokenSecret: repo.tokenSecret,
      webhookSecret: repo.webhookSecret,
      manifestPath: repo.manifestPath,
      updatedAt: repo.updatedAt,
    },
    /** Paths on this server; GitHub and GitLab also find the service by the repository URL without ?service=. */
    webhooks: {
      github: `/api/webhooks/github?service=${service.name}`,
      gitlab: `/api/webhooks/gitlab?service=${service.name}`,
      generic: `/api/webhooks/generic/${service.name}`,
    },
    recentDeliveries: deliveries,
  };
}
