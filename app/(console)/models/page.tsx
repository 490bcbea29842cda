import type { Metadata } from 'next';
import { ComingSection } from '@/components/shell/placeholder';

export const metadata: Metadata = { title: 'Models' };

export default function Page() {
  return (
    <ComingSection
      title="Models"
      description="The model registry: immutable model versions pinned by hash and digest, with prices and lineage."
      points={[
      "Model versions with provider, endpoint, parameters, artifacts and image digest",
      "Status transitions from registered to validated, deprecated and archived",
      "Labels such as production and staging, with the history of every move",
      ]}
    />
  );
}
