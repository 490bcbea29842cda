// replaced by the triggers part at merge
import type { Db } from '@/db/client';
import type { SmokeRun } from '@/db/schema';

export async function onSmokeRun(db: Db, run: SmokeRun): Promise<void> {
  void db;
  void run;
}
