'use client';
// Starts a pipeline run by hand: a branch (whose rule decides what the run does), the candidate (an existing
// release, or a commit to build one from) and, when wanted, an explicit "evaluate only" or target environment.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Play } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { PipelineDef } from '@/db/schema';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogTrigger } from '@/components/ui/dialog';
import { Field, Input, Select } from '@/components/ui/form';

type Source = 'release' | 'commit';
type Action = 'policy' | 'evaluate' | 'deploy';

function Radio({ name, value, checked, onChange, children }: { name: string; value: string; checked: boolean; onChange: () => void; children: ReactNode }) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <input type="radio" name={name} value={value} checked={checked} onChange={onChange} className="accent-primary" />
      {children}
    </label>
  );
}

export function RunPipelineDialog({ service, branches }: { service: string; branches: PipelineDef['branches'] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [source, setSource] = useState<Source>('release');
  const [action, setAction] = useState<Action>('policy');
  const releases = useQuery(trpc.releases.list.queryOptions({ service }, { enabled: open }));
  const serviceView = useQuery(trpc.services.get.queryOptions({ name: service }, { enabled: open }));
  const start = useMutation(
    trpc.pipelines.start.mutationOptions({
      onSuccess: async (run) => {
        await qc.invalidateQueries({ queryKey: trpc.pipelines.runs.pathKey() });
        router.push(`/pipelines/${service}/runs/${run.number}`);
      },
    }),
  );
  const fields = fieldErrors(start.error);
  const onOpenChange = (o: boolean) => {
    setOpen(o);
    if (!o) start.reset();
  };

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (name: string) => String(f.get(name) ?? '').trim() || undefined;
    const release = text('release');
    start.mutate({
      service,
      branch: text('branch'),
      commit: source === 'commit' ? text('commit') : undefined,
      release: source === 'release' && release ? Number(release) : undefined,
      evaluateOnly: action === 'evaluate',
      environment: action === 'deploy' ? text('environment') : undefined,
    });
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button>
          <Play className="h-4 w-4" aria-hidden /> Run pipeline
        </Button>
      </DialogTrigger>
      <DialogContent title={`Run the ${service} pipeline`} description="The run goes through every stage of the saved definition; its page shows each step as it happens.">
        <form onSubmit={onSubmit} className="grid gap-4" aria-label="Run pipeline">
          <Field label="Branch" hint="Optional. Its branch rule decides what the run does, unless you choose below." error={fields.branch}>
            <Input name="branch" placeholder="e.g. main" maxLength={200} autoComplete="off" />
          </Field>

          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">Candidate</legend>
            <div className="flex flex-wrap gap-4">
              <Radio name="source" value="release" checked={source === 'release'} onChange={() => setSource('release')}>
                Test a release
              </Radio>
              <Radio name="source" value="commit" checked={source === 'commit'} onChange={() => setSource('commit')}>
                Build from a commit
              </Radio>
            </div>
            {source === 'release' ? (
              <Field label="Release" error={fields.release}>
                <Select name="release" disabled={releases.isLoading}>
                  <option value="">{releases.isLoading ? 'Loading…' : releases.data?.length ? `The newest (#${releases.data[0]!.number})` : 'No releases yet'}</option>
                  {releases.data?.map((r) => (
                    <option key={r.id} value={r.number}>
                      #{r.number} · {r.model}
                      {r.prompts.length ? ` · ${r.prompts.join(', ')}` : ''}
                    </option>
                  ))}
                </Select>
              </Field>
            ) : (
              <Field label="Commit" hint="The full 40-character git commit; the run builds its candidate from the manifest there." error={fields.commit}>
                <Input name="commit" required pattern="[0-9a-f]{40}" title="40 lowercase hex characters" className="font-mono text-xs" autoComplete="off" />
              </Field>
            )}
          </fieldset>

          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">What the run does</legend>
            <Radio name="action" value="policy" checked={action === 'policy'} onChange={() => setAction('policy')}>
              As the branch rules say
            </Radio>
            <p className="pl-6 text-xs text-muted-fg">
              {branches.length
                ? `${branches.map((b) => `${b.pattern} → ${b.mode === 'deploy' ? `deploy to ${b.environment}` : 'evaluate'}`).join('; ')}; any other branch, or none, is evaluated only.`
                : 'The definition has no branch rules: the run is evaluated only.'}
            </p>
            <Radio name="action" value="evaluate" checked={action === 'evaluate'} onChange={() => setAction('evaluate')}>
              Evaluate only
            </Radio>
            <Radio name="action" value="deploy" checked={action === 'deploy'} onChange={() => setAction('deploy')}>
              Deploy to an environment
            </Radio>
            {action === 'deploy' ? (
              <Field label="Environment" error={fields.environment}>
                <Select name="environment" required disabled={serviceView.isLoading}>
                  {serviceView.data?.environments.map((env) => (
                    <option key={env.id} value={env.name}>
                      {env.name}
                      {env.protection.requiredApprovals ? ` (requires ${env.protection.requiredApprovals} approval${env.protection.requiredApprovals === 1 ? '' : 's'})` : ''}
                    </option>
                  ))}
                </Select>
              </Field>
            ) : null}
          </fieldset>

          <ErrorAlert error={start.error} besideFields />
          <Button type="submit" disabled={start.isPending}>
            {start.isPending ? 'Starting…' : 'Start run'}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
