// Shared pieces of the dataset verbs: lookups by name, and writing a version (content-addressed: the same cases
// in the same order are the version that already holds them; anything else is the next version, never an edit).
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { datasetCases, datasets, datasetVersions, type Dataset, type DatasetVersion, type Service } from '@/db/schema';
import { caseKeyOf, datasetContentHash, type ParsedCase } from '@/server/evals/dataset-files';
import { notFound } from '@/server/errors';
import { recordAudit, recordNoChange } from '../audit/record';
import type { ServiceContext } from '../context';
import { by } from '../registry-shared';

export { caseKeyOf, datasetContentHash };

export async function datasetByName(db: Db, service: Service, name: string): Promise<Dataset> {
  const [d] = await db
    .select()
    .from(datasets)
    .where(and(eq(datasets.serviceId, service.id), eq(datasets.name, name)))
    .limit(1);
  if (!d) throw notFound(`Dataset "${name}" of service "${service.name}"`);
  return d;
}

/** A version by number, or the newest when `version` is absent. */
export async function versionOf(db: Db, service: Service, dataset: Dataset, version?: number): Promise<DatasetVersion> {
  const [v] = await db
    .select()
    .from(datasetVersions)
    .where(version === undefined ? eq(datasetVersions.datasetId, dataset.id) : and(eq(datasetVersions.datasetId, dataset.id), eq(datasetVersions.version, version)))
    .orderBy(desc(datasetVersions.version))
    .limit(1);
  if (!v) throw notFound(version === undefined ? `A version of dataset "${service.name}/${dataset.name}"` : `Version ${version} of dataset "${service.name}/${dataset.name}"`);
  return v;
}

/** The dataset, created on first use and locked for this transaction so two pushes number their versions in turn. */
export async function lockDataset(ctx: ServiceContext, service: Service, name: string, description: string | undefined): Promise<Dataset> {
  await ctx.db.insert(datasets).values({ serviceId: service.id, name, description: description ?? '', createdBy: by(ctx) }).onConflictDoNothing();
  const [d] = await ctx.db
    .select()
    .from(datasets)
    .where(and(eq(datasets.serviceId, service.id), eq(datasets.name, name)))
    .for('update');
  return d!;
}

/** A push that made a version may also change the description (the version's audit event records it). */
export async function describe(ctx: ServiceContext, dataset: Dataset, description: string | undefined): Promise<Dataset> {
  if (description === undefined || dataset.description === description) return dataset;
  const [updated] = await ctx.db.update(datasets).set({ description }).where(eq(datasets.id, dataset.id)).returning();
  return updated!;
}

export interface WriteVersion {
  service: Service;
  dataset: Dataset;
  cases: ParsedCase[];
  source: DatasetVersion['source'];
  fileName: string | null;
  commitMessage: string;
  audit: { action: string; summary: (ref: string) => string; changes?: Record<string, unknown> };
}

/** Inserts the next version with its cases, or returns the version that already holds exactly these cases. */
export async function writeVersion(ctx: ServiceContext, w: WriteVersion): Promise<{ version: DatasetVersion; created: boolean }> {
  const contentHash = datasetContentHash(w.cases);
  const [existing] = await ctx.db
    .select()
    .from(datasetVersions)
    .where(and(eq(datasetVersions.datasetId, w.dataset.id), eq(datasetVersions.contentHash, contentHash)))
    .limit(1);
  if (existing) {
    recordNoChange(ctx);
    return { version: existing, created: false };
  }
  const [{ next } = { next: 1 }] = await ctx.db
    .select({ next: sql<number>`coalesce(max(${datasetVersions.version}), 0)::int + 1` })
    .from(datasetVersions)
    .where(eq(datasetVersions.datasetId, w.dataset.id));
  const [version] = await ctx.db
    .insert(datasetVersions)
    .values({ datasetId: w.dataset.id, version: next, contentHash, caseCount: w.cases.length, source: w.source, fileName: w.fileName, commitMessage: w.commitMessage, createdBy: by(ctx) })
    .returning();
  const rows = w.cases.map((c, index) => ({ datasetVersionId: version!.id, index, caseKey: caseKeyOf(c), externalId: c.externalId, input: c.input, expected: c.expected, tags: c.tags, metadata: c.metadata }));
  // Bounded statements: a few hundred rows each keeps the parameter count far below PostgreSQL's limit.
  for (let i = 0; i < rows.length; i += 500) await ctx.db.insert(datasetCases).values(rows.slice(i, i + 500));
  const ref = `${w.service.name}/${w.dataset.name}@${next}`;
  await recordAudit(ctx, {
    action: w.audit.action,
    target: { kind: 'dataset_version', id: version!.id, label: ref },
    summary: w.audit.summary(ref),
    changes: { contentHash, cases: w.cases.length, source: w.source, ...(w.fileName ? { file: w.fileName } : {}), ...w.audit.changes },
  });
  return { version: version!, created: true };
}
