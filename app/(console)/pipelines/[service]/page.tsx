// /pipelines/<service> is where the run and definition links point up to: the service's runs.
import { redirect } from 'next/navigation';

export default async function ServicePipelinesPage({ params }: { params: Promise<{ service: string }> }) {
  const { service } = await params;
  redirect(`/pipelines?service=${encodeURIComponent(service)}`);
}
