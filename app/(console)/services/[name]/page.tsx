import type { Metadata } from 'next';
import { ServiceDetail } from '@/components/services/service-detail';

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ServicePage({ params }: Props) {
  const { name } = await params;
  return <ServiceDetail name={name} />;
}
