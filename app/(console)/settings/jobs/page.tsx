import type { Metadata } from 'next';
import { JobsPanel } from '@/components/settings/jobs-panel';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Jobs' };

export default function JobsPage() {
  return (
    <>
      <PageHeader title="Jobs" description="The functions behind pipelines, rollouts, approval waits and scheduled checks, and how their runs went." />
      <JobsPanel />
    </>
  );
}
