// The Evals section: every service with its suites and the verdicts of its latest runs.
import type { Metadata } from 'next';
import { EvalsOverview } from '@/components/evals/evals-overview';
import { PageHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Evals' };

export default function EvalsPage() {
  return (
    <>
      <PageHeader title="Evals" description="Suites score a candidate release case by case beside what its environment serves now; the verdict decides the eval gate that promotion obeys." />
      <EvalsOverview />
    </>
  );
}
