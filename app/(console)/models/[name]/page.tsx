import type { Metadata } from 'next';
import { ModelDetail } from '@/components/models/model-detail';

type Props = { params: Promise<{ name: string }>; searchParams: Promise<{ version?: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function ModelPage({ params, searchParams }: Props) {
  const [{ name }, { version }] = await Promise.all([params, searchParams]);
  const n = Number(version);
  return <ModelDetail name={name} version={Number.isInteger(n) && n > 0 ? n : null} />;
}
