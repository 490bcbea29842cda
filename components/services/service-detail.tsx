'use client';
// One service: what it is and who owns it (editable), archive, a card per environment with what it runs,
// its last change, the rollout in progress there and a way in, and its gateway keys with how to call the gateway.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowRight, FileText, GitBranch, Layers, Pencil, Plus } from 'lucide-react';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { formatTime } from '@/components/format';
import { splitList } from '@/components/registry/forms';
import { PlainText } from '@/components/registry/json-block';
import { environmentHref, RouteList } from '@/components/registry/routes';
import { RolloutStatusBadge } from '@/components/rollouts/status';
import { useTRPC } from '@/components/trpc';
import { ActionDialog } from '@/components/ui/action-dialog';
import { Badge } from '@/components/ui/badge';
import { Breadcrumbs } from '@/components/ui/breadcrumbs';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input, Textarea } from '@/components/ui/form';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import { describeProtection, describeRollout, inPipelineOrder } from './environment-text';
import { GatewayKeysCard } from './gateway-keys';
import { GatewayUsageCard } from './gateway-usage';

export function ServiceDetail({ name }: { name: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('services:write');
  const canAddEnvironment = useCan('environments:write');
  const service = useQuery(trpc.services.get.queryOptions({ name }));
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.services.pathKey() });
  const archive = useMutation(trpc.services.update.mutationOptions({ onSuccess: invalidate }));
  const s = service.data;

  return (
    <>
      <Breadcrumbs items={[{ href: '/services', label: 'Services' }, { label: name }]} />
      <PageHeader
        title={name}
        description={s?.archivedAt ? <Badge tone="warning">archived {formatTime(s.archivedAt)}</Badge> : undefined}
        actions={
          s && canWrite ? (
            <ActionDialog
              trigger={
                <Button variant="secondary" disabled={archive.isPending}>
                  {s.archivedAt ? 'Unarchive' : 'Archive'}
                </Button>
              }
              title={`${s.archivedAt ? 'Unarchive' : 'Archive'} ${name}`}
              description={
                s.archivedAt
                  ? `The gateway serves ${name}'s environments again, each with the routing table it had.`
                  : `The gateway stops serving every environment of ${name} at once; its history stays. Archiving a service whose protected environment serves traffic needs an approver.`
              }
              reason={false}
              confirmLabel={s.archivedAt ? 'Unarchive' : 'Archive'}
              pendingLabel={s.archivedAt ? 'Unarchiving…' : 'Archiving…'}
              variant={s.archivedAt ? 'primary' : 'danger'}
              onConfirm={() => archive.mutateAsync({ name, archived: !s.archivedAt })}
            />
          ) : null
        }
      />
      {service.isLoading ? <Loading className="px-0" /> : null}
      <LoadError error={service.error} className="px-0" />
      {s ? (
        <div className="grid gap-6">
          <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
            <Card>
              <CardHeader title="About" actions={canWrite ? <EditServiceDialog name={name} description={s.description} owners={s.owners} onDone={invalidate} /> : null} />
              <dl className="grid grid-cols-[7rem_1fr] gap-x-4 gap-y-3 px-5 py-4 text-sm">
                <dt className="text-muted-fg">Description</dt>
                <dd>
                  <PlainText text={s.description} empty="No description." />
                </dd>
                <dt className="text-muted-fg">Owners</dt>
                <dd>{s.owners.length ? s.owners.join(', ') : <span className="text-muted-fg">No owners.</span>}</dd>
                <dt className="text-muted-fg">Created</dt>
                <dd>
                  {formatTime(s.createdAt)} by {s.createdBy}
                </dd>
              </dl>
            </Card>
            <Card className="grid content-start gap-2 p-5">
              <h2 className="text-base font-semibold">Registry</h2>
              <Link href={`/prompts?service=${name}`} className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-muted">
                <FileText className="h-4 w-4 text-primary" aria-hidden /> Prompts <span className="ml-auto tabular-nums text-muted-fg">{s.promptCount}</span>
              </Link>
              <Link href={`/releases?service=${name}`} className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-muted">
                <Layers className="h-4 w-4 text-primary" aria-hidden /> Releases <span className="ml-auto tabular-nums text-muted-fg">{s.releaseCount}</span>
              </Link>
              <Link href={`/pipelines?service=${name}`} className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-muted">
                <GitBranch className="h-4 w-4 text-primary" aria-hidden /> Pipeline runs
              </Link>
            </Card>
          </div>

          <section aria-labelledby="environments-heading">
            <div className="mb-3 flex items-center justify-between gap-3">
              <h2 id="environments-heading" className="text-lg font-semibold">
                Environments
              </h2>
              {canAddEnvironment && !s.archivedAt ? <AddEnvironmentDialog service={name} onDone={invalidate} /> : null}
            </div>
            <div className="grid gap-4 md:grid-cols-3">
              {inPipelineOrder(s.environments).map((e) => (
                <Card key={e.id} className="flex flex-col" role="region" aria-label={`Environment ${e.name}`}>
                  <CardHeader title={e.name} description={describeProtection(e.protection)} />
                  <div className="grid flex-1 content-start gap-3 px-5 py-4 text-sm">
                    <div>
                      <div className="mb-1 text-xs font-medium tracking-wide text-muted-fg uppercase">Running</div>
                      <RouteList service={name} routes={e.current?.routes ?? []} showModel className="flex-col" />
                    </div>
                    {e.activeRollout ? (
                      <div>
                        <div className="mb-1 text-xs font-medium tracking-wide text-muted-fg uppercase">Rolling out</div>
                        <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
                          <Link href={environmentHref(name, e.name)} className="font-medium text-primary hover:underline">
                            Rollout {e.activeRollout.number}: #{e.activeRollout.releaseNumber}
                          </Link>
                          <RolloutStatusBadge status={e.activeRollout.status} />
                          <span className="tabular-nums text-muted-fg">at {e.activeRollout.weight}%</span>
                        </p>
                      </div>
                    ) : null}
                    <div>
                      <div className="mb-1 text-xs font-medium tracking-wide text-muted-fg uppercase">Last change</div>
                      {e.current ? (
                        <p>
                          <Badge>{e.current.kind}</Badge> <time dateTime={e.current.at.toISOString()}>{formatTime(e.current.at)}</time> by {e.current.actorLabel}
                          {e.current.reason ? <span className="block text-muted-fg">“{e.current.reason}”</span> : null}
                        </p>
                      ) : (
                        <p className="text-muted-fg">Nothing has been deployed here yet.</p>
                      )}
                    </div>
                    <p className="text-xs text-muted-fg">{describeRollout(e.rollout)}</p>
                  </div>
                  <div className="border-t border-border px-5 py-3">
                    <Link href={environmentHref(name, e.name)} className="inline-flex items-center gap-1 text-sm font-medium text-primary hover:underline">
                      Open {e.name} <ArrowRight className="h-3.5 w-3.5" aria-hidden />
                    </Link>
                  </div>
                </Card>
              ))}
            </div>
          </section>

          <section aria-labelledby="gateway-heading" className="grid gap-4">
            <h2 id="gateway-heading" className="text-lg font-semibold">
              Gateway
            </h2>
            <GatewayKeysCard service={name} archived={Boolean(s.archivedAt)} />
            <GatewayUsageCard service={name} environments={s.environments} />
          </section>
        </div>
      ) : null}
    </>
  );
}

function EditServiceDialog({ name, description, owners, onDone }: { name: string; description: string; owners: string[]; onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const update = useMutation(
    trpc.services.update.mutationOptions({
      onSuccess: () => {
        onDone();
        setOpen(false);
      },
    }),
  );
  const fields = fieldErrors(update.error);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    update.mutate({ name, description: String(f.get('description') ?? ''), owners: splitList(String(f.get('owners') ?? '')) });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) update.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm">
          <Pencil className="h-3.5 w-3.5" aria-hidden /> Edit
        </Button>
      </DialogTrigger>
      <DialogContent title={`Edit ${name}`}>
        <form onSubmit={onSubmit} className="grid gap-4">
          <Field label="Description" error={fields.description}>
            <Textarea name="description" rows={4} defaultValue={description} maxLength={2000} />
          </Field>
          <Field label="Owners" hint="Emails of existing users, separated by commas" error={errorAt(fields, 'owners')}>
            <Input name="owners" defaultValue={owners.join(', ')} />
          </Field>
          <ErrorAlert error={update.error} besideFields />
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Save'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Custom environments (e.g. `eu-production`) start from the dev defaults; their settings are edited on their own page. */
function AddEnvironmentDialog({ service, onDone }: { service: string; onDone: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const create = useMutation(
    trpc.environments.create.mutationOptions({
      onSuccess: () => {
        onDone();
        setOpen(false);
      },
    }),
  );
  const fields = fieldErrors(create.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="secondary" size="sm">
          <Plus className="h-3.5 w-3.5" aria-hidden /> Add environment
        </Button>
      </DialogTrigger>
      <DialogContent title={`Add an environment to ${service}`} description="It starts open (no approvals, all at once); tighten its settings after.">
        <form
          className="grid gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ service, name: String(new FormData(e.currentTarget).get('name')).trim() });
          }}
        >
          <Field label="Name" hint="e.g. eu-production" error={fields.name}>
            <Input name="name" required autoComplete="off" />
          </Field>
          <ErrorAlert error={create.error} besideFields />
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add environment'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
