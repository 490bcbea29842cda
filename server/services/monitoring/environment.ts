// monitoring.environment: an environment's traffic over a range, per chart step and release (shadow apart), with
// per-release totals and the markers of what changed.
import { z } from 'zod';
import type { Db } from '@/db/client';
import type { Environment, Service } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { environmentMarkers } from './markers';
import { chartRange } from './range';
import { addRow, emptyAccumulator, readRollups, stepStart, toPoint, toTotals, type Accumulator } from './read';
import { rangeInput, type EnvironmentSeries } from './types';

export const environmentSeriesInput = z.object({ service: slugSchema, environment: slugSchema }).and(rangeInput);

/** The series of one environment over a resolved range; `releaseNumber` keeps one release's traffic only. */
export async function environmentSeriesOf(db: Db, service: Service, env: Environment, range: ReturnType<typeof chartRange>, releaseNumber?: number): Promise<EnvironmentSeries> {
  const rows = await readRollups(db, { table: range.table, from: range.from, to: range.to, serviceIds: [service.id], environment: env.name, releaseNumber });
  const live = new Map<string, { t: string; release: number; acc: Accumulator }>();
  const shadow = new Map<string, { t: string; release: number; acc: Accumulator }>();
  const totals = new Map<number, Accumulator>();
  for (const row of rows) {
    const t = stepStart(row.bucket, range.stepSeconds);
    const into = row.shadow ? shadow : live;
    const key = `${t}|${row.releaseNumber}`;
    let point = into.get(key);
    if (!point) into.set(key, (point = { t, release: row.releaseNumber, acc: emptyAccumulator() }));
    addRow(point.acc, row);
    if (!row.shadow) {
      if (!totals.has(row.releaseNumber)) totals.set(row.releaseNumber, emptyAccumulator());
      addRow(totals.get(row.releaseNumber)!, row);
    }
  }
  const points = (m: typeof live) => [...m.values()].filter((p) => p.acc.requests > 0 || p.acc.feedbackCount > 0).map((p) => toPoint(p.t, p.release, p.acc)).sort((a, b) => a.t.localeCompare(b.t) || a.release - b.release);
  const releases = [...totals.keys()].sort((a, b) => b - a);
  return {
    service: service.name,
    environment: env.name,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    stepSeconds: range.stepSeconds,
    releases,
    points: points(live),
    shadow: points(shadow),
    markers: await environmentMarkers(db, env, range.from, range.to),
    totals: releases.map((r) => toTotals(r, totals.get(r)!)),
  };
}

export async function environmentSeries(ctx: ServiceContext, input: z.input<typeof environmentSeriesInput>): Promise<EnvironmentSeries> {
  requireScope(ctx, 'services:read');
  const data = environmentSeriesInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  return environmentSeriesOf(ctx.db, service, env, chartRange(data));
}
