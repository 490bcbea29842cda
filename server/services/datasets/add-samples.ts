// Appends gateway samples to a dataset as a new version (source `samples`): the newest version's cases, then one
// case per sample, its input as a user message and the answer it got as the reference. The dataset is created if
// it does not exist; a sample already in the dataset (by request id or content) is not added twice.
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { datasetCases, datasetVersions, requestLogs } from '@/db/schema';
import type { ParsedCase } from '@/server/evals/dataset-files';
import { invalid } from '@/server/errors';
import { recordNoChange } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { caseKeyOf, describe, lockDataset, writeVersion } from './shared';

export const addSamplesInput = z.object({
  service: slugSchema,
  name: slugSchema,
  /** Row ids of the samples (from datasets.samples). */
  ids: z.array(z.number().int().positive()).min(1, 'choose at least one sample').max(200, 'at most 200 samples at once'),
  description: z.string().trim().max(2000).optional(),
  commitMessage: z.string().trim().max(2000).default(''),
});

type Sample = { requestId: string; environment: string; releaseNumber: number | null; at: Date; sample: { input: string; output: string } };

export function sampleCase(s: Sample): ParsedCase {
  return {
    externalId: s.requestId,
    input: { messages: [{ role: 'user', content: s.sample.input }] },
    expected: s.sample.output === '' ? null : s.sample.output,
    tags: ['sample', s.environment],
    metadata: { environment: s.environment, release: s.releaseNumber, at: s.at.toISOString() },
  };
}

export async function addSamples(ctx: ServiceContext, input: z.input<typeof addSamplesInput>) {
  requireScope(ctx, 'datasets:write');
  const data = addSamplesInput.parse(input);
  const ids = [...new Set(data.ids)];
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    // Only this service's rows: another service's request id is as unknown here as one that never existed.
    const rows = await tx.db
      .select({ id: requestLogs.id, requestId: requestLogs.requestId, environment: requestLogs.environment, releaseNumber: requestLogs.releaseNumber, at: requestLogs.at, sample: requestLogs.sample })
      .from(requestLogs)
      // A smoke test's requests are not user traffic: never a dataset's case.
      .where(and(eq(requestLogs.serviceId, service.id), inArray(requestLogs.id, ids), eq(requestLogs.synthetic, false)))
      .orderBy(asc(requestLogs.id));
    const missing = ids.filter((id) => !rows.some((r) => r.id === id && r.sample));
    if (missing.length) throw invalid('ids', `${missing.length === 1 ? 'sample' : 'samples'} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? '…' : ''} ${missing.length === 1 ? 'is' : 'are'} not kept for service "${service.name}"`);

    const locked = await lockDataset(tx, service, data.name, data.description);
    const current = await currentCases(tx, locked.id);
    const knownIds = new Set(current.map((c) => c.externalId).filter(Boolean));
    const knownKeys = new Set(current.map(caseKeyOf));
    const fresh = rows.map((r) => sampleCase({ ...r, sample: r.sample! })).filter((c) => !knownIds.has(c.externalId) && !knownKeys.has(caseKeyOf(c)));
    if (!fresh.length) {
      recordNoChange(tx);
      const [newest] = await tx.db.select().from(datasetVersions).where(eq(datasetVersions.datasetId, locked.id)).orderBy(desc(datasetVersions.version)).limit(1);
      return { dataset: locked, version: newest ?? null, created: false, added: 0, skipped: rows.length };
    }
    const cases = [...current, ...fresh];
    const { version, created } = await writeVersion(tx, {
      service,
      dataset: locked,
      cases,
      source: 'samples',
      fileName: null,
      commitMessage: data.commitMessage || `Added ${fresh.length} gateway sample${fresh.length === 1 ? '' : 's'}`,
      audit: { action: 'dataset.add-samples', summary: (ref) => `Added ${fresh.length} gateway sample${fresh.length === 1 ? '' : 's'} to ${ref}`, changes: { requests: fresh.map((c) => c.externalId) } },
    });
    const dataset = created ? await describe(tx, locked, data.description) : locked;
    return { dataset, version, created, added: fresh.length, skipped: rows.length - fresh.length };
  });
}

/** The newest version's cases, as cases again. */
async function currentCases(ctx: ServiceContext, datasetId: string): Promise<ParsedCase[]> {
  const [newest] = await ctx.db.select({ id: datasetVersions.id }).from(datasetVersions).where(eq(datasetVersions.datasetId, datasetId)).orderBy(desc(datasetVersions.version)).limit(1);
  if (!newest) return [];
  const rows = await ctx.db.select().from(datasetCases).where(eq(datasetCases.datasetVersionId, newest.id)).orderBy(asc(datasetCases.index));
  return rows.map((r) => ({ externalId: r.externalId, input: r.input, expected: r.expected, tags: r.tags, metadata: r.metadata }));
}
