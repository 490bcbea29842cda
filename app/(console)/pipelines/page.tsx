import type { Metadata } from 'next';
import { ComingSection } from '@/components/shell/placeholder';

export const metadata: Metadata = { title: 'Pipelines' };

export default function Page() {
  return (
    <ComingSection
      title="Pipelines"
      description="The automated gates every candidate passes: evals, safety and injection checks, data checks, load tests."
      points={[
      "Pipeline definitions per service, edited as YAML",
      "Live runs with each step's status, logs and outputs",
      "Triggers from git webhooks and manual runs",
      ]}
    />
  );
}
