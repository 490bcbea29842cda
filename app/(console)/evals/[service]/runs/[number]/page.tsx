// One eval run, by service and number: live progress, then the comparison with its baseline and the cases.
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { EvalRunDetail } from '@/components/evals/run-detail';

type Props = { params: Promise<{ service: string; number: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, number } = await params;
  return { title: `${service} eval run #${number}` };
}

export default async function EvalRunPage({ params }: Props) {
  const { service, number } = await params;
  if (!/^\d+$/.test(number) || Number(number) < 1) notFound();
  return <EvalRunDetail service={service} number={Number(number)} />;
}
