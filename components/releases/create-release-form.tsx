'use client';
// Creates an immutable release of a service: one model version and the prompt versions it serves, each
// picked by version or by label (resolved now and pinned), plus config overrides and notes.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { parseJsonObject } from '@/components/registry/json';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Label, Select, Textarea } from '@/components/ui/form';

type By = 'version' | 'label';
type Ref = { name: string; by: By; version: string; label: string };

/** `name@3`, `name:staging`, or the bare name for the newest version (the server pins whichever it resolves to). */
function refText(r: Ref): string {
  if (r.by === 'label' && r.label) return `${r.name}:${r.label}`;
  if (r.by === 'version' && r.version) return `${r.name}@${r.version}`;
  return r.name;
}

export function CreateReleaseForm({ service }: { service: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const models = useQuery(trpc.models.list.queryOptions({}));
  const prompts = useQuery(trpc.prompts.list.queryOptions({ service }));
  const [model, setModel] = useState<Ref>({ name: '', by: 'version', version: '', label: '' });
  const [refs, setRefs] = useState<Ref[]>([]);
  const [configError, setConfigError] = useState<string | null>(null);
  const [pickError, setPickError] = useState<string | null>(null);
  const create = useMutation(
    trpc.releases.create.mutationOptions({
      onSuccess: (r) => {
        void qc.invalidateQueries({ queryKey: trpc.releases.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.services.pathKey() });
        router.push(`/releases/${service}/${r.number}`);
      },
    }),
  );
  const fields = fieldErrors(create.error);
  const modelName = model.name || models.data?.[0]?.name || '';
  const unused = prompts.data?.filter((p) => !refs.some((r) => r.name === p.name)) ?? [];

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const config = parseJsonObject(String(f.get('config') ?? ''), {});
    setConfigError(config.ok ? null : `Config ${config.error}`);
    const unlabelled = [{ ...model, name: modelName }, ...refs].filter((r) => r.by === 'label' && !r.label).map((r) => r.name);
    setPickError(unlabelled.length ? `Choose a label for ${unlabelled.join(', ')}, or pick by version.` : null);
    if (!config.ok || unlabelled.length) return;
    create.mutate({
      service,
      model: refText({ ...model, name: modelName }),
      prompts: refs.map(refText),
      config: config.value,
      notes: String(f.get('notes') ?? ''),
      gitSha: String(f.get('gitSha') ?? '').trim() || undefined,
      source: 'ui',
    });
  }

  const setRef = (i: number, patch: Partial<Ref>) => setRefs((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <form onSubmit={onSubmit} className="grid gap-6" aria-label="Create release">
      <Card>
        <CardHeader title="Model" description="The model version this release serves." />
        <div className="grid gap-4 px-5 py-4">
          {models.data && !models.data.length ? (
            <p className="text-sm text-muted-fg">
              No model is registered yet. <Link href="/models/new" className="text-primary underline">Register one</Link> first.
            </p>
          ) : (
            <RefPicker kind="model" value={{ ...model, name: modelName }} names={models.data?.map((m) => m.name) ?? []} onChange={(r) => setModel(r)} error={errorAt(fields, 'model')} />
          )}
        </div>
      </Card>

      <Card>
        <CardHeader title="Prompts" description={`Prompt versions of ${service} this release serves, each by version or by label.`} />
        <div className="grid gap-3 px-5 py-4">
          {refs.map((r, i) => (
            <div key={i} className="flex items-start gap-2">
              <div className="flex-1">
                <RefPicker kind="prompt" service={service} value={r} names={[r.name, ...unused.map((p) => p.name)]} onChange={(next) => setRef(i, next)} error={fields[`prompts.${i}`]} index={i} />
              </div>
              <Button variant="ghost" size="icon" className="mt-6" aria-label={`Remove prompt ${r.name}`} onClick={() => setRefs((rs) => rs.filter((_, j) => j !== i))}>
                <Trash2 className="h-4 w-4" aria-hidden />
              </Button>
            </div>
          ))}
          {fields.prompts ? (
            <p role="alert" className="text-xs text-danger">
              {fields.prompts}
            </p>
          ) : null}
          {prompts.data && !prompts.data.length ? <p className="text-sm text-muted-fg">{service} has no prompts yet.</p> : null}
          <div>
            <Button variant="secondary" size="sm" disabled={!unused.length} onClick={() => setRefs((rs) => [...rs, { name: unused[0]!.name, by: 'version', version: '', label: '' }])}>
              <Plus className="h-3.5 w-3.5" aria-hidden /> Add prompt
            </Button>
          </div>
        </div>
      </Card>

      <Card>
        <CardHeader title="Config and notes" />
        <div className="grid gap-4 px-5 py-4 lg:grid-cols-2">
          <Field label="Config (JSON)" hint='Overrides for this release, e.g. {"temperature": 0.1}' error={configError ?? errorAt(fields, 'config')}>
            <Textarea name="config" code rows={6} placeholder="{}" />
          </Field>
          <div className="grid content-start gap-4">
            <Field label="Notes" hint="What this release is for" error={fields.notes}>
              <Textarea name="notes" rows={3} maxLength={5000} />
            </Field>
            <Field label="Git commit (optional)" error={fields.gitSha}>
              <Input name="gitSha" className="font-mono text-xs" />
            </Field>
          </div>
        </div>
      </Card>

      {pickError ? (
        <p role="alert" className="rounded-md bg-danger/10 px-3 py-2 text-sm text-danger">
          {pickError}
        </p>
      ) : null}
      <ErrorAlert error={create.error} besideFields />
      <div className="flex gap-3">
        <Button type="submit" disabled={create.isPending || !modelName}>
          {create.isPending ? 'Creating…' : 'Create release'}
        </Button>
        <Button variant="ghost" asChild>
          <Link href={`/releases?service=${service}`}>Cancel</Link>
        </Button>
      </div>
    </form>
  );
}

/** Name, then version or label of a model or a prompt; the choices come from the registry. */
function RefPicker({ kind, service, value, names, onChange, error, index }: { kind: 'model' | 'prompt'; service?: string; value: Ref; names: string[]; onChange: (r: Ref) => void; error?: string; index?: number }) {
  const trpc = useTRPC();
  const model = useQuery(trpc.models.get.queryOptions({ name: value.name }, { enabled: kind === 'model' && Boolean(value.name) }));
  const prompt = useQuery(trpc.prompts.get.queryOptions({ service: service ?? '', prompt: value.name }, { enabled: kind === 'prompt' && Boolean(value.name) }));
  const target = kind === 'model' ? model.data : prompt.data;
  const versions = kind === 'model' ? (model.data?.versions.map((v) => ({ n: v.version, note: v.status, disabled: v.status === 'archived' })) ?? []) : (prompt.data?.versions.map((v) => ({ n: v.version, note: v.commitMessage, disabled: false })) ?? []);
  const id = `${kind}-${index ?? 0}`;
  const title = kind === 'model' ? 'Model' : `Prompt ${index! + 1}`;

  return (
    <div className="grid gap-2" role="group" aria-label={kind === 'model' ? 'Model reference' : title}>
      <div className="grid gap-3 sm:grid-cols-[1fr_9rem_1fr]">
        <div className="grid gap-1.5">
          <Label htmlFor={`${id}-name`}>{title}</Label>
          <Select id={`${id}-name`} value={value.name} onChange={(e) => onChange({ name: e.target.value, by: 'version', version: '', label: '' })} aria-invalid={Boolean(error)}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </Select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor={`${id}-by`}>Pick by</Label>
          <Select id={`${id}-by`} value={value.by} onChange={(e) => onChange({ ...value, by: e.target.value as By })}>
            <option value="version">version</option>
            <option value="label">label</option>
          </Select>
        </div>
        {value.by === 'version' ? (
          <div className="grid gap-1.5">
            <Label htmlFor={`${id}-version`}>Version</Label>
            <Select id={`${id}-version`} value={value.version} onChange={(e) => onChange({ ...value, version: e.target.value })}>
              <option value="">newest{versions[0] ? ` (v${versions[0].n})` : ''}</option>
              {versions.map((v) => (
                <option key={v.n} value={v.n} disabled={v.disabled}>
                  v{v.n}
                  {v.note ? ` — ${v.note.slice(0, 60)}` : ''}
                </option>
              ))}
            </Select>
          </div>
        ) : (
          <div className="grid gap-1.5">
            <Label htmlFor={`${id}-label`}>Label</Label>
            <Select id={`${id}-label`} value={value.label} onChange={(e) => onChange({ ...value, label: e.target.value })}>
              <option value="">{target?.labels.length ? 'Choose a label' : 'No labels yet'}</option>
              {target?.labels.map((l) => (
                <option key={l.name} value={l.name}>
                  {l.name} (v{l.version})
                </option>
              ))}
            </Select>
          </div>
        )}
      </div>
      {error ? (
        <p role="alert" className="text-xs text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}
