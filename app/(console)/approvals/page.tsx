import type { Metadata } from 'next';
import { ComingSection } from '@/components/shell/placeholder';

export const metadata: Metadata = { title: 'Approvals' };

export default function Page() {
  return (
    <ComingSection
      title="Approvals"
      description="Decisions waiting on you: promotions and pipeline runs that need an approver."
      points={[
      "Pending requests with the release diff and gate results",
      "Approve or reject with a comment; no self-approval",
      "Timeouts and notifications",
      ]}
    />
  );
}
