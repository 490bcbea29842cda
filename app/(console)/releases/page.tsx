import type { Metadata } from 'next';
import { ComingSection } from '@/components/shell/placeholder';

export const metadata: Metadata = { title: 'Releases' };

export default function Page() {
  return (
    <ComingSection
      title="Releases"
      description="Immutable bundles of a model version, prompt versions and configuration, numbered per service."
      points={[
      "Releases such as support-bot#17 and what each contains",
      "A diff between any two releases",
      "One-click promote with the approval flow",
      ]}
    />
  );
}
