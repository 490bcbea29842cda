'use client';
// The services list: search, what each environment runs right now and any rollout in progress there (each a link
// to the environment), and the dialog that creates a service.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { splitList } from '@/components/registry/forms';
import { EnvironmentChip } from '@/components/registry/routes';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Checkbox, Field, Input, Textarea } from '@/components/ui/form';
import { useCan } from '@/components/viewer';
import { inPipelineOrder } from './environment-text';

export function ServicesList() {
  const trpc = useTRPC();
  const canWrite = useCan('services:write');
  const [search, setSearch] = useState('');
  const [includeArchived, setIncludeArchived] = useState(false);
  const list = useQuery(trpc.services.list.queryOptions({ search: search.trim() || undefined, includeArchived }, { placeholderData: keepPreviousData }));

  return (
    <DataTable
      label="Services"
      columns={COLUMNS}
      rows={list.data}
      rowKey={(s) => s.id}
      filters={
        <div className="flex flex-wrap items-center gap-4">
          <Input type="search" aria-label="Search services" placeholder="Search by name or description" className="w-72" value={search} onChange={(e) => setSearch(e.target.value)} />
          <Checkbox label="Show archived" checked={includeArchived} onChange={(e) => setIncludeArchived(e.target.checked)} />
        </div>
      }
      actions={canWrite ? <NewServiceDialog /> : null}
      loading={list.isLoading}
      error={list.error}
      empty={search.trim() ? `No service matches “${search.trim()}”.` : canWrite ? 'No services yet. Create the first one to register prompts and releases for it.' : 'No services yet.'}
    />
  );
}

const COLUMNS: Column<RouterOutputs['services']['list'][number]>[] = [
  {
    key: 'service',
    header: 'Service',
    className: 'max-w-sm',
    cell: (s) => (
      <>
        <Link href={`/services/${s.name}`} className="font-medium text-primary hover:underline">
          {s.name}
        </Link>{' '}
        {s.archivedAt ? <Badge tone="warning">archived</Badge> : null}
        {s.description ? <div className="line-clamp-2 text-xs text-muted-fg">{s.description}</div> : null}
      </>
    ),
  },
  { key: 'owners', header: 'Owners', className: 'text-xs', cell: (s) => (s.owners.length ? s.owners.join(', ') : <span className="text-muted-fg">—</span>) },
  {
    key: 'environments',
    header: 'Environments',
    cell: (s) => (
      <div className="flex flex-wrap gap-1.5">
        {inPipelineOrder(s.environments).map((e) => (
          <EnvironmentChip key={e.name} service={s.name} name={e.name} routes={e.routes} rollout={e.activeRollout} />
        ))}
      </div>
    ),
  },
];

function NewServiceDialog() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const create = useMutation(
    trpc.services.create.mutationOptions({
      onSuccess: (s) => {
        void qc.invalidateQueries({ queryKey: trpc.services.list.queryKey() });
        router.push(`/services/${s.name}`);
      },
    }),
  );
  const fields = fieldErrors(create.error);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    create.mutate({ name: String(f.get('name')).trim(), description: String(f.get('description') ?? ''), owners: splitList(String(f.get('owners') ?? '')) });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <Plus className="h-4 w-4" aria-hidden /> New service
        </Button>
      </DialogTrigger>
      <DialogContent title="New service" description="A service is one LLM endpoint you release. It starts with dev, staging and production environments.">
        <form onSubmit={onSubmit} className="grid gap-4">
          <Field label="Name" hint="Lowercase letters, digits and dashes, e.g. support-bot" error={fields.name}>
            <Input name="name" required autoComplete="off" />
          </Field>
          <Field label="Description" error={fields.description}>
            <Textarea name="description" rows={3} maxLength={2000} />
          </Field>
          <Field label="Owners" hint="Emails of existing users, separated by commas" error={errorAt(fields, 'owners')}>
            <Input name="owners" placeholder="ana@example.com, li@example.com" />
          </Field>
          <ErrorAlert error={create.error} besideFields />
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create service'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
