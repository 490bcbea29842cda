// The overview's panels: a card that is a landmark of its own, with the loading, failed and empty states; and how
// often each kind of panel refreshes.
import type { ReactNode } from 'react';
import { Card, CardHeader } from '@/components/ui/card';
import { Empty, LoadError, Loading } from '@/components/ui/status';

/** Live parts refresh often; traffic figures come from minute rollups, so once a minute is enough. */
export const LIVE_REFRESH_MS = 5000;
export const FIGURES_REFRESH_MS = 60_000;

/** A card that is a landmark of its own, with the three states every panel has. */
export function Panel({ title, description, actions, query, empty, children }: { title: string; description?: ReactNode; actions?: ReactNode; query: { isLoading: boolean; error: unknown }; empty: string | null; children: ReactNode }) {
  return (
    <Card role="region" aria-label={title} className="min-w-0">
      <CardHeader title={title} description={description} actions={actions} />
      {query.isLoading ? <Loading /> : null}
      <LoadError error={query.error} />
      {empty !== null ? <Empty>{empty}</Empty> : children}
    </Card>
  );
}

