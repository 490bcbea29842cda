// Which environments the overview treats as production: the one named so, and any that requires approvals
// (the environments a release manager answers for).
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, services } from '@/db/schema';

export async function productionEnvironments(db: Db) {
  return db
    .select({ env: environments, service: services.name })
    .from(environments)
    .innerJoin(services, eq(services.id, environments.serviceId))
    .where(and(isNull(services.archivedAt), or(eq(environments.name, 'production'), sql`(${environments.protection}->>'requiredApprovals')::int > 0`)))
    .orderBy(asc(services.name), asc(environments.name));
}
