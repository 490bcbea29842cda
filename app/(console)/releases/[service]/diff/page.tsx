import type { Metadata } from 'next';
import { ReleaseDiff } from '@/components/releases/release-diff';

type Props = { params: Promise<{ service: string }>; searchParams: Promise<{ from?: string; to?: string }> };

const positive = (s: string | undefined) => (s && /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : null);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Compare releases of ${(await params).service}` };
}

export default async function ReleaseDiffPage({ params, searchParams }: Props) {
  const [{ service }, q] = await Promise.all([params, searchParams]);
  return <ReleaseDiff service={service} from={positive(q.from)} to={positive(q.to)} />;
}
