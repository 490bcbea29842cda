// A figure against its threshold on one bar (a text-drift classifier's ROC AUC against the AUC that counts as
// drift): the bar fills up to the value, in the danger colour past the threshold; the threshold is a tick with its
// figure. The accessible name says value, threshold and verdict.
import { DRIFT_COLOURS } from './theme';

export function ThresholdGauge({ label, value, threshold, min = 0.5, max = 1, over, format = (v) => v.toFixed(2), valueLabel = 'AUC' }: { label: string; value: number; threshold: number; min?: number; max?: number; over: boolean; format?: (v: number) => string; valueLabel?: string }) {
  const pos = (v: number) => `${(Math.min(1, Math.max(0, (v - min) / (max - min))) * 100).toFixed(2)}%`;
  const name = `${label}: ${valueLabel} ${format(value)}, drift above ${format(threshold)} — ${over ? 'drift' : 'no drift'}`;
  return (
    <div role="img" aria-label={name} className="grid gap-1">
      <div className="relative h-3 rounded-full bg-muted">
        <div className="absolute inset-y-0 left-0 rounded-full" style={{ width: pos(value), background: over ? DRIFT_COLOURS.drifted : DRIFT_COLOURS.stable, opacity: over ? 0.85 : 0.6 }} />
        <div className="absolute -inset-y-1 w-0.5 rounded bg-fg" style={{ left: pos(threshold) }} />
      </div>
      <div aria-hidden className="relative h-4 text-[11px] text-muted-fg tabular-nums">
        <span className="absolute -translate-x-1/2 whitespace-nowrap" style={{ left: pos(threshold) }}>
          {format(threshold)}
        </span>
      </div>
    </div>
  );
}
