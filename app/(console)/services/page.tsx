import type { Metadata } from 'next';
import { ComingSection } from '@/components/shell/placeholder';

export const metadata: Metadata = { title: 'Services' };

export default function Page() {
  return (
    <ComingSection
      title="Services"
      description="Each LLM endpoint you release, with its environments, prompts, eval suites, pipeline and gateway keys."
      points={[
      "Services with owners and the dev, staging and production environments",
      "Environment protection rules, SLOs and rollout policies",
      "What each environment runs now, and its full history",
      ]}
    />
  );
}
