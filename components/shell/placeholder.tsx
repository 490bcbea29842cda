// A section whose feature has not been built yet says plainly what will be there.
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/card';

export function ComingSection({ title, description, points }: { title: string; description: string; points: string[] }) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <Card className="p-6">
        <p className="text-sm font-medium">Not available yet. This section will hold:</p>
        <ul className="mt-3 list-disc space-y-1 pl-5 text-sm text-muted-fg">
          {points.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </Card>
    </>
  );
}
