// Saves an eval suite's YAML as its next version, with the dataset pinned to a version. Saving the same YAML
// again (and the same dataset version) creates nothing; a change of either is a new version.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { evalSuites, evalSuiteVersions, type EvalSuiteSpec } from '@/db/schema';
import { checkSuite, describeSuiteProblems } from '@/server/evals/suite-definition';
import { DomainError } from '@/server/errors';
import { canonicalJson, sha256Hex } from '@/server/lib/canonical';
import { recordAudit, recordNoChange } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, serviceByName, slugSchema } from '../registry-shared';
import { resolveSuiteDataset } from './datasets';
import { latestSuiteVersion } from './shared';

const yamlSchema = z.string().max(200_000, 'must be at most 200000 characters');

export const validateSuiteInput = z.object({ yaml: yamlSchema });

/** For the editor: every problem with its line, without saving anything (the dataset is resolved on save). */
export function validateSuite(ctx: ServiceContext, input: z.input<typeof validateSuiteInput>) {
  requireScope(ctx, 'services:read');
  const { yaml } = validateSuiteInput.parse(input);
  const check = checkSuite(yaml);
  return check.ok ? { ok: true as const, problems: [], suite: check.suite } : { ok: false as const, problems: check.problems, suite: null };
}

export const saveSuiteInput = z.object({
  service: slugSchema,
  name: slugSchema,
  yaml: yamlSchema,
  source: z.enum(['ui', 'api', 'cli', 'manifest', 'seed']).default('api'),
});

export async function saveEvalSuite(ctx: ServiceContext, input: z.input<typeof saveSuiteInput>) {
  requireScope(ctx, 'evals:write');
  const data = saveSuiteInput.parse(input);
  const check = checkSuite(data.yaml);
  if (!check.ok) throw new DomainError('invalid', describeSuiteProblems(check.problems), 'yaml');
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const wanted = check.suite.dataset;
    const dataset = wanted ? await resolveSuiteDataset(tx.db, service.id, service.name, wanted.name, wanted.version) : null;
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`eval-suite:${service.id}:${data.name}`}))`);
    await tx.db.insert(evalSuites).values({ serviceId: service.id, name: data.name, createdBy: by(ctx) }).onConflictDoNothing();
    const [suite] = await tx.db
      .select()
      .from(evalSuites)
      .where(and(eq(evalSuites.serviceId, service.id), eq(evalSuites.name, data.name)));
    const current = await latestSuiteVersion(tx.db, suite!.id);
    if (current && current.yaml === data.yaml && current.datasetVersionId === (dataset?.id ?? null)) {
      recordNoChange(tx);
      return { suite: suite!, version: current, created: false };
    }
    const spec: EvalSuiteSpec = { ...check.suite, dataset: wanted && dataset ? { name: wanted.name, version: dataset.version } : null };
    const number = (current?.version ?? 0) + 1;
    // Like a commit, a version's hash covers its parent: going back to earlier content is a new version too.
    const contentHash = sha256Hex(canonicalJson({ parent: current?.contentHash ?? null, yaml: data.yaml, datasetVersionId: dataset?.id ?? null }));
    const [version] = await tx.db
      .insert(evalSuiteVersions)
      .values({ suiteId: suite!.id, version: number, contentHash, yaml: data.yaml, spec, datasetVersionId: dataset?.id ?? null, createdBy: by(ctx) })
      .returning();
    const on = spec.dataset && dataset ? ` on ${spec.dataset.name}@${spec.dataset.version} (${dataset.caseCount} cases)` : ' on its built-in cases';
    const type = spec.type ?? 'eval';
    await recordAudit(tx, {
      action: 'eval-suite.save',
      target: { kind: 'eval_suite', id: suite!.id, label: `${service.name}/${data.name}` },
      summary: `Saved ${type} suite ${data.name} v${number} of ${service.name}:${type === 'eval' ? ` ${spec.assertions.length} assertion(s)` : ''}${on}${data.source !== 'api' ? ` from ${data.source}` : ''}`,
      changes: { version: number, type: spec.type ?? 'eval', dataset: spec.dataset ? `${spec.dataset.name}@${spec.dataset.version}` : null, gate: spec.gate, environments: spec.environments },
    });
    return { suite: suite!, version: version!, created: true };
  });
}
