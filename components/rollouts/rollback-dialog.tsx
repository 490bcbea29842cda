'use client';
// One-click rollback: the environment goes back at once, with no analysis, to the release before the current one
// (or to what ran before the rollout under way), or to any release it ran before. Approvers and admins only.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Undo2 } from 'lucide-react';
import { useState } from 'react';
import { formatTime } from '@/components/format';
import { useTRPC } from '@/components/trpc';
import { ActionDialog } from '@/components/ui/action-dialog';
import { Button } from '@/components/ui/button';
import { Field, Select } from '@/components/ui/form';
import { LoadError } from '@/components/ui/status';
import { useCan } from '@/components/viewer';

type Route = { releaseNumber: number; weight: number };

const primary = (routes: Route[]) => [...routes].filter((r) => r.weight > 0).sort((a, b) => b.weight - a.weight || a.releaseNumber - b.releaseNumber)[0];
const routesText = (routes: Route[]) => routes.map((r) => `#${r.releaseNumber} ${r.weight}%`).join(', ');

export function RollbackDialog({ service, environment, current, active }: { service: string; environment: string; current: Route[]; active: { number: number; stepIndex: number; baseline: Route[] } | null }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canRollback = useCan('environments:rollback');
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState('');
  const history = useQuery(trpc.environments.history.queryOptions({ service, environment, limit: 200 }, { enabled: open, staleTime: 0 }));
  const rollback = useMutation(trpc.rollouts.rollback.mutationOptions());
  if (!canRollback) return null;

  // What "previous" means, worked out the way the server does.
  const entries = history.data?.items ?? [];
  const now = primary(current);
  let previous: string | null = null;
  if (active && active.stepIndex >= 0 && active.baseline.length) previous = `what ran before rollout ${active.number}: ${routesText(active.baseline)}`;
  else {
    const earlier = entries
      .slice(1)
      .map((h) => primary(h.routes))
      .find((p) => p && p.releaseNumber !== now?.releaseNumber);
    if (earlier) previous = `#${earlier.releaseNumber}`;
  }
  const sole = current.length === 1 && current[0]!.weight === 100 ? current[0]!.releaseNumber : null;
  const ran = [...new Set(entries.flatMap((h) => h.routes.filter((r) => r.weight > 0).map((r) => r.releaseNumber)))].filter((n) => n !== sole).sort((a, b) => b - a);

  return (
    <ActionDialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) setTo('');
      }}
      trigger={
        <Button variant="secondary" disabled={!current.length}>
          <Undo2 className="h-4 w-4" aria-hidden /> Roll back
        </Button>
      }
      title={`Roll back ${environment}`}
      description={`All of ${environment}'s traffic moves at once, without analysis. ${active ? `Rollout ${active.number}, under way, ends as rolled back.` : ''}`}
      confirmLabel="Roll back"
      pendingLabel="Rolling back…"
      variant="danger"
      disabled={history.isLoading || (!to && !previous)}
      blocked={history.isSuccess && !to && !previous ? `${environment} has no earlier release to go back to.` : undefined}
      onConfirm={async (reason) => {
        const res = await rollback.mutateAsync({ service, environment, to: to ? Number(to) : undefined, reason });
        await Promise.all([qc.invalidateQueries({ queryKey: trpc.environments.pathKey() }), qc.invalidateQueries({ queryKey: trpc.rollouts.pathKey() }), qc.invalidateQueries({ queryKey: trpc.approvals.pathKey() })]);
        return res;
      }}
      result={(res) => (
        <>
          <p>
            {environment} now runs <span className="font-medium">{routesText(res.routes)}</span>.
          </p>
          <p className="mt-1 text-muted-fg">
            History entry {res.historyId}, <time dateTime={res.at.toISOString()}>{formatTime(res.at, { seconds: true })}</time>
            {res.endedRollout ? `; rollout ${res.endedRollout} ended as rolled back` : ''}
            {res.rollout ? `; recorded as rollout ${res.rollout} (a rollback) in the list of rollouts` : ''}.
          </p>
        </>
      )}
    >
      <p className="text-sm">
        Runs now: <span className="font-medium">{current.length ? routesText(current) : 'nothing'}</span>
      </p>
      <Field label="Roll back to" hint="Any release this environment ran before.">
        <Select value={to} onChange={(e) => setTo(e.target.value)} disabled={history.isLoading}>
          <option value="">{history.isLoading ? 'Loading…' : previous ? `Previous release (${previous})` : 'Previous release (none)'}</option>
          {ran.map((n) => (
            <option key={n} value={n}>
              #{n}
            </option>
          ))}
        </Select>
      </Field>
      <LoadError error={history.error} className="px-0 py-0" />
    </ActionDialog>
  );
}
