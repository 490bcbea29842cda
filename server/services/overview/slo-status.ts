// SLO status of every production environment: its objectives (error rate, p95 latency, p95 TTFT, cost per
// request) against its live traffic of the last hour, read from the rollups.
import type { Slos } from '@/db/schema';
import { quantile } from '@/server/lib/histogram';
import { requireScope, type ServiceContext } from '../context';
import { windowFigures } from '../monitoring/window';
import { productionEnvironments } from './production';

const WINDOW_MS = 3600_000;

type Metric = 'error-rate' | 'p95-latency' | 'p95-ttft' | 'cost-per-request';
interface Figures {
  errorRate: number | null;
  p95LatencyMs: number | null;
  p95TtftMs: number | null;
  costPerRequestUsd: number | null;
}

const OBJECTIVES: { metric: Metric; limit: (s: Slos) => number | null | undefined; value: (f: Figures) => number | null }[] = [
  { metric: 'error-rate', limit: (s) => s.maxErrorRate, value: (f) => f.errorRate },
  { metric: 'p95-latency', limit: (s) => s.p95LatencyMs, value: (f) => f.p95LatencyMs },
  { metric: 'p95-ttft', limit: (s) => s.p95TtftMs, value: (f) => f.p95TtftMs },
  { metric: 'cost-per-request', limit: (s) => s.maxCostPerRequestUsd, value: (f) => f.costPerRequestUsd },
];

export type SloState = 'met' | 'breached' | 'no-traffic' | 'no-objectives';

export async function sloStatus(ctx: ServiceContext) {
  requireScope(ctx, 'services:read');
  const to = new Date();
  const from = new Date(to.getTime() - WINDOW_MS);
  const envs = await productionEnvironments(ctx.db);
  return Promise.all(
    envs.map(async ({ env, service }) => {
      const w = await windowFigures(ctx.db, { serviceId: env.serviceId, environment: env.name, from, to });
      const figures: Figures = {
        errorRate: w.requests ? w.errors / w.requests : null,
        p95LatencyMs: quantile(w.latency, 0.95),
        p95TtftMs: quantile(w.ttft, 0.95),
        costPerRequestUsd: w.requests ? w.costUsd / w.requests : null,
      };
      const objectives = OBJECTIVES.flatMap((o) => {
        const limit = o.limit(env.slos);
        if (limit === null || limit === undefined) return [];
        const value = o.value(figures);
        return [{ metric: o.metric, limit, value, met: value === null ? null : value <= limit }];
      });
      const state: SloState = !objectives.length ? 'no-objectives' : objectives.some((o) => o.met === false) ? 'breached' : w.requests ? 'met' : 'no-traffic';
      return { service, environment: env.name, from, to, requests: w.requests, errors: w.errors, ...figures, objectives, state };
    }),
  );
}
