// Drift reports: an environment's reference window against its current one, feature by feature (the Evidently
// rule, in server/drift) and text by text (a domain classifier on the kept samples), for the whole environment
// and, when several releases served the current window, for each release's arm. Every report is stored with its
// windows, methods, statistics, thresholds and the settings in force, so it reads the same later; a report that
// could not be computed is stored as `failed` with the reason. Each stored report goes to the triggers.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { driftReports, environments, services, type DriftReport, type DriftSettings, type Environment, type FeatureDrift, type Service, type TextDrift } from '@/db/schema';
import { driftVerdict, embeddingDrift, featureDrift, textDrift } from '@/server/drift';
import { notFound } from '@/server/errors';
import { logger } from '@/server/logger';
import { recordAudit } from '../audit/record';
import { checksOf } from '../checks/settings';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { deliverFired, onDriftReport } from '../triggers/fire';
import { embedderFor, type Embedder } from './embeddings';
import { summaryOf, type DriftReportSummary } from './queries';
import { featureSamples, readDatasetRows, readWindow, recountedInputTokens, referenceSpan, textsOf, windowArms, type WindowData } from './windows';

/** The text classifier's seed: a report over the same windows reads the same. */
const TEXT_SEED = 14;

export interface RunDriftOptions {
  environmentId: string;
  trigger: 'schedule' | 'manual';
  requestedBy: string | null;
  /** The report's instant (tests); now by default. */
  now?: Date;
  /**
   * Inside a caller's transaction: schedules the triggers' deliveries for after its commit (given the database to
   * send them with). Without it they go out as soon as each report's triggers are recorded.
   */
  afterCommit?: (send: (db: Db) => Promise<void>) => Promise<void>;
}

const hoursLabel = (h: number) => (h % 24 === 0 && h >= 48 ? `${h / 24} days` : `${h} h`);

/** What a stored failed report says: the error's own message; a database error's reason, never its query. */
function errorText(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : null;
  const message = e instanceof Error ? (cause && e.message.startsWith('Failed query') ? `database error: ${cause.message}` : e.message) : String(e);
  return message.slice(0, 500);
}

/** Embeds texts once per run: the reference window's texts serve every comparison. */
function cachedEmbeddings(embedder: Embedder) {
  const cache = new Map<string, Promise<number[][]>>();
  return (key: string, texts: string[]) => {
    if (!cache.has(key)) cache.set(key, embedder.embed(texts));
    return cache.get(key)!;
  };
}

/** One comparison: features, texts (and their embeddings when a model is set), and the verdict. */
async function compare(reference: WindowData, current: WindowData, settings: DriftSettings, embeddings: { model: string; get: ReturnType<typeof cachedEmbeddings> } | { model: string; error: string } | null, currentKey: string) {
  const features: FeatureDrift[] = featureSamples(reference, current).map((s) => featureDrift(s));
  const fields: ('input' | 'output')[] = reference.inputsOnly ? ['input'] : ['input', 'output'];
  const text: TextDrift[] = fields.map((field) => textDrift(field, textsOf(reference, field), textsOf(current, field), { seed: TEXT_SEED }));
  if (embeddings) {
    for (const field of fields) {
      const ref = textsOf(reference, field);
      const cur = textsOf(current, field);
      try {
        if ('error' in embeddings) throw new Error(embeddings.error);
        text.push(embeddingDrift(field, await embeddings.get(`reference:${field}`, ref), await embeddings.get(`${currentKey}:${field}`, cur), { seed: TEXT_SEED }));
      } catch (e) {
        // The embeddings endpoint failing leaves the rest of the report standing, saying why this part is missing.
        text.push({ field, method: 'embeddings-classifier', auc: null, threshold: 0.55, drifted: false, referenceRows: ref.length, currentRows: cur.length, topNgrams: [], skipped: errorText(e) });
      }
    }
  }
  return { features, text, ...driftVerdict(features, text, settings.datasetDriftShare) };
}

/**
 * Computes and stores the drift reports of one environment: the environment-wide one first, then one per release
 * arm when `perRelease` and more than one release answered in the current window. Returns the stored reports.
 */
export async function runDriftReports(db: Db, opts: RunDriftOptions): Promise<DriftReport[]> {
  const [env] = await db.select().from(environments).where(eq(environments.id, opts.environmentId)).limit(1);
  if (!env) throw notFound('Environment');
  const [service] = await db.select().from(services).where(eq(services.id, env.serviceId)).limit(1);
  const now = opts.now ?? new Date();
  const settings = checksOf(env).drift;
  const started = Date.now();
  const base = { serviceId: env.serviceId, environmentId: env.id, environment: env.name, trigger: opts.trigger, requestedBy: opts.requestedBy, createdAt: now };
  const currentFromDefault = new Date(now.getTime() - settings.currentHours * 3_600_000);
  let values: (typeof driftReports.$inferInsert)[];
  try {
    // Reads in a savepoint of their own: a failed read (inside a caller's transaction) is rolled back alone, and the
    // failed report can still be stored.
    values = await db.transaction(async (tx) => {
      const rdb = tx as unknown as Db;
      const pending: (typeof driftReports.$inferInsert)[] = [];
      const span = await referenceSpan(rdb, env, settings.reference, now);
      // The current window starts after the reference ends: a window compared with itself shows no drift.
      const currentFrom = span.kind === 'dataset' || span.to <= currentFromDefault ? currentFromDefault : span.to;
      const currentLabel = currentFrom.getTime() === currentFromDefault.getTime() ? `last ${hoursLabel(settings.currentHours)}` : `since the reference window ended (at most ${hoursLabel(settings.currentHours)})`;
      const inForce: DriftSettings = { ...settings, reference: span.resolved };

      let reference: WindowData;
      if (span.datasetVersionId) {
        const rows = await readDatasetRows(rdb, span.datasetVersionId, settings.maxRows);
        reference = { rows, inputsOnly: true, window: { from: span.from.toISOString(), to: span.to.toISOString(), rows: rows.length, total: rows.length, label: span.label } };
      } else {
        const read = await readWindow(rdb, { serviceId: env.serviceId, environment: env.name, from: span.from, to: span.to, maxRows: settings.maxRows });
        reference = { rows: read.rows, textRows: read.textRows, inputsOnly: false, window: { from: span.from.toISOString(), to: span.to.toISOString(), rows: read.rows.length, total: read.total, label: span.label } };
      }
      const readCurrent = async (releaseId: string | null, label: string): Promise<WindowData> => {
        const read = await readWindow(rdb, { serviceId: env.serviceId, environment: env.name, from: currentFrom, to: now, releaseId, maxRows: settings.maxRows });
        // Against a dataset, input tokens are counted from the kept input texts (recountedInputTokens).
        const rows = reference.inputsOnly ? await recountedInputTokens(read.textRows) : read.rows;
        return { rows, textRows: read.textRows, inputsOnly: false, window: { from: currentFrom.toISOString(), to: now.toISOString(), rows: rows.length, total: read.total, label } };
      };

      let embeddings: Parameters<typeof compare>[3] = null;
      if (settings.embeddingsModel) {
        try {
          embeddings = { model: settings.embeddingsModel, get: cachedEmbeddings(await embedderFor(rdb, settings.embeddingsModel, service?.name ?? '')) };
        } catch (e) {
          embeddings = { model: settings.embeddingsModel, error: errorText(e) };
        }
      }

      const current = await readCurrent(null, currentLabel);
      const whole = await compare(reference, current, settings, embeddings, 'current');
      pending.push({
        ...base,
        status: whole.status,
        reference: { ...reference.window, kind: span.kind },
        current: current.window,
        features: whole.features,
        text: whole.text,
        driftedShare: whole.driftedShare,
        datasetDrift: whole.datasetDrift,
        settings: inForce,
        durationMs: Date.now() - started,
      });

      if (settings.perRelease) {
        // Every release that answered in the window, not only those among the sampled rows: a small arm is one too.
        const arms = new Map<string, number | null>();
        for (const a of await windowArms(rdb, { serviceId: env.serviceId, environment: env.name, from: currentFrom, to: now })) arms.set(a.releaseId, a.releaseNumber);
        if (arms.size > 1) {
          for (const [releaseId, releaseNumber] of [...arms.entries()].sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))) {
            const armStarted = Date.now();
            const arm = await readCurrent(releaseId, `${currentLabel}, release #${releaseNumber}`);
            const result = await compare(reference, arm, settings, embeddings, `release:${releaseId}`);
            pending.push({
              ...base,
              releaseId,
              releaseNumber,
              status: result.status,
              reference: { ...reference.window, kind: span.kind },
              current: arm.window,
              features: result.features,
              text: result.text,
              driftedShare: result.driftedShare,
              datasetDrift: result.datasetDrift,
              settings: inForce,
              durationMs: Date.now() - armStarted,
            });
          }
        }
      }
      return pending;
    });
  } catch (e) {
    logger.warn({ err: e, environmentId: env.id, service: service?.name }, 'drift report failed');
    const empty = { from: now.toISOString(), to: now.toISOString(), rows: 0, total: 0, label: '' };
    values = [{
      ...base,
      status: 'failed',
      reference: { ...empty, kind: settings.reference.kind },
      current: { ...empty, from: currentFromDefault.toISOString(), label: `last ${hoursLabel(settings.currentHours)}` },
      features: [],
      text: [],
      driftedShare: null,
      datasetDrift: false,
      settings,
      error: errorText(e),
      durationMs: Date.now() - started,
    }];
  }
  const order = (r: { releaseId?: string | null }) => values.findIndex((v) => (v.releaseId ?? null) === (r.releaseId ?? null));
  const stored: DriftReport[] = (await db.insert(driftReports).values(values).returning()).sort((a, b) => order(a) - order(b));
  const fired: string[] = [];
  for (const report of stored) {
    try {
      // Its own savepoint too: a trigger that fails is logged and leaves the stored reports (and the caller's
      // transaction) intact.
      await db.transaction((tx) => onDriftReport(tx as unknown as Db, report, async (ids) => void fired.push(...ids)));
    } catch (e) {
      logger.error({ err: e, reportId: report.id }, 'drift report triggers failed');
    }
  }
  if (opts.afterCommit) await opts.afterCommit((root) => deliverFired(root, fired));
  else await deliverFired(db, fired);
  return stored;
}

export const runInput = z.object({ service: slugSchema, environment: slugSchema });

/** drift.run: the environment's reports now, on demand (audited `drift.run`). */
export async function runDrift(ctx: ServiceContext, input: z.input<typeof runInput>): Promise<DriftReportSummary[]> {
  requireScope(ctx, 'environments:deploy');
  const data = runInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service: Service = await serviceByName(tx.db, data.service);
    const env: Environment = await environmentByName(tx.db, service, data.environment);
    const root = tx.outerDb ?? ctx.db;
    const reports = await runDriftReports(tx.db, { environmentId: env.id, trigger: 'manual', requestedBy: by(tx), afterCommit: (send) => onCommit(tx, () => send(root)) });
    const whole = reports.find((r) => r.releaseId === null) ?? reports[0];
    const label = `${service.name}/${env.name}`;
    await recordAudit(tx, {
      action: 'drift.run',
      target: { kind: 'environment', id: env.id, label },
      summary: `Ran drift reports for ${label}: ${whole ? describeStatus(whole) : 'nothing stored'}${reports.length > 1 ? ` (and ${reports.length - 1} per release)` : ''}`,
    });
    return reports.map((r) => summaryOf(r, service.name));
  });
}

function describeStatus(r: DriftReport): string {
  if (r.status === 'failed') return `failed (${r.error ?? 'unknown error'})`;
  if (r.status === 'insufficient') return 'too little data to test';
  const share = r.driftedShare === null ? '' : `, ${Math.round(r.driftedShare * 100)}% of features drifted`;
  return `${r.status === 'drift' ? 'drift' : 'no drift'}${share}`;
}
