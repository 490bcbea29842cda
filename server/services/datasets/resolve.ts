// What other parts (suites, runs) need of a dataset: a version by number or the newest, and its cases in order.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { datasetCases, services, type DatasetVersion } from '@/db/schema';
import type { EvalCase } from '@/server/evals/types';
import { notFound } from '@/server/errors';
import { datasetByName, versionOf } from './shared';

export async function resolveDatasetVersion(db: Db, serviceId: string, name: string, version: number | 'latest'): Promise<DatasetVersion> {
  const [service] = await db.select().from(services).where(eq(services.id, serviceId)).limit(1);
  if (!service) throw notFound('Service');
  const dataset = await datasetByName(db, service, name);
  return versionOf(db, service, dataset, version === 'latest' ? undefined : version);
}

export async function casesOf(db: Db, datasetVersionId: string): Promise<EvalCase[]> {
  const rows = await db.select().from(datasetCases).where(eq(datasetCases.datasetVersionId, datasetVersionId)).orderBy(asc(datasetCases.index));
  return rows.map((r) => ({ index: r.index, input: r.input, expected: r.expected, tags: r.tags, metadata: r.metadata }));
}
