'use client';
// Picks the service whose prompts, releases or runs a page shows; the choice lives in the URL (?service=). With
// only one service there is nothing to choose: the page goes straight to it.
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useId } from 'react';
import { useTRPC } from '@/components/trpc';
import { Label, Select } from '@/components/ui/form';

/** The one service there is (archived ones aside), once the list has loaded; null when there are none or several. */
export function useOnlyService(): string | null {
  const trpc = useTRPC();
  const services = useQuery(trpc.services.list.queryOptions({ includeArchived: true }));
  const active = services.data?.filter((s) => !s.archivedAt) ?? [];
  return active.length === 1 ? active[0]!.name : null;
}

/** Replaces the URL with `href(service)` when nothing is chosen and there is only one service. */
export function useGoToOnlyService(chosen: string | null, href: (service: string) => string) {
  const router = useRouter();
  const only = useOnlyService();
  const target = !chosen && only ? href(only) : null;
  useEffect(() => {
    if (target) router.replace(target);
  }, [router, target]);
}

export function ServicePicker({ value, basePath }: { value: string | null; basePath: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const services = useQuery(trpc.services.list.queryOptions({ includeArchived: true }));
  const id = useId();
  const hrefFor = (service: string) => (service ? `${basePath}?service=${encodeURIComponent(service)}` : basePath);
  useGoToOnlyService(value, hrefFor);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Label htmlFor={id}>Service</Label>
      <Select id={id} className="w-64 max-w-full" value={value ?? ''} disabled={services.isLoading} onChange={(e) => router.push(hrefFor(e.target.value))}>
        <option value="">{services.isLoading ? 'Loading…' : 'Choose a service'}</option>
        {services.data?.map((s) => (
          <option key={s.id} value={s.name}>
            {s.name}
            {s.archivedAt ? ' (archived)' : ''}
          </option>
        ))}
      </Select>
    </div>
  );
}
