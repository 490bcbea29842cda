// Sums an environment's rollups over a window, for alerts (burn rates) and the overview: whole hours from the hour
// rollups, the ragged edges from the minute rollups, so a 30-day window reads ~720 rows rather than 43,200.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { rollupsHour, rollupsMinute } from '@/db/schema';
import { addRow, emptyAccumulator, readRollups, type Accumulator } from './read';

export interface WindowFigures {
  requests: number;
  errors: number;
  latency: number[];
  ttft: number[];
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  feedbackCount: number;
  feedbackSum: number;
  fallbacks: number;
}

const HOUR = 3600_000;

/** Sum of the rollups of one environment (optionally one release, shadow excluded) over [from, to). */
export async function windowFigures(db: Db, q: { serviceId: string; environment: string; from: Date; to: Date; releaseNumber?: number }): Promise<WindowFigures> {
  const firstHour = new Date(Math.ceil(q.from.getTime() / HOUR) * HOUR);
  const lastHour = new Date(Math.floor(q.to.getTime() / HOUR) * HOUR);
  const base = { serviceIds: [q.serviceId], environment: q.environment, releaseNumber: q.releaseNumber };
  const parts =
    lastHour > firstHour
      ? [
          { ...base, table: rollupsMinute, from: q.from, to: firstHour },
          { ...base, table: rollupsHour, from: firstHour, to: lastHour },
          { ...base, table: rollupsMinute, from: lastHour, to: q.to },
        ]
      : [{ ...base, table: rollupsMinute, from: q.from, to: q.to }];
  const acc: Accumulator = emptyAccumulator();
  for (const part of parts) {
    if (part.to <= part.from) continue;
    for (const row of await readRollups(db, part, eq(part.table.shadow, false))) addRow(acc, row);
  }
  const { errorsByClass: _classes, ...figures } = acc;
  return figures;
}
