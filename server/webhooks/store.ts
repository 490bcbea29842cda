// The database side of webhooks: finding the service a delivery is for, and recording each delivery once.
// A delivery id seen before is a replay; only a delivery whose hand-off to pipelines failed may be taken again.
import { and, eq, gt, ne, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { serviceRepositories, services, webhookDeliveries } from '@/db/schema';
import { slugSchema } from '@/server/services/registry-shared';
import type { DeliveryFacts, Provider } from './delivery';
import { normalizeRepoUrl } from './repo-url';

export interface WebhookTarget {
  id: string;
  name: string;
  archived: boolean;
  webhookSecretId: string | null;
}

export type TargetLookup = { kind: 'found'; service: WebhookTarget } | { kind: 'none' } | { kind: 'ambiguous' };

const targetColumns = { id: services.id, name: services.name, archivedAt: services.archivedAt, webhookSecretId: serviceRepositories.webhookSecretId, url: serviceRepositories.url };
const toTarget = (r: { id: string; name: string; archivedAt: Date | null; webhookSecretId: string | null }): WebhookTarget => ({ id: r.id, name: r.name, archived: r.archivedAt !== null, webhookSecretId: r.webhookSecretId });

/** The service named in the URL, else the one service whose repository is one of `repoKeys`. */
export async function findWebhookTarget(db: Db, serviceName: string | null, repoKeys: string[]): Promise<TargetLookup> {
  if (serviceName !== null) {
    if (!slugSchema.safeParse(serviceName).success) return { kind: 'none' };
    const [row] = await db.select(targetColumns).from(services).leftJoin(serviceRepositories, eq(serviceRepositories.serviceId, services.id)).where(eq(services.name, serviceName)).limit(1);
    return row ? { kind: 'found', service: toTarget(row) } : { kind: 'none' };
  }
  if (!repoKeys.length) return { kind: 'none' };
  // Locations are compared normalised, so the table is read whole; it holds one row per service.
  const rows = await db.select(targetColumns).from(serviceRepositories).innerJoin(services, eq(services.id, serviceRepositories.serviceId));
  const keys = new Set(repoKeys);
  const matches = rows.filter((r) => {
    const key = normalizeRepoUrl(r.url);
    return key !== null && keys.has(key);
  });
  if (matches.length > 1) return { kind: 'ambiguous' };
  return matches[0] ? { kind: 'found', service: toTarget(matches[0]) } : { kind: 'none' };
}

export type DeliveryOutcome = 'received' | 'triggered' | 'ignored' | 'trigger_failed';

export interface DeliveryRecord {
  provider: Provider;
  deliveryId: string;
  serviceId: string;
  facts: DeliveryFacts;
  summary: Record<string, unknown>;
}

/**
 * Records a delivery, or finds it was seen before. Returns the row id to finish with `finishDelivery`, or null for
 * a replay. A delivery that will trigger is written as `received` first, so a concurrent replay finds it taken.
 */
export async function recordDelivery(db: Db, d: DeliveryRecord): Promise<number | null> {
  const [row] = await db
    .insert(webhookDeliveries)
    .values({ provider: d.provider, deliveryId: d.deliveryId, serviceId: d.serviceId, event: d.facts.event, branch: d.facts.branch, commit: d.facts.commit, summary: d.summary, outcome: d.facts.trigger ? 'received' : 'ignored' })
    .onConflictDoNothing()
    .returning({ id: webhookDeliveries.id });
  if (row) return row.id;
  if (!d.facts.trigger) return null;
  // The provider redelivers what we answered with an error: take it again, but only once at a time.
  const [retry] = await db
    .update(webhookDeliveries)
    .set({ outcome: 'received' })
    .where(and(eq(webhookDeliveries.provider, d.provider), eq(webhookDeliveries.deliveryId, d.deliveryId), eq(webhookDeliveries.outcome, 'trigger_failed')))
    .returning({ id: webhookDeliveries.id });
  return retry?.id ?? null;
}

export async function finishDelivery(db: Db, id: number, outcome: Exclude<DeliveryOutcome, 'received'>): Promise<void> {
  await db.update(webhookDeliveries).set({ outcome }).where(eq(webhookDeliveries.id, id));
}

/**
 * True when a delivery with this signature (generic) or body hash (GitHub, GitLab) was recorded before: neither
 * covers the delivery id header, so a replay under a new id could otherwise pass as new. Generic signatures carry
 * a timestamp, so only the replay window needs checking; a GitHub or GitLab body can be replayed at any age. A
 * delivery whose trigger failed may come again (the provider's redelivery).
 */
export async function signatureSeen(db: Db, provider: 'github' | 'gitlab' | 'generic', serviceId: string, signature: string): Promise<boolean> {
  const [row] = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.provider, provider),
        eq(webhookDeliveries.serviceId, serviceId),
        sql`${webhookDeliveries.summary}->>'signature' = ${signature}`,
        ne(webhookDeliveries.outcome, 'trigger_failed'),
        provider === 'generic' ? gt(webhookDeliveries.receivedAt, sql`now() - interval '1 hour'`) : undefined,
      ),
    )
    .limit(1);
  return row !== undefined;
}
