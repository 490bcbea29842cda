import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ReleaseDetail } from '@/components/releases/release-detail';

type Props = { params: Promise<{ service: string; number: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, number } = await params;
  return { title: `${service}#${number}` };
}

export default async function ReleasePage({ params }: Props) {
  const { service, number } = await params;
  if (!/^\d+$/.test(number) || Number(number) < 1) notFound();
  return <ReleaseDetail service={service} number={Number(number)} />;
}
