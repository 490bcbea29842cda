// Reading drift reports: an environment's list (newest first, histograms left out), one report whole, the
// latest environment-wide report of every environment (Monitoring's panel), each feature's verdict per report over
// a range (the "status over time" chart) and the kept samples of a report's windows (what a retraining webhook
// points at).
import { and, asc, desc, eq, gte, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { driftReports, environments, requestLogs, services, type DriftMethod, type DriftReport, type DriftSettings } from '@/db/schema';
import { textFeature } from '@/server/drift';
import { invalid, notFound } from '@/server/errors';
import { storableDate } from '@/server/lib/storable';
import { requireScope, type ServiceContext } from '../context';
import { casesOf, resolveDatasetVersion } from '../datasets/resolve';
import { resolveRange } from '../monitoring/range';
import { rangeInput } from '../monitoring/types';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { caseInputText, liveTraffic } from './windows';

const envRef = z.object({ service: slugSchema, environment: slugSchema });

export const reportsInput = envRef.extend({
  limit: z.number().int().min(1, 'must be at least 1').max(200, 'must be at most 200').default(20),
  /** Reports created before this instant (the next page). */
  before: storableDate().optional(),
});
export const reportInput = z.object({ id: z.uuid({ message: 'must be a report id (uuid)' }) });
export const latestInput = z.object({ service: slugSchema.optional() });
export const timelineInput = envRef.and(rangeInput);
export const samplesInput = z.object({
  id: z.uuid({ message: 'must be a report id (uuid)' }),
  window: z.enum(['reference', 'current'], { message: 'must be reference or current' }),
  limit: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(100),
});

/** A report as the list shows it: every figure but the histograms. */
export function summaryOf(r: DriftReport, service: string) {
  return {
    id: r.id,
    service,
    environment: r.environment,
    releaseNumber: r.releaseNumber,
    trigger: r.trigger,
    requestedBy: r.requestedBy,
    status: r.status,
    reference: r.reference,
    current: r.current,
    driftedShare: r.driftedShare,
    datasetDrift: r.datasetDrift,
    features: r.features.map(({ histogram: _h, ...f }) => f),
    text: r.text,
    settings: r.settings,
    error: r.error,
    durationMs: r.durationMs,
    createdAt: r.createdAt,
  };
}
export type DriftReportSummary = ReturnType<typeof summaryOf>;

/** The whole report, histograms included, as it was stored. */
export function reportOf(r: DriftReport, service: string) {
  return { ...summaryOf(r, service), features: r.features };
}
export type DriftReportView = ReturnType<typeof reportOf>;

export async function listDriftReports(ctx: ServiceContext, input: z.input<typeof reportsInput>): Promise<{ reports: DriftReportSummary[]; nextBefore: Date | null }> {
  requireScope(ctx, 'services:read');
  const data = reportsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const rows = await ctx.db
    .select()
    .from(driftReports)
    .where(and(eq(driftReports.environmentId, env.id), data.before ? lt(driftReports.createdAt, data.before) : undefined))
    .orderBy(desc(driftReports.createdAt), desc(driftReports.id))
    .limit(data.limit + 1);
  const page = rows.slice(0, data.limit);
  return { reports: page.map((r) => summaryOf(r, service.name)), nextBefore: rows.length > data.limit ? page.at(-1)!.createdAt : null };
}

async function reportById(db: Db, id: string): Promise<{ report: DriftReport; service: string }> {
  const [row] = await db.select({ report: driftReports, service: services.name }).from(driftReports).innerJoin(services, eq(services.id, driftReports.serviceId)).where(eq(driftReports.id, id)).limit(1);
  if (!row) throw notFound('Drift report');
  return row;
}

export async function getDriftReport(ctx: ServiceContext, input: z.input<typeof reportInput>): Promise<DriftReportView> {
  requireScope(ctx, 'services:read');
  const data = reportInput.parse(input);
  const { report, service } = await reportById(ctx.db, data.id);
  return reportOf(report, service);
}

/** The newest environment-wide report of every environment (of one service, or all), for Monitoring. */
export async function latestDriftReports(ctx: ServiceContext, input: z.input<typeof latestInput>): Promise<DriftReportSummary[]> {
  requireScope(ctx, 'services:read');
  const data = latestInput.parse(input);
  const service = data.service ? await serviceByName(ctx.db, data.service, { allowArchived: true }) : null;
  const rows = await ctx.db
    .selectDistinctOn([driftReports.environmentId], { report: driftReports, service: services.name })
    .from(driftReports)
    .innerJoin(services, eq(services.id, driftReports.serviceId))
    .innerJoin(environments, eq(environments.id, driftReports.environmentId))
    .where(and(isNull(driftReports.releaseId), service ? eq(driftReports.serviceId, service.id) : undefined))
    .orderBy(driftReports.environmentId, desc(driftReports.createdAt), desc(driftReports.id));
  return rows.map((r) => summaryOf(r.report, r.service)).sort((a, b) => a.service.localeCompare(b.service) || a.environment.localeCompare(b.environment));
}

export interface TimelinePoint {
  reportId: string;
  t: Date;
  status: DriftReport['status'];
  drifted: boolean;
  statistic: number | null;
  threshold: number;
  method: DriftMethod;
  pValue: number | null;
  skipped: string | null;
}

export interface DriftTimeline {
  service: string;
  environment: string;
  from: string;
  to: string;
  /** Each feature (text drift as `input_text` / `output_text`, the names trigger rules use) with one point per environment-wide report. */
  features: { feature: string; points: TimelinePoint[] }[];
  /** Every environment-wide report in the range: time, status and drifted share. */
  reports: { id: string; t: Date; status: DriftReport['status']; driftedShare: number | null; datasetDrift: boolean }[];
}

/** Each feature's verdict per environment-wide report over a range, oldest first. */
export async function driftTimeline(ctx: ServiceContext, input: z.input<typeof timelineInput>): Promise<DriftTimeline> {
  requireScope(ctx, 'services:read');
  const data = timelineInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const { from, to } = resolveRange(data);
  const rows = await ctx.db
    .select()
    .from(driftReports)
    .where(and(eq(driftReports.environmentId, env.id), isNull(driftReports.releaseId), gte(driftReports.createdAt, from), lt(driftReports.createdAt, to)))
    .orderBy(asc(driftReports.createdAt), asc(driftReports.id))
    .limit(2000);
  const byFeature = new Map<string, TimelinePoint[]>();
  const push = (feature: string, p: TimelinePoint) => {
    if (!byFeature.has(feature)) byFeature.set(feature, []);
    byFeature.get(feature)!.push(p);
  };
  for (const r of rows) {
    for (const f of r.features) {
      push(f.feature, { reportId: r.id, t: r.createdAt, status: r.status, drifted: f.drifted, statistic: f.skipped ? null : f.statistic, threshold: f.threshold, method: f.method, pValue: f.pValue, skipped: f.skipped });
    }
    for (const tx of r.text) {
      push(textFeature(tx), { reportId: r.id, t: r.createdAt, status: r.status, drifted: tx.drifted, statistic: tx.auc, threshold: tx.threshold, method: tx.method, pValue: null, skipped: tx.skipped });
    }
  }
  return {
    service: service.name,
    environment: env.name,
    from: from.toISOString(),
    to: to.toISOString(),
    features: [...byFeature.entries()].map(([feature, points]) => ({ feature, points })),
    reports: rows.map((r) => ({ id: r.id, t: r.createdAt, status: r.status, driftedShare: r.driftedShare, datasetDrift: r.datasetDrift })),
  };
}

export interface DriftSample {
  /** The request id, or `case:<index>` for a dataset case. */
  id: string;
  at: Date | null;
  releaseNumber: number | null;
  input: string;
  output: string | null;
}

/**
 * The kept samples of one window of a report: the requests of the window's span (the report's release only, for a
 * per-release report) that kept a sample, newest first; for a dataset reference, the cases' inputs.
 */
export async function driftSamples(ctx: ServiceContext, input: z.input<typeof samplesInput>): Promise<{ reportId: string; window: 'reference' | 'current'; from: string; to: string; label: string; samples: DriftSample[] }> {
  requireScope(ctx, 'services:read');
  const data = samplesInput.parse(input);
  const { report } = await reportById(ctx.db, data.id);
  const window = data.window === 'reference' ? report.reference : report.current;
  const head = { reportId: report.id, window: data.window, from: window.from, to: window.to, label: window.label };
  const ref = (report.settings as DriftSettings).reference;
  if (data.window === 'reference' && report.reference.kind === 'dataset' && ref.kind === 'dataset') {
    if (ref.version === null) throw invalid('id', 'the report does not record which dataset version it read');
    const version = await resolveDatasetVersion(ctx.db, report.serviceId, ref.dataset, ref.version);
    const cases = await casesOf(ctx.db, version.id);
    return { ...head, samples: cases.slice(0, data.limit).map((c) => ({ id: `case:${c.index}`, at: null, releaseNumber: null, input: caseInputText(c.input), output: null })) };
  }
  const where: SQL[] = [
    eq(requestLogs.serviceId, report.serviceId),
    eq(requestLogs.environment, report.environment),
    gte(requestLogs.at, new Date(window.from)),
    lt(requestLogs.at, new Date(window.to)),
    isNotNull(requestLogs.sample),
    sql`${requestLogs.sample} <> 'null'::jsonb`,
    ...liveTraffic(),
  ];
  if (report.releaseId) where.push(eq(requestLogs.releaseId, report.releaseId));
  const rows = await ctx.db
    .select({ requestId: requestLogs.requestId, at: requestLogs.at, releaseNumber: requestLogs.releaseNumber, sample: requestLogs.sample })
    .from(requestLogs)
    .where(and(...where))
    .orderBy(desc(requestLogs.at), desc(requestLogs.id))
    .limit(data.limit);
  return { ...head, samples: rows.map((r) => ({ id: r.requestId, at: r.at, releaseNumber: r.releaseNumber, input: r.sample?.input ?? '', output: r.sample?.output ?? null })) };
}
