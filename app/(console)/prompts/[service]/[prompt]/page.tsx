import type { Metadata } from 'next';
import { PromptPage, type PromptView } from '@/components/prompts/prompt-page';

type Props = { params: Promise<{ service: string; prompt: string }>; searchParams: Promise<{ view?: string; v?: string; from?: string; to?: string }> };

const VIEWS: PromptView[] = ['version', 'diff', 'render', 'new'];
const positive = (s: string | undefined) => (s && /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : null);

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, prompt } = await params;
  return { title: `${service}/${prompt}` };
}

export default async function Page({ params, searchParams }: Props) {
  const [{ service, prompt }, q] = await Promise.all([params, searchParams]);
  const view = VIEWS.find((v) => v === q.view) ?? 'version';
  return <PromptPage service={service} prompt={prompt} view={view} v={positive(q.v)} from={positive(q.from)} to={positive(q.to)} />;
}
