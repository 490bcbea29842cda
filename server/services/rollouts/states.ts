// How many rollouts are in each status, per service and environment: what Prometheus scrapes as rollout states.
import { count, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, rollouts, services } from '@/db/schema';

export async function rolloutStateCounts(db: Db): Promise<{ service: string; environment: string; status: string; count: number }[]> {
  return db
    .select({ service: services.name, environment: environments.name, status: rollouts.status, count: count() })
    .from(rollouts)
    .innerJoin(services, eq(services.id, rollouts.serviceId))
    .innerJoin(environments, eq(environments.id, rollouts.environmentId))
    .groupBy(services.name, environments.name, rollouts.status);
}
