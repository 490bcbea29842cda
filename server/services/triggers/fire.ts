// Triggers: a drift report, a failed smoke run, or online quality / feedback crossing a rule becomes one recorded
// event per (environment, rule, source key) — calling again with the same report, run or window changes nothing —
// audited (`trigger.fire`, actor system), and then its actions: a notification to the environment's webhook, a
// signed retraining webhook, a pipeline run. The first delivery is tried at once; `deliverPendingActions` (every
// five minutes) retries, MAX_ATTEMPTS in all.
import { eq, isNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, services, type DriftReport, type SmokeRun, type TriggerRule } from '@/db/schema';
import { logger } from '@/server/logger';
import { checksOf, triggerRulesOf } from '../checks/settings';
import { deliverActions } from './deliver';
import { textFeature, type DriftData, type DriftedItem, type SmokeData } from './message';
import { evaluateQualityRule } from './quality';
import { recordFiring, targetOf, type Target } from './record';

const rulesFor = (target: Target, source: TriggerRule['source']) => triggerRulesOf(target.env).filter((r) => r.enabled && r.source === source);

/** What a drift report says, for its events and the webhook (histograms and n-grams left in the report). */
export function driftData(report: DriftReport, feature: string | null, datasetDriftShare: number): DriftData {
  const drifted: DriftedItem[] = [
    ...report.features.filter((f) => f.drifted && !f.skipped).map((f) => ({ feature: f.feature, method: f.method, statistic: f.statistic, pValue: f.pValue, threshold: f.threshold })),
    ...report.text.filter((t) => t.drifted && !t.skipped && t.auc !== null).map((t) => ({ feature: textFeature(t), method: t.method, statistic: t.auc!, pValue: null, threshold: t.threshold })),
  ];
  return {
    kind: 'drift',
    reportId: report.id,
    status: report.status,
    reportAt: report.createdAt.toISOString(),
    releaseNumber: report.releaseNumber,
    reference: report.reference,
    current: report.current,
    driftedShare: report.driftedShare,
    datasetDrift: report.datasetDrift,
    datasetDriftShare,
    feature,
    drifted,
    features: report.features.map(({ histogram: _h, ...f }) => f),
    text: report.text.map(({ topNgrams: _n, ...t }) => t),
  };
}

/** Whether a drift rule fires on the report: dataset drift (no feature named), or the named feature drifted. */
export function driftRuleFires(rule: Pick<TriggerRule, 'feature'>, report: Pick<DriftReport, 'status' | 'datasetDrift' | 'features' | 'text'>): boolean {
  if (report.status === 'failed' || report.status === 'insufficient') return false;
  if (rule.feature === null) return report.datasetDrift;
  return report.features.some((f) => f.feature === rule.feature && f.drifted && !f.skipped) || report.text.some((t) => textFeature(t) === rule.feature && t.drifted && !t.skipped);
}

/** A stored drift report (the environment's or one release's): fires the drift rules it crosses, once per report. */
export async function onDriftReport(db: Db, report: DriftReport): Promise<void> {
  const target = await targetOf(db, report.environmentId);
  if (!target) return;
  const share = report.settings?.datasetDriftShare ?? checksOf(target.env).drift.datasetDriftShare;
  const fired: string[] = [];
  for (const rule of rulesFor(target, 'drift')) {
    if (!driftRuleFires(rule, report)) continue;
    const id = await recordFiring(db, target, { rule, sourceKey: report.id, releaseNumber: report.releaseNumber, data: driftData(report, rule.feature, share) });
    if (id) fired.push(id);
  }
  await deliverNow(db, fired);
}

export function smokeData(run: SmokeRun): SmokeData {
  return {
    kind: 'smoke',
    runId: run.id,
    status: run.status,
    trigger: run.trigger,
    key: run.key,
    cases: run.cases,
    passed: run.passed,
    error: run.error,
    startedAt: run.startedAt.toISOString(),
    failures: run.results.filter((r) => !r.pass).map((r) => ({ caseIndex: r.caseIndex, releaseNumber: r.releaseNumber, status: r.status, reason: r.reason.slice(0, 300), requestId: r.requestId })),
  };
}

/** A finished smoke run: a failed one (or one that could not run) fires the environment's smoke rules, once per run. */
export async function onSmokeRun(db: Db, run: SmokeRun): Promise<void> {
  if (run.status !== 'failed' && run.status !== 'error') return;
  const target = await targetOf(db, run.environmentId);
  if (!target) return;
  const data = smokeData(run);
  const releases = [...new Set(data.failures.map((f) => f.releaseNumber))];
  const fired: string[] = [];
  for (const rule of rulesFor(target, 'smoke')) {
    const id = await recordFiring(db, target, { rule, sourceKey: run.id, releaseNumber: releases.length === 1 ? (releases[0] ?? null) : null, data });
    if (id) fired.push(id);
  }
  await deliverNow(db, fired);
}

/** Online-quality and feedback rules of every environment over their windows ending at `now`'s grain; a window fires once. */
export async function evaluateQualityTriggers(db: Db, now: Date = new Date()): Promise<void> {
  const rows = await db.select({ env: environments, service: services }).from(environments).innerJoin(services, eq(services.id, environments.serviceId)).where(isNull(services.archivedAt));
  for (const target of rows) {
    for (const rule of triggerRulesOf(target.env).filter((r) => r.enabled && (r.source === 'online-quality' || r.source === 'feedback'))) {
      try {
        const firing = await evaluateQualityRule(db, target.env, rule, now);
        if (firing) await recordFiring(db, target, { rule, ...firing });
      } catch (err) {
        // One environment's failure does not stop the others; the next evaluation tries it again.
        logger.error({ err, environment: `${target.service.name}/${target.env.name}`, rule: rule.id }, 'a trigger rule could not be evaluated');
      }
    }
  }
}

/** Sends the pending notifications and webhooks of trigger events, and retries failed ones (3 attempts in all). */
export async function deliverPendingActions(db: Db, now: Date = new Date()): Promise<void> {
  const result = await deliverActions(db, now);
  if (result.sent || result.failed) logger.info(result, 'trigger actions delivered');
}

/** The first attempt right after firing; whatever fails waits for deliverPendingActions. */
async function deliverNow(db: Db, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await deliverActions(db, new Date(), ids).catch((err: unknown) => logger.error({ err }, 'trigger actions could not be delivered; the next delivery tries again'));
}
