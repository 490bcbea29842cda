// A model version's lifecycle status as a badge; the tone table lists every status, so a new one fails to compile here.
import type { ModelStatus } from '@/db/schema';
import { Badge } from '@/components/ui/badge';

const STATUS_TONE: Record<ModelStatus, 'neutral' | 'info' | 'success' | 'warning' | 'danger'> = {
  registered: 'info',
  validated: 'success',
  deprecated: 'warning',
  archived: 'neutral',
};

export const MODEL_STATUSES = Object.keys(STATUS_TONE) as ModelStatus[];

export function StatusBadge({ status }: { status: ModelStatus }) {
  return <Badge tone={STATUS_TONE[status]}>{status}</Badge>;
}
