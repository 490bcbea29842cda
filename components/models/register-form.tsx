'use client';
// Registers an immutable model version: an OpenAI-compatible endpoint (base URL) or a container — built from a
// context in the service's repository or an image pinned by digest, with its command, port, health path,
// environment and resources — with artifacts and tokenizer pinned by sha256, lineage, tags, prices and the API
// key's secret.
import { useMutation, useQuery } from '@tanstack/react-query';
import { Plus, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { numberOr } from '@/components/registry/forms';
import { parseJsonObject } from '@/components/registry/json';
import { useTRPC, type RouterInputs } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Field, Input, Label, Select, Textarea } from '@/components/ui/form';
import { useCan } from '@/components/viewer';
import { PROVIDER_LABELS } from './models-list';

type RegisterInput = RouterInputs['models']['register'];
type Artifact = { uri: string; sha256: string; sizeBytes: string; path: string };
type Tag = { key: string; value: string };

const text = (f: FormData, name: string) => String(f.get(name) ?? '').trim();
const optional = (f: FormData, name: string) => text(f, name) || undefined;
const lines = (f: FormData, name: string) =>
  String(f.get(name) ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The container settings from the form: arguments one per line, environment as KEY=value lines. */
function containerFrom(f: FormData, source: 'build' | 'image'): NonNullable<RegisterInput['container']> {
  const command = lines(f, 'containerCommand');
  const env = Object.fromEntries(
    lines(f, 'containerEnv').map((l) => {
      const eq = l.indexOf('=');
      return eq < 0 ? [l, ''] : [l.slice(0, eq).trim(), l.slice(eq + 1)];
    }),
  );
  return {
    build: source === 'build' ? { context: text(f, 'buildContext') || '.', dockerfile: text(f, 'buildDockerfile') || 'Dockerfile' } : null,
    command: command.length ? command : null,
    port: numberOr(f.get('containerPort'), 0),
    healthPath: text(f, 'containerHealthPath') || '/health',
    env,
    resources: { cpus: numberOr(f.get('containerCpus'), null), memoryMb: numberOr(f.get('containerMemoryMb'), null) },
  };
}

export function RegisterModelForm({ model }: { model?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const canReadSecrets = useCan('secrets:read');
  const secrets = useQuery(trpc.secrets.list.queryOptions(undefined, { enabled: canReadSecrets }));
  const [kind, setKind] = useState<RegisterInput['providerKind']>('openai-compatible');
  const [artifacts, setArtifacts] = useState<Artifact[]>([]);
  const [source, setSource] = useState<'build' | 'image'>('build');
  const [tags, setTags] = useState<Tag[]>([]);
  const [paramsError, setParamsError] = useState<string | null>(null);
  const register = useMutation(trpc.models.register.mutationOptions({ onSuccess: (v) => router.push(`/models/${v.model}?version=${v.version}`) }));
  const fields = fieldErrors(register.error);
  const at = (p: string) => errorAt(fields, p);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const params = parseJsonObject(text(f, 'defaultParams'), {});
    setParamsError(params.ok ? null : `Default parameters ${params.error}`);
    if (!params.ok) return;
    const tokenizerUri = text(f, 'tokenizerUri');
    const tokenizerSha = text(f, 'tokenizerSha256');
    register.mutate({
      model: text(f, 'model'),
      modelDescription: optional(f, 'modelDescription'),
      providerKind: kind,
      baseUrl: kind === 'openai-compatible' ? optional(f, 'baseUrl') : undefined,
      imageRef: kind === 'container' && source === 'image' ? optional(f, 'imageRef') : undefined,
      container: kind === 'container' ? containerFrom(f, source) : undefined,
      upstreamModel: text(f, 'upstreamModel'),
      apiKeySecret: optional(f, 'apiKeySecret'),
      defaultParams: params.value,
      artifacts: artifacts.map((a) => ({ uri: a.uri.trim(), sha256: a.sha256.trim(), sizeBytes: numberOr(a.sizeBytes, 0), path: a.path.trim() || undefined })),
      tokenizer: tokenizerUri || tokenizerSha ? { uri: tokenizerUri, sha256: tokenizerSha, path: optional(f, 'tokenizerPath') } : undefined,
      priceInputPer1M: numberOr(f.get('priceInputPer1M'), 0),
      priceOutputPer1M: numberOr(f.get('priceOutputPer1M'), 0),
      contextWindow: numberOr(f.get('contextWindow'), undefined),
      lineage: { gitRepository: optional(f, 'gitRepository'), gitCommit: optional(f, 'gitCommit'), pipelineRunId: optional(f, 'pipelineRunId'), trainingRunUri: optional(f, 'trainingRunUri') },
      tags: Object.fromEntries(tags.filter((t) => t.key.trim()).map((t) => [t.key.trim(), t.value])),
      description: String(f.get('description') ?? ''),
    });
  }

  const setArtifact = (i: number, patch: Partial<Artifact>) => setArtifacts((as) => as.map((a, j) => (j === i ? { ...a, ...patch } : a)));
  const setTag = (i: number, patch: Partial<Tag>) => setTags((ts) => ts.map((t, j) => (j === i ? { ...t, ...patch } : t)));
  const providerSecrets = secrets.data?.filter((s) => s.purposes.includes('provider_key')) ?? [];

  return (
    <form onSubmit={onSubmit} className="grid gap-6" aria-label="Register a model version">
      <Card>
        <CardHeader title="Model" description="A new name creates the model; an existing name adds its next version. Versions never change once registered." />
        <div className="grid gap-4 px-5 py-4 sm:grid-cols-2">
          <Field label="Model name" hint="e.g. support-llm" error={at('model')}>
            <Input name="model" required defaultValue={model} autoComplete="off" />
          </Field>
          <Field label="Model description" hint="Kept when the model already exists" error={at('modelDescription')}>
            <Input name="modelDescription" maxLength={2000} />
          </Field>
        </div>
      </Card>

      <Card>
        <CardHeader title="Serving" />
        <div className="grid gap-4 px-5 py-4 sm:grid-cols-2">
          <fieldset className="sm:col-span-2">
            <legend className="mb-2 text-sm font-medium">Provider kind</legend>
            <div className="flex flex-wrap gap-5 text-sm">
              {(Object.keys(PROVIDER_LABELS) as RegisterInput['providerKind'][]).map((k) => (
                <label key={k} className="flex items-center gap-2">
                  <input type="radio" name="providerKind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {PROVIDER_LABELS[k]}
                </label>
              ))}
            </div>
          </fieldset>
          {kind === 'openai-compatible' ? (
            <Field label="Base URL" hint="The OpenAI-compatible API root, e.g. https://api.example.com/v1" error={at('baseUrl')}>
              <Input name="baseUrl" type="url" placeholder="https://" />
            </Field>
          ) : (
            <ContainerFields source={source} setSource={setSource} at={at} />
          )}
          <Field label="Upstream model name" hint="What the endpoint calls the model" error={at('upstreamModel')}>
            <Input name="upstreamModel" required />
          </Field>
          <Field
            label="API key secret"
            hint={canReadSecrets ? <>Stored under <Link className="underline" href="/settings/secrets">Settings → Secrets</Link>; only its name is kept here</> : 'Your role cannot list secrets; ask an approver to set the key'}
            error={at('apiKeySecret')}
          >
            <Select name="apiKeySecret" disabled={!canReadSecrets} defaultValue="">
              <option value="">None</option>
              {providerSecrets.map((s) => (
                <option key={s.id} value={s.name}>
                  {s.name} ({s.mask})
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Context window (tokens)" error={at('contextWindow')}>
            <Input name="contextWindow" inputMode="numeric" />
          </Field>
          <Field label="Input price (USD per 1M tokens)" error={at('priceInputPer1M')}>
            <Input name="priceInputPer1M" inputMode="decimal" defaultValue="0" />
          </Field>
          <Field label="Output price (USD per 1M tokens)" error={at('priceOutputPer1M')}>
            <Input name="priceOutputPer1M" inputMode="decimal" defaultValue="0" />
          </Field>
          <div className="sm:col-span-2">
            <Field label="Default parameters (JSON)" hint='Sent with every request unless a prompt overrides them, e.g. {"temperature": 0.2}' error={paramsError ?? at('defaultParams')}>
              <Textarea name="defaultParams" code rows={3} placeholder="{}" />
            </Field>
          </div>
        </div>
      </Card>

      <Card>
        <CardHeader title="Artifacts and tokenizer" description="Weights and other files, each pinned by sha256 so what was evaluated is what runs." />
        <div className="grid gap-3 px-5 py-4">
          {artifacts.map((a, i) => (
            <div key={i} className="grid gap-2 sm:grid-cols-[2fr_2fr_8rem_10rem_auto] sm:items-end">
              <div className="grid gap-1.5">
                <Label htmlFor={`artifact-${i}-uri`}>Artifact {i + 1} URI</Label>
                <Input id={`artifact-${i}-uri`} value={a.uri} placeholder={kind === 'container' ? 'https://host/weights.bin or repo:models/weights.bin' : 's3://bucket/model.safetensors'} onChange={(e) => setArtifact(i, { uri: e.target.value })} aria-invalid={Boolean(fields[`artifacts.${i}.uri`])} />
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor={`artifact-${i}-sha`}>sha256</Label>
                <Input id={`artifact-${i}-sha`} className="font-mono text-xs" value={a.sha256} onChange={(e) => setArtifact(i, { sha256: e.target.value })} aria-invalid={Boolean(fields[`artifacts.${i}.sha256`])} />
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor={`artifact-${i}-size`}>Size (bytes)</Label>
                <Input id={`artifact-${i}-size`} inputMode="numeric" value={a.sizeBytes} onChange={(e) => setArtifact(i, { sizeBytes: e.target.value })} aria-invalid={Boolean(fields[`artifacts.${i}.sizeBytes`])} />
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor={`artifact-${i}-path`}>Path in build context</Label>
                <Input id={`artifact-${i}-path`} className="font-mono text-xs" value={a.path} placeholder="models/weights.bin" onChange={(e) => setArtifact(i, { path: e.target.value })} aria-invalid={Boolean(fields[`artifacts.${i}.path`])} />
              </div>
              <Button variant="ghost" size="icon" aria-label={`Remove artifact ${i + 1}`} onClick={() => setArtifacts((as) => as.filter((_, j) => j !== i))}>
                <Trash2 className="h-4 w-4" aria-hidden />
              </Button>
              {at(`artifacts.${i}`) ? (
                <p role="alert" className="text-xs text-danger sm:col-span-5">
                  Artifact {i + 1}, {at(`artifacts.${i}`)}
                </p>
              ) : null}
            </div>
          ))}
          <div>
            <Button variant="secondary" size="sm" onClick={() => setArtifacts((as) => [...as, { uri: '', sha256: '', sizeBytes: '', path: '' }])}>
              <Plus className="h-3.5 w-3.5" aria-hidden /> Add artifact
            </Button>
          </div>
          <div className="grid gap-4 border-t border-border pt-4 sm:grid-cols-2">
            <Field label="Tokenizer URI" hint="Leave both blank if there is none" error={at('tokenizer.uri')}>
              <Input name="tokenizerUri" placeholder="https://host/tokenizer.json" />
            </Field>
            <Field label="Tokenizer sha256" error={at('tokenizer.sha256')}>
              <Input name="tokenizerSha256" className="font-mono text-xs" />
            </Field>
            {kind === 'container' ? (
              <Field label="Tokenizer path in build context" hint="Where a build places it, e.g. models/tokenizer.json" error={at('tokenizer.path')}>
                <Input name="tokenizerPath" className="font-mono text-xs" />
              </Field>
            ) : null}
          </div>
        </div>
      </Card>

      <Card>
        <CardHeader title="Lineage and tags" description="Where this version came from, and labels for searching." />
        <div className="grid gap-4 px-5 py-4 sm:grid-cols-2">
          <Field label="Git repository" error={at('lineage.gitRepository')}>
            <Input name="gitRepository" placeholder="github.com/acme/models" />
          </Field>
          <Field label="Git commit" hint="40-character sha" error={at('lineage.gitCommit')}>
            <Input name="gitCommit" className="font-mono text-xs" />
          </Field>
          <Field label="Pipeline run" error={at('lineage.pipelineRunId')}>
            <Input name="pipelineRunId" />
          </Field>
          <Field label="Training run URI" error={at('lineage.trainingRunUri')}>
            <Input name="trainingRunUri" placeholder="mlflow://runs/…" />
          </Field>
          <div className="grid gap-2 sm:col-span-2">
            <span className="text-sm font-medium">Tags</span>
            {tags.map((t, i) => (
              <div key={i} className="grid grid-cols-[1fr_2fr_auto] items-end gap-2">
                <Input aria-label={`Tag ${i + 1} name`} placeholder="name" value={t.key} onChange={(e) => setTag(i, { key: e.target.value })} />
                <Input aria-label={`Tag ${i + 1} value`} placeholder="value" value={t.value} onChange={(e) => setTag(i, { value: e.target.value })} />
                <Button variant="ghost" size="icon" aria-label={`Remove tag ${i + 1}`} onClick={() => setTags((ts) => ts.filter((_, j) => j !== i))}>
                  <Trash2 className="h-4 w-4" aria-hidden />
                </Button>
              </div>
            ))}
            {at('tags') ? (
              <p role="alert" className="text-xs text-danger">
                {at('tags')}
              </p>
            ) : null}
            <div>
              <Button variant="secondary" size="sm" onClick={() => setTags((ts) => [...ts, { key: '', value: '' }])}>
                <Plus className="h-3.5 w-3.5" aria-hidden /> Add tag
              </Button>
            </div>
          </div>
          <div className="sm:col-span-2">
            <Field label="Description" hint="Shown as written, line breaks kept" error={at('description')}>
              <Textarea name="description" rows={5} maxLength={20_000} />
            </Field>
          </div>
        </div>
      </Card>

      <ErrorAlert error={register.error} besideFields />
      <div className="flex gap-3">
        <Button type="submit" disabled={register.isPending}>
          {register.isPending ? 'Registering…' : 'Register version'}
        </Button>
        <Button variant="ghost" asChild>
          <Link href={model ? `/models/${model}` : '/models'}>Cancel</Link>
        </Button>
      </div>
    </form>
  );
}

function ContainerFields({ source, setSource, at }: { source: 'build' | 'image'; setSource: (s: 'build' | 'image') => void; at: (p: string) => string | undefined }) {
  return (
    <div className="grid gap-4 sm:col-span-2 sm:grid-cols-2" role="group" aria-label="Container">
      <fieldset className="sm:col-span-2">
        <legend className="mb-2 text-sm font-medium">Image</legend>
        <div className="flex flex-wrap gap-5 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" name="containerSource" value="build" checked={source === 'build'} onChange={() => setSource('build')} /> Built from the service repository
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="containerSource" value="image" checked={source === 'image'} onChange={() => setSource('image')} /> An existing image pinned by digest
          </label>
        </div>
        {at('container.build') ? (
          <p role="alert" className="mt-1 text-xs text-danger">
            {at('container.build')}
          </p>
        ) : null}
      </fieldset>
      {source === 'build' ? (
        <>
          <Field label="Build context" hint="A directory of the repository at the pipeline run's commit" error={at('container.build.context')}>
            <Input name="buildContext" className="font-mono text-xs" defaultValue="." />
          </Field>
          <Field label="Dockerfile" hint="Its path inside the build context" error={at('container.build.dockerfile')}>
            <Input name="buildDockerfile" className="font-mono text-xs" defaultValue="Dockerfile" />
          </Field>
        </>
      ) : (
        <Field label="Image reference" hint="registry/name@sha256:<64 hex>, or a local image id sha256:<64 hex>" error={at('imageRef')}>
          <Input name="imageRef" className="font-mono text-xs" />
        </Field>
      )}
      <Field label="Command" hint="One argument per line; {port} becomes the port it must listen on. Blank: the image's own" error={at('container.command')}>
        <Textarea name="containerCommand" code rows={3} placeholder={'/app/server.mjs\n--port\n{port}'} />
      </Field>
      <Field label="Environment" hint="KEY=value, one per line" error={at('container.env')}>
        <Textarea name="containerEnv" code rows={3} />
      </Field>
      <Field label="Port" error={at('container.port')}>
        <Input name="containerPort" inputMode="numeric" defaultValue="8000" />
      </Field>
      <Field label="Health path" hint="Answers 2xx when a replica is ready" error={at('container.healthPath')}>
        <Input name="containerHealthPath" className="font-mono text-xs" defaultValue="/health" />
      </Field>
      <Field label="CPUs" hint="Blank: no limit" error={at('container.resources.cpus')}>
        <Input name="containerCpus" inputMode="decimal" />
      </Field>
      <Field label="Memory (MB)" hint="Blank: no limit" error={at('container.resources.memoryMb')}>
        <Input name="containerMemoryMb" inputMode="numeric" />
      </Field>
    </div>
  );
}
