// One prompt-variations run, by service and number: the matrix of cells with scores, cost and latency, live
// while it runs, and a release made from any cell.
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { VariationsMatrix } from '@/components/evals/variations-matrix';

type Props = { params: Promise<{ service: string; number: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, number } = await params;
  return { title: `${service} prompt variations #${number}` };
}

export default async function VariationsPage({ params }: Props) {
  const { service, number } = await params;
  if (!/^\d+$/.test(number) || Number(number) < 1) notFound();
  return <VariationsMatrix service={service} number={Number(number)} />;
}
