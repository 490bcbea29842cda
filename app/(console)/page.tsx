// The console's home: the overview a release manager opens first.
import type { Metadata } from 'next';
import { Overview } from '@/components/overview/overview';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Overview' };

export default function Home() {
  return (
    <>
      <PageHeader title="Overview" description="What is rolling out, what waits for your approval, how production meets its SLOs, what today costs, and what failed lately." />
      <Overview />
    </>
  );
}
