// One pipeline run, by service and number; its steps update live while it runs.
import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { RunDetail } from '@/components/pipelines/run-detail';

type Props = { params: Promise<{ service: string; number: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, number } = await params;
  return { title: `${service} run #${number}` };
}

export default async function PipelineRunPage({ params }: Props) {
  const { service, number } = await params;
  if (!/^\d+$/.test(number) || Number(number) < 1) notFound();
  return <RunDetail service={service} number={Number(number)} />;
}
