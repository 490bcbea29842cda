'use client';
// A rollout's analysis windows as charts: the candidate's and the stable arm's error rate and p95 latency per
// window, with the environment's SLOs and the limits against the stable arm drawn as lines.
import { AnalysisChart } from '@/components/charts/analysis-chart';
import { analysisWindows } from '@/components/charts/shape';
import { formatMs, formatPercent } from '@/components/format';
import type { RolloutView } from './live-rollout';

export function AnalysisCharts({ rollout: r }: { rollout: RolloutView }) {
  const windows = analysisWindows(r.events, r.lastAnalysis, r.analysisSettings);
  const stableNumber = windows.length ? (r.lastAnalysis?.baseline?.releaseNumber ?? null) : null;
  const candidate = `candidate #${r.release.number}`;
  const stable = stableNumber !== null ? `stable #${stableNumber}` : windows.some((w) => w.stableErrorRate !== null || w.stableP95 !== null) ? 'stable' : null;
  const increase = r.analysisSettings?.maxErrorRateIncrease;
  const ratio = r.analysisSettings?.maxLatencyRatio;
  return (
    <div className="grid grid-cols-1 gap-5">
      <AnalysisChart
        metric="error"
        windows={windows}
        candidate={candidate}
        stable={stable}
        slo={r.slos?.maxErrorRate ?? null}
        sloLabel="error-rate SLO"
        allowedLabel={increase != null ? `stable + ${(increase * 100).toFixed(1)} points` : 'allowed vs stable'}
        format={formatPercent}
      />
      <AnalysisChart
        metric="p95"
        windows={windows}
        candidate={candidate}
        stable={stable}
        slo={r.slos?.p95LatencyMs ?? null}
        sloLabel="p95 SLO"
        allowedLabel={ratio != null ? `stable × ${ratio}` : 'allowed vs stable'}
        format={formatMs}
      />
    </div>
  );
}
