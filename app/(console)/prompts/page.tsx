import type { Metadata } from 'next';
import { ComingSection } from '@/components/shell/placeholder';

export const metadata: Metadata = { title: 'Prompts' };

export default function Page() {
  return (
    <ComingSection
      title="Prompts"
      description="The prompt registry: immutable, content-addressed prompt versions with variables and response schemas."
      points={[
      "Prompt versions with messages, variable schema and model parameters",
      "Diffs between versions and a render playground",
      "Protected labels that only approvers may move",
      ]}
    />
  );
}
