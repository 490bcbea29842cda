'use client';
// Picks the service whose prompts or releases a page shows; the choice lives in the URL (?service=).
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useId } from 'react';
import { useTRPC } from '@/components/trpc';
import { Label, Select } from '@/components/ui/form';

export function ServicePicker({ value, basePath }: { value: string | null; basePath: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const services = useQuery(trpc.services.list.queryOptions({ includeArchived: true }));
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <Label htmlFor={id}>Service</Label>
      <Select
        id={id}
        className="w-64"
        value={value ?? ''}
        disabled={services.isLoading}
        onChange={(e) => router.push(e.target.value ? `${basePath}?service=${encodeURIComponent(e.target.value)}` : basePath)}
      >
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
