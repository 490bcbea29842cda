import type { Metadata } from 'next';
import { ComingSection } from '@/components/shell/placeholder';

export const metadata: Metadata = { title: 'Monitoring' };

export default function Page() {
  return (
    <ComingSection
      title="Monitoring"
      description="Latency, cost, quality and drift per environment and release, from gateway telemetry."
      points={[
      "Latency percentiles, time to first token and error rates per release",
      "Token usage and cost per request",
      "Quality scores, feedback and drift of input and output distributions",
      ]}
    />
  );
}
