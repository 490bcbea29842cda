// PLACEHOLDER until the datasets branch lands: the real panel is components/evals/datasets/datasets-panel.tsx.
// Replace the import in service-evals.tsx and delete this file.
import { Card, CardHeader } from '@/components/ui/card';
import { Empty } from '@/components/ui/status';

export function DatasetsPanel({ service }: { service: string }) {
  return (
    <Card role="region" aria-label="Datasets">
      <CardHeader title="Datasets" />
      <Empty>Datasets of {service} appear here.</Empty>
    </Card>
  );
}
