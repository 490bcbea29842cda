// Reading and saving an environment's production checks (drift, online evals, smoke tests, trigger rules).
// A save is validated as a whole — the schema, then what it names: eval suites of the right type with a dataset,
// the reference dataset and version, the embeddings model version, each webhook's URL and signing secret — and
// nothing is written when any of it is wrong. `checks: null` goes back to the defaults. Readers who may not change
// the checks see webhook URLs with their query values redacted.
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { datasets, datasetVersions, environments, evalSuites, evalSuiteVersions, models, modelVersions, secrets, type Environment, type ProductionChecks, type Service, type TriggerRule } from '@/db/schema';
import { actorRole } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { invalid } from '@/server/errors';
import { diffValues } from '@/server/lib/diff';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { literalAddressRefusal } from '@/server/outbound/policy';
import { recordAudit, recordNoChange } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { bindSecret, refusalOfUse } from '../secrets/scope';
import { checksOf, checksSchema, DEFAULT_CHECKS, DEFAULT_TRIGGERS } from './settings';

export const checksInput = z.object({ service: slugSchema, environment: slugSchema });
export const updateChecksInput = checksInput.extend({ checks: checksSchema.nullable() });

/** A URL with each query value replaced (names kept) and no fragment: what it calls, without the tokens it may carry. */
export function withQueryRedacted(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text.replace(/[?#].*$/s, '');
  }
  if (!url.search && !url.hash) return text;
  const names = [...url.searchParams.keys()];
  url.hash = '';
  url.search = names.map((n) => `${encodeURIComponent(n)}=redacted`).join('&');
  return url.toString();
}

/** The rules as someone who may not change them sees them: webhook URLs without their query values. */
function redactedRules(rules: TriggerRule[] | null): TriggerRule[] | null {
  return rules?.map((r) => (r.actions.webhook ? { ...r, actions: { ...r.actions, webhook: { ...r.actions.webhook, url: withQueryRedacted(r.actions.webhook.url) } } } : r)) ?? null;
}

/**
 * The checks as the API answers them. Anyone who may read the service reads them, but a webhook URL's query string
 * often carries a token: only those who may change the settings (environments:write) see it whole.
 */
function view(service: Service, env: Environment, full = true) {
  const stored = checksOf(env);
  const checks = full ? stored : { ...stored, triggers: redactedRules(stored.triggers) };
  return {
    service: service.name,
    environment: env.name,
    custom: env.checks !== null,
    checks,
    /** The trigger rules in force: the environment's own, or the defaults. */
    triggers: checks.triggers ?? DEFAULT_TRIGGERS,
    defaults: DEFAULT_CHECKS,
    defaultTriggers: DEFAULT_TRIGGERS,
  };
}

export async function getChecks(ctx: ServiceContext, input: z.input<typeof checksInput>) {
  requireScope(ctx, 'services:read');
  const data = checksInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  return view(service, await environmentByName(ctx.db, service, data.environment), can(actorRole(ctx.actor), 'environments:write'));
}

/** The latest version of a suite of the service, or an error at `field`. */
async function suiteNamed(db: Db, service: Service, name: string, field: string, purpose: string) {
  const [suite] = await db
    .select({ spec: evalSuiteVersions.spec })
    .from(evalSuites)
    .innerJoin(evalSuiteVersions, eq(evalSuiteVersions.suiteId, evalSuites.id))
    .where(and(eq(evalSuites.serviceId, service.id), eq(evalSuites.name, name)))
    .orderBy(desc(evalSuiteVersions.version))
    .limit(1);
  if (!suite) throw invalid(field, `${service.name} has no eval suite named "${name}"`);
  const type = suite.spec.type ?? 'eval';
  if (type !== 'eval') throw invalid(field, `"${name}" is a ${type} suite; ${purpose} need an eval suite`);
  return suite.spec;
}

/** Checks everything a save names before anything is written. */
async function checkReferences(ctx: ServiceContext, service: Service, checks: ProductionChecks) {
  const db = ctx.db;
  if (checks.onlineEvals.suite) {
    const spec = await suiteNamed(db, service, checks.onlineEvals.suite, 'checks.onlineEvals.suite', 'online evals');
    if (!spec.assertions.length) throw invalid('checks.onlineEvals.suite', `"${checks.onlineEvals.suite}" has no suite-level assertions to score live answers with`);
  }
  if (checks.smoke.suite) {
    const spec = await suiteNamed(db, service, checks.smoke.suite, 'checks.smoke.suite', 'smoke tests');
    if (!spec.dataset) throw invalid('checks.smoke.suite', `"${checks.smoke.suite}" has no dataset to take smoke cases from`);
  }
  const ref = checks.drift.reference;
  if (ref.kind === 'dataset') {
    const [set] = await db.select().from(datasets).where(and(eq(datasets.serviceId, service.id), eq(datasets.name, ref.dataset)));
    if (!set) throw invalid('checks.drift.reference.dataset', `${service.name} has no dataset named "${ref.dataset}"`);
    if (ref.version !== null) {
      const [v] = await db.select({ id: datasetVersions.id }).from(datasetVersions).where(and(eq(datasetVersions.datasetId, set.id), eq(datasetVersions.version, ref.version)));
      if (!v) throw invalid('checks.drift.reference.version', `dataset "${ref.dataset}" has no version ${ref.version}`);
    }
  }
  if (checks.drift.embeddingsModel) {
    const [name, version] = checks.drift.embeddingsModel.split('@') as [string, string];
    const [mv] = await db
      .select({ kind: modelVersions.providerKind, baseUrl: modelVersions.baseUrl, secret: secrets })
      .from(modelVersions)
      .innerJoin(models, eq(models.id, modelVersions.modelId))
      .leftJoin(secrets, eq(secrets.id, modelVersions.apiKeySecretId))
      .where(and(eq(models.name, name), eq(modelVersions.version, Number(version))));
    if (!mv) throw invalid('checks.drift.embeddingsModel', `no model version ${checks.drift.embeddingsModel}`);
    if (!mv.baseUrl) throw invalid('checks.drift.embeddingsModel', `${checks.drift.embeddingsModel} has no endpoint to call`);
    // Its key is sent for this service's drift reports: refused now, not at the first report, when its scope says no.
    if (mv.secret) {
      const refusal = await refusalOfUse(db, mv.secret, { purpose: 'provider_key', service: service.name, url: `${mv.baseUrl.replace(/\/+$/, '')}/embeddings` });
      if (refusal) throw invalid('checks.drift.embeddingsModel', `${checks.drift.embeddingsModel}: ${refusal}`);
    }
  }
  for (const [i, rule] of (checks.triggers ?? []).entries()) {
    const hook = rule.actions.webhook;
    if (!hook) continue;
    const field = `checks.triggers.${i}.actions.webhook`;
    const refused = literalAddressRefusal(hook.url);
    if (refused) throw invalid(`${field}.url`, refused);
    await bindSecret(ctx, { field: `${field}.secret`, name: hook.secret, purpose: 'webhook_signing', service: service.name, url: hook.url, boundTo: `retraining webhook of ${service.name}/${rule.id}` });
  }
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
  return value;
}

export async function updateChecks(ctx: ServiceContext, input: z.input<typeof updateChecksInput>) {
  requireScope(ctx, 'environments:write');
  const data = updateChecksInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    const label = `${service.name}/${env.name}`;
    const before = checksOf(env);
    if (data.checks) await checkReferences(tx, service, data.checks);
    const after = data.checks ?? DEFAULT_CHECKS;
    // Stored JSON comes back with its keys reordered; compare with the keys sorted.
    const changes = diffValues(sortedKeys(before), sortedKeys(after));
    if (!changes.length && (env.checks === null) === (data.checks === null)) {
      recordNoChange(tx);
      return view(service, env);
    }
    const [updated] = await tx.db.update(environments).set({ checks: data.checks, updatedAt: new Date() }).where(eq(environments.id, env.id)).returning();
    // The gateway keeps samples for online evals' share: it reloads at once (NOTIFY on PostgreSQL).
    await notifyGateway(tx);
    await recordAudit(tx, {
      action: 'checks.update',
      target: { kind: 'environment', id: env.id, label },
      summary: data.checks === null ? `Production checks of ${label} back to the defaults` : `Changed the production checks of ${label}: ${changes.map((c) => c.path).join(', ')}`,
      changes: Object.fromEntries(changes.map((c) => [c.path, { from: c.before, to: c.after }])),
    });
    return view(service, updated!);
  });
}
