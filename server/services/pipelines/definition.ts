// A service's pipeline definition: validated YAML, saved as a new version each time.
import { desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { pipelineDefinitions, type Service } from '@/db/schema';
import { checkDefinition, DEFAULT_PIPELINE_YAML, describeProblems } from '@/server/services/pipelines/parse';
import { DomainError } from '@/server/errors';
import { literalAddressRefusal } from '@/server/outbound/policy';
import { recordAudit, recordNoChange } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, serviceByName, slugSchema } from '../registry-shared';
import { bindSecret } from '../secrets/scope';
import { parseRegistry } from '@/server/docker/registry-ref';

/** A webhook step's URL that is a literal address the outbound policy refuses is refused when saved. */
const SERVER_CHECKS = { url: literalAddressRefusal };

export const validateDefinitionInput = z.object({ yaml: z.string().max(200_000, 'must be at most 200000 characters') });

/** For the editor: every problem with its line, without saving anything. */
export function validateDefinition(ctx: ServiceContext, input: z.input<typeof validateDefinitionInput>) {
  requireScope(ctx, 'pipelines:read');
  const { yaml } = validateDefinitionInput.parse(input);
  const check = checkDefinition(yaml, SERVER_CHECKS);
  return check.ok ? { ok: true as const, problems: [], definition: check.definition } : { ok: false as const, problems: check.problems, definition: null };
}

export async function currentDefinition(db: Db, service: Service) {
  const [row] = await db.select().from(pipelineDefinitions).where(eq(pipelineDefinitions.serviceId, service.id)).orderBy(desc(pipelineDefinitions.version)).limit(1);
  return row ?? null;
}

export const getDefinitionInput = z.object({ service: slugSchema });

export async function getDefinition(ctx: ServiceContext, input: z.input<typeof getDefinitionInput>) {
  requireScope(ctx, 'pipelines:read');
  const service = await serviceByName(ctx.db, getDefinitionInput.parse(input).service, { allowArchived: true });
  const row = await currentDefinition(ctx.db, service);
  if (row) return { saved: true, version: row.version, yaml: row.yaml, definition: row.definition, createdBy: row.createdBy, createdAt: row.createdAt };
  const check = checkDefinition(DEFAULT_PIPELINE_YAML);
  if (!check.ok) throw new Error('the default pipeline definition is invalid');
  return { saved: false, version: 0, yaml: DEFAULT_PIPELINE_YAML, definition: check.definition, createdBy: null, createdAt: null };
}

export const saveDefinitionInput = z.object({ service: slugSchema, yaml: validateDefinitionInput.shape.yaml });

export async function saveDefinition(ctx: ServiceContext, input: z.input<typeof saveDefinitionInput>) {
  requireScope(ctx, 'pipelines:write');
  const data = saveDefinitionInput.parse(input);
  const check = checkDefinition(data.yaml, SERVER_CHECKS);
  if (!check.ok) throw new DomainError('invalid', describeProblems(check.problems), 'yaml');
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`pipeline-definition:${service.id}`}))`);
    const current = await currentDefinition(tx.db, service);
    if (current && current.yaml === data.yaml) {
      recordNoChange(tx);
      return { version: current.version, created: false };
    }
    // A webhook step sends what its secret signs to its URL: the secret is bound there as any other.
    for (const stage of check.definition.stages) {
      for (const step of stage.steps) {
        if (step.type === 'push-image' && step.inputs.secret) {
          // The credentials go to the registry: bound to its origin as any other secret's use.
          const { registry, secret } = step.inputs as { registry: string; secret: string };
          await bindSecret(tx, { field: `stages.${stage.name}.${step.name}.inputs.secret`, name: secret, purpose: 'registry_credentials', service: service.name, url: parseRegistry(registry).origin, boundTo: `push-image step ${stage.name}/${step.name} of ${service.name}` });
          continue;
        }
        if (step.type !== 'webhook') continue;
        const { url, secret } = step.inputs as { url: string; secret: string };
        await bindSecret(tx, { field: `stages.${stage.name}.${step.name}.inputs.secret`, name: secret, purpose: 'webhook_signing', service: service.name, url, boundTo: `webhook step ${stage.name}/${step.name} of ${service.name}` });
      }
    }
    const version = (current?.version ?? 0) + 1;
    await tx.db.insert(pipelineDefinitions).values({ serviceId: service.id, version, yaml: data.yaml, definition: check.definition, createdBy: by(ctx) });
    const steps = check.definition.stages.flatMap((s) => s.steps.map((st) => `${s.name}/${st.name}:${st.type}`));
    await recordAudit(tx, {
      action: 'pipeline.define',
      target: { kind: 'service', id: service.id, label: service.name },
      summary: `Saved pipeline v${version} of ${service.name}: ${steps.join(', ')}`,
      changes: { version, branches: check.definition.branches },
    });
    return { version, created: true };
  });
}
