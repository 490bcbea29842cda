// Builds started by hand run in this process once recorded; their progress is read from their row.
import type { Db } from '@/db/client';
import { logger } from '@/server/logger';
import { runImageBuild } from './build';

const running = new Set<Promise<unknown>>();

/** Runs a queued build in the background. */
export function runManualBuild(db: Db, buildId: string): void {
  const p = runImageBuild(db, buildId)
    .catch((err: unknown) => logger.error({ err, build: buildId }, 'an image build could not record its end'))
    .finally(() => running.delete(p));
  running.add(p);
}

/** Waits for the builds started here (tests, shutdown). */
export async function settleManualBuilds(): Promise<void> {
  await Promise.all([...running]);
}
