// The labels of a model or prompt in a list row: each name with the version it points at; protected ones stand out.
import { Badge } from '@/components/ui/badge';

export function LabelBadges({ labels }: { labels: readonly { name: string; version: number; protected: boolean }[] }) {
  return (
    <div className="flex flex-wrap gap-1">
      {labels.length
        ? labels.map((l) => (
            <Badge key={l.name} tone={l.protected ? 'warning' : 'neutral'}>
              {l.name} → v{l.version}
            </Badge>
          ))
        : <span className="text-muted-fg">—</span>}
    </div>
  );
}
