// Drift reports written straight into a stopped server's database, for browser tests of the Drift tab: a report
// shaped as the drift service stores it (a wordier release: output tokens, latency, cost, finish reason and the
// output text drift; input tokens, refusals and feedback do not; TTFT and JSON validity untested).
import { openDatabase } from '@/db/client';
import { driftReports, environments, services, type DriftHistogram, type FeatureDrift, type TextDrift } from '@/db/schema';
import { DEFAULT_DRIFT } from '@/server/services/checks/settings';
import { and, eq } from 'drizzle-orm';
import path from 'node:path';
import type { RunningServer } from './server';

const H = 3600_000;

/** Histogram counts of a normal-ish distribution over fixed bins, for reports that look like real traffic. */
function bell(edges: number[], mean: number, sd: number, n: number): number[] {
  const w = edges.slice(0, -1).map((lo, i) => {
    const mid = (lo + edges[i + 1]!) / 2;
    return Math.exp(-(((mid - mean) / sd) ** 2) / 2);
  });
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((x) => Math.round((x / sum) * n));
}

function numeric(edges: number[], ref: [number, number], cur: [number, number], rows: [number, number], fmt = (v: number) => String(v)): DriftHistogram {
  return { bins: edges.slice(0, -1).map((lo, i) => `[${fmt(lo)}, ${fmt(edges[i + 1]!)})`), reference: bell(edges, ref[0], ref[1], rows[0]), current: bell(edges, cur[0], cur[1], rows[1]) };
}

const range = (from: number, step: number, n: number) => Array.from({ length: n + 1 }, (_, i) => from + i * step);

/** The features of a report; `shifted` makes the output side drift as a wordier release would. */
export function features(shifted: boolean, rows: [number, number] = [812, 640]): FeatureDrift[] {
  const [r, c] = rows;
  const base = { referenceRows: r, currentRows: c, skipped: null } as const;
  const out: [number, number] = shifted ? [172, 46] : [110, 30];
  return [
    { ...base, feature: 'input_tokens', kind: 'numeric', method: 'ks', statistic: 0.061, pValue: 0.21, threshold: 0.05, drifted: false, psi: 0.018, referenceMean: 41.2, currentMean: 42.0, histogram: numeric(range(0, 10, 10), [41, 14], [42, 14], rows) },
    { ...base, feature: 'output_tokens', kind: 'numeric', method: 'ks', statistic: shifted ? 0.412 : 0.048, pValue: shifted ? 2.1e-9 : 0.44, threshold: 0.05, drifted: shifted, psi: shifted ? 0.61 : 0.02, referenceMean: 109.6, currentMean: out[0], histogram: numeric(range(0, 30, 10), [110, 30], out, rows) },
    { ...base, feature: 'latency_ms', kind: 'numeric', method: 'ks', statistic: shifted ? 0.274 : 0.052, pValue: shifted ? 0.00004 : 0.31, threshold: 0.05, drifted: shifted, psi: shifted ? 0.29 : 0.03, referenceMean: 742, currentMean: shifted ? 1085 : 751, histogram: numeric(range(0, 200, 10), [740, 220], shifted ? [1080, 300] : [750, 220], rows) },
    { ...base, feature: 'ttft_ms', kind: 'numeric', method: 'ks', statistic: 0, pValue: null, threshold: 0.05, drifted: false, psi: null, referenceMean: null, currentMean: null, referenceRows: 12, currentRows: 9, histogram: { bins: [], reference: [], current: [] }, skipped: 'too few streamed requests (12 and 9; at least 30 in each window)' },
    { ...base, feature: 'cost_usd', kind: 'numeric', method: 'ks', statistic: shifted ? 0.391 : 0.044, pValue: shifted ? 1.3e-8 : 0.52, threshold: 0.05, drifted: shifted, psi: shifted ? 0.52 : 0.02, referenceMean: 0.00021, currentMean: shifted ? 0.00031 : 0.00021, histogram: numeric(range(0, 0.00005, 10), [0.00021, 0.00006], shifted ? [0.00031, 0.00008] : [0.00021, 0.00006], rows, (v) => v.toFixed(5)) },
    { ...base, feature: 'refusal', kind: 'binary', method: 'z-test', statistic: 0.84, pValue: 0.4, threshold: 0.05, drifted: false, psi: 0.004, referenceMean: 0.031, currentMean: 0.038, histogram: { bins: ['false', 'true'], reference: [r - 25, 25], current: [c - 24, 24] } },
    { ...base, feature: 'json_valid', kind: 'binary', method: 'z-test', statistic: 0, pValue: null, threshold: 0.05, drifted: false, psi: null, referenceMean: null, currentMean: null, referenceRows: 0, currentRows: 0, histogram: { bins: [], reference: [], current: [] }, skipped: 'no values: no answer was asked for JSON' },
    { ...base, feature: 'finish_reason', kind: 'categorical', method: 'chi-squared', statistic: shifted ? 41.3 : 1.1, pValue: shifted ? 1.3e-10 : 0.29, threshold: 0.05, drifted: shifted, psi: shifted ? 0.18 : 0.01, referenceMean: null, currentMean: null, histogram: { bins: ['stop', 'length'], reference: [r - 31, 31], current: shifted ? [c - 88, 88] : [c - 26, 26] } },
    { ...base, feature: 'feedback', kind: 'numeric', method: 'chi-squared', statistic: 1.21, pValue: 0.27, threshold: 0.05, drifted: false, psi: 0.02, referenceMean: 0.62, currentMean: 0.55, referenceRows: 96, currentRows: 71, histogram: { bins: ['-1', '1'], reference: [18, 78], current: [16, 55] } },
  ];
}

export function texts(shifted: boolean): TextDrift[] {
  return [
    {
      field: 'input',
      method: 'domain-classifier',
      auc: 0.521,
      threshold: 0.583,
      drifted: false,
      referenceRows: 412,
      currentRows: 318,
      topNgrams: [
        { ngram: 'invoice', weight: 0.21, referenceShare: 0.11, currentShare: 0.13 },
        { ngram: 'password', weight: -0.18, referenceShare: 0.09, currentShare: 0.08 },
      ],
      skipped: null,
    },
    {
      field: 'output',
      method: 'domain-classifier',
      auc: shifted ? 0.812 : 0.534,
      threshold: 0.571,
      drifted: shifted,
      referenceRows: 412,
      currentRows: 318,
      topNgrams: shifted
        ? [
            { ngram: 'furthermore', weight: 1.92, referenceShare: 0.02, currentShare: 0.31 },
            { ngram: 'in addition', weight: 1.64, referenceShare: 0.04, currentShare: 0.27 },
            { ngram: 'to elaborate', weight: 1.41, referenceShare: 0.01, currentShare: 0.19 },
            { ngram: 'it is worth', weight: 1.12, referenceShare: 0.03, currentShare: 0.16 },
            { ngram: 'in short', weight: -1.37, referenceShare: 0.22, currentShare: 0.05 },
            { ngram: 'briefly', weight: -0.98, referenceShare: 0.14, currentShare: 0.04 },
          ]
        : [],
      skipped: null,
    },
  ];
}

export interface ReportSeed {
  at: Date;
  shifted: boolean;
  trigger?: 'schedule' | 'manual';
}

/** The rows of reports for `service/environment`, as the drift service stores them. */
export function reportValues(ids: { serviceId: string; environmentId: string; environment: string }, seed: ReportSeed): typeof driftReports.$inferInsert {
  const f = features(seed.shifted);
  const t = texts(seed.shifted);
  const tested = f.filter((x) => !x.skipped).length + t.filter((x) => !x.skipped).length;
  const drifted = f.filter((x) => x.drifted).length + t.filter((x) => x.drifted).length;
  const share = drifted / tested;
  const at = seed.at.getTime();
  return {
    ...ids,
    releaseId: null,
    releaseNumber: null,
    trigger: seed.trigger ?? 'schedule',
    requestedBy: seed.trigger === 'manual' ? 'admin@e2e.test' : null,
    status: share >= 0.5 ? 'drift' : 'no-drift',
    reference: { kind: 'release-start', from: new Date(at - 72 * H).toISOString(), to: new Date(at - 48 * H).toISOString(), rows: 812, total: 812, label: 'first 24 h of release #1' },
    current: { from: new Date(at - 24 * H).toISOString(), to: seed.at.toISOString(), rows: 640, total: 1920, label: 'last 24 h' },
    features: f,
    text: t,
    driftedShare: share,
    datasetDrift: share >= 0.5,
    settings: DEFAULT_DRIFT,
    error: null,
    durationMs: 1840,
    createdAt: seed.at,
  };
}

/**
 * Writes reports into the database of a server that has been stopped (PGlite allows one process at a time), and
 * returns their ids in the order given.
 */
export async function insertReports(server: RunningServer, service: string, environment: string, seeds: ReportSeed[]): Promise<string[]> {
  const database = await openDatabase(server.databaseUrl ? { kind: 'postgres', url: server.databaseUrl, poolSize: 2 } : { kind: 'embedded', dataDir: path.join(server.dataDir, 'pglite') });
  try {
    const [row] = await database.db
      .select({ serviceId: services.id, environmentId: environments.id })
      .from(environments)
      .innerJoin(services, eq(services.id, environments.serviceId))
      .where(and(eq(services.name, service), eq(environments.name, environment)));
    if (!row) throw new Error(`no environment ${service}/${environment}`);
    const ids: string[] = [];
    for (const seed of seeds) {
      const [r] = await database.db
        .insert(driftReports)
        .values(reportValues({ ...row, environment }, seed))
        .returning({ id: driftReports.id });
      ids.push(r!.id);
    }
    return ids;
  } finally {
    await database.close();
  }
}
