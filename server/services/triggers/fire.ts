// replaced by the triggers part at merge
import type { Db } from '@/db/client';
import type { DriftReport } from '@/db/schema';

export async function onDriftReport(db: Db, report: DriftReport): Promise<void> {
  void db;
  void report;
}
