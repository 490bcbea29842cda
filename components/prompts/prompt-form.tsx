'use client';
// Pushes a prompt version: messages (role and content) and include rows, declared variables, params and
// response schema as JSON, and a commit message. Versions are content-addressed, so pushing content that
// already exists creates nothing and says which version holds it.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, errorAt, fieldErrors } from '@/components/errors';
import { parseJsonObject, pretty } from '@/components/registry/json';
import { useTRPC, type RouterInputs } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { Checkbox, Field, Input, Label, Select, Textarea } from '@/components/ui/form';
import type { Json, PromptMessage, PromptVariable } from '@/db/schema';

type Push = RouterInputs['prompts']['push'];
type Role = 'system' | 'user' | 'assistant';
type MessageRow = { kind: 'message'; role: Role; content: string } | { kind: 'include'; include: string };
type VariableRow = { name: string; type: PromptVariable['type']; required: boolean; default: string; description: string };

const ROLES: Role[] = ['system', 'user', 'assistant'];
const TYPES: PromptVariable['type'][] = ['string', 'number', 'boolean', 'json'];

export interface PromptContent {
  messages: PromptMessage[];
  variables: PromptVariable[];
  params: Record<string, Json>;
  responseSchema: Record<string, Json> | null;
}

function toRows(c: PromptContent | undefined): { messages: MessageRow[]; variables: VariableRow[] } {
  if (!c) return { messages: [{ kind: 'message', role: 'system', content: '' }, { kind: 'message', role: 'user', content: '' }], variables: [] };
  return {
    messages: c.messages.map((m) => ('include' in m ? { kind: 'include', include: m.include } : { kind: 'message', role: m.role, content: m.content })),
    variables: c.variables.map((v) => ({ name: v.name, type: v.type, required: v.required, default: v.default === undefined ? '' : v.type === 'string' && typeof v.default === 'string' ? v.default : JSON.stringify(v.default), description: v.description ?? '' })),
  };
}

/** A default typed as text, read as the variable's type; a number or boolean that does not parse goes as text so the server names it. */
function parseDefault(row: VariableRow): { value?: Json; error?: string } {
  const s = row.default;
  if (s.trim() === '') return {};
  switch (row.type) {
    case 'string':
      return { value: s };
    case 'number':
      return { value: Number.isFinite(Number(s)) ? Number(s) : s };
    case 'boolean':
      return { value: s.trim() === 'true' ? true : s.trim() === 'false' ? false : s };
    case 'json':
      try {
        return { value: JSON.parse(s) as Json };
      } catch {
        return { error: 'must be valid JSON' };
      }
  }
}

/** Placeholders in the messages, so the form can offer to declare the ones that are missing. */
function placeholdersOf(rows: MessageRow[]): string[] {
  const found = new Set<string>();
  for (const r of rows) if (r.kind === 'message') for (const m of r.content.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) found.add(m[1]!);
  return [...found];
}

export function PromptForm({ service, prompt, initial, onPushed }: { service: string; prompt?: string; initial?: PromptContent; onPushed?: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [start] = useState(() => toRows(initial));
  const [messages, setMessages] = useState<MessageRow[]>(start.messages);
  const [variables, setVariables] = useState<VariableRow[]>(start.variables);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const push = useMutation(
    trpc.prompts.push.mutationOptions({
      onSuccess: (res, input) => {
        void qc.invalidateQueries({ queryKey: trpc.prompts.pathKey() });
        void qc.invalidateQueries({ queryKey: trpc.services.get.queryKey({ name: service }) });
        onPushed?.();
        if (res.created) router.push(`/prompts/${service}/${input.prompt}?v=${res.version.version}`);
      },
    }),
  );
  const fields = { ...fieldErrors(push.error), ...clientErrors };
  const at = (p: string) => errorAt(fields, p);
  const undeclared = placeholdersOf(messages).filter((p) => !variables.some((v) => v.name === p));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const errors: Record<string, string> = {};
    const params = parseJsonObject(String(f.get('params') ?? ''), {});
    if (!params.ok) errors.params = params.error;
    const schema = parseJsonObject(String(f.get('responseSchema') ?? ''), null);
    if (!schema.ok) errors.responseSchema = schema.error;
    const vars = variables.map((v, i) => {
      const d = parseDefault(v);
      if (d.error) errors[`variables.${i}.default`] = d.error;
      return { name: v.name.trim(), type: v.type, required: v.required, ...(d.value !== undefined ? { default: d.value } : {}), ...(v.description.trim() ? { description: v.description.trim() } : {}) };
    });
    setClientErrors(errors);
    if (Object.keys(errors).length || !params.ok || !schema.ok) {
      push.reset();
      return;
    }
    const input: Push = {
      service,
      prompt: prompt ?? String(f.get('prompt') ?? '').trim(),
      messages: messages.map((m) => (m.kind === 'include' ? { include: m.include.trim() } : { role: m.role, content: m.content })),
      variables: vars,
      params: params.value,
      responseSchema: schema.value,
      commitMessage: String(f.get('commitMessage') ?? ''),
      gitSha: String(f.get('gitSha') ?? '').trim() || undefined,
      description: prompt ? undefined : String(f.get('description') ?? '').trim() || undefined,
    };
    push.mutate(input);
  }

  const setMessage = (i: number, row: MessageRow) => setMessages((ms) => ms.map((m, j) => (j === i ? row : m)));
  const moveMessage = (i: number, by: -1 | 1) =>
    setMessages((ms) => {
      const next = [...ms];
      const [row] = next.splice(i, 1);
      next.splice(i + by, 0, row!);
      return next;
    });
  const setVariable = (i: number, patch: Partial<VariableRow>) => setVariables((vs) => vs.map((v, j) => (j === i ? { ...v, ...patch } : v)));

  return (
    <form onSubmit={onSubmit} className="grid gap-6" aria-label={prompt ? `New version of ${prompt}` : 'New prompt'}>
      {!prompt ? (
        <Card>
          <CardHeader title="Prompt" description={`A prompt of ${service}. Its first push creates it.`} />
          <div className="grid gap-4 px-5 py-4 sm:grid-cols-2">
            <Field label="Prompt name" hint="Lowercase letters, digits and dashes, e.g. answer-question" error={at('prompt')}>
              <Input name="prompt" required autoComplete="off" />
            </Field>
            <Field label="Description" error={at('description')}>
              <Input name="description" maxLength={2000} />
            </Field>
          </div>
        </Card>
      ) : null}

      <Card>
        <CardHeader title="Messages" description="Write {{variable}} where a value goes in. An include row pulls in another prompt of this service: name, name@3 or name:production." />
        <div className="grid gap-3 px-5 py-4">
          {messages.map((m, i) => (
            <div key={i} className="grid gap-2 rounded-md border border-border p-3" role="group" aria-label={`Message ${i + 1}`}>
              <div className="flex flex-wrap items-center gap-2">
                {m.kind === 'message' ? (
                  <Select aria-label={`Message ${i + 1} role`} className="h-8 w-36" value={m.role} onChange={(e) => setMessage(i, { ...m, role: e.target.value as Role })}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </Select>
                ) : (
                  <span className="text-sm font-medium">Include</span>
                )}
                <div className="ml-auto flex gap-1">
                  <Button variant="ghost" size="icon" aria-label={`Move message ${i + 1} up`} disabled={i === 0} onClick={() => moveMessage(i, -1)}>
                    <ArrowUp className="h-4 w-4" aria-hidden />
                  </Button>
                  <Button variant="ghost" size="icon" aria-label={`Move message ${i + 1} down`} disabled={i === messages.length - 1} onClick={() => moveMessage(i, 1)}>
                    <ArrowDown className="h-4 w-4" aria-hidden />
                  </Button>
                  <Button variant="ghost" size="icon" aria-label={`Remove message ${i + 1}`} disabled={messages.length <= 1} onClick={() => setMessages((ms) => ms.filter((_, j) => j !== i))}>
                    <Trash2 className="h-4 w-4" aria-hidden />
                  </Button>
                </div>
              </div>
              {m.kind === 'message' ? (
                <Textarea aria-label={`Message ${i + 1} content`} code rows={Math.min(12, Math.max(3, m.content.split('\n').length + 1))} value={m.content} onChange={(e) => setMessage(i, { ...m, content: e.target.value })} aria-invalid={Boolean(at(`messages.${i}`))} />
              ) : (
                <Input aria-label={`Message ${i + 1} include`} className="font-mono text-xs" placeholder="shared-rules@2" value={m.include} onChange={(e) => setMessage(i, { ...m, include: e.target.value })} aria-invalid={Boolean(at(`messages.${i}`))} />
              )}
              {at(`messages.${i}`) ? (
                <p role="alert" className="text-xs text-danger">
                  {at(`messages.${i}`)}
                </p>
              ) : null}
            </div>
          ))}
          {fields.messages ? (
            <p role="alert" className="text-xs text-danger">
              {fields.messages}
            </p>
          ) : null}
          <div className="flex gap-2">
            <Button variant="secondary" size="sm" onClick={() => setMessages((ms) => [...ms, { kind: 'message', role: 'user', content: '' }])}>
              <Plus className="h-3.5 w-3.5" aria-hidden /> Add message
            </Button>
            <Button variant="secondary" size="sm" onClick={() => setMessages((ms) => [...ms, { kind: 'include', include: '' }])}>
              <Plus className="h-3.5 w-3.5" aria-hidden /> Add include
            </Button>
          </div>
        </div>
      </Card>

      <Card>
        <CardHeader title="Variables" description="Every {{placeholder}} must be declared. Defaults are typed as text and read as the variable's type." />
        <div className="grid gap-3 px-5 py-4">
          {variables.map((v, i) => (
            <div key={i} className="grid gap-2 sm:grid-cols-[1fr_8rem_6rem_1fr_1.5fr_auto] sm:items-end" role="group" aria-label={`Variable ${i + 1}`}>
              <div className="grid gap-1.5">
                <Label htmlFor={`var-${i}-name`}>Name</Label>
                <Input id={`var-${i}-name`} className="font-mono text-xs" value={v.name} onChange={(e) => setVariable(i, { name: e.target.value })} aria-invalid={Boolean(fields[`variables.${i}.name`])} />
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor={`var-${i}-type`}>Type</Label>
                <Select id={`var-${i}-type`} value={v.type} onChange={(e) => setVariable(i, { type: e.target.value as VariableRow['type'] })}>
                  {TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </Select>
              </div>
              <Checkbox className="h-9" label="Required" checked={v.required} onChange={(e) => setVariable(i, { required: e.target.checked })} />
              <div className="grid gap-1.5">
                <Label htmlFor={`var-${i}-default`}>Default</Label>
                <Input id={`var-${i}-default`} value={v.default} onChange={(e) => setVariable(i, { default: e.target.value })} aria-invalid={Boolean(fields[`variables.${i}.default`])} />
              </div>
              <div className="grid gap-1.5">
                <Label htmlFor={`var-${i}-description`}>Description</Label>
                <Input id={`var-${i}-description`} value={v.description} onChange={(e) => setVariable(i, { description: e.target.value })} />
              </div>
              <Button variant="ghost" size="icon" aria-label={`Remove variable ${i + 1}`} onClick={() => setVariables((vs) => vs.filter((_, j) => j !== i))}>
                <Trash2 className="h-4 w-4" aria-hidden />
              </Button>
              {at(`variables.${i}`) ? (
                <p role="alert" className="text-xs text-danger sm:col-span-6">
                  Variable {i + 1}, {at(`variables.${i}`)}
                </p>
              ) : null}
            </div>
          ))}
          {fields.variables ? (
            <p role="alert" className="text-xs text-danger">
              {fields.variables}
            </p>
          ) : null}
          <div className="flex flex-wrap items-center gap-2">
            <Button variant="secondary" size="sm" onClick={() => setVariables((vs) => [...vs, { name: '', type: 'string', required: true, default: '', description: '' }])}>
              <Plus className="h-3.5 w-3.5" aria-hidden /> Add variable
            </Button>
            {undeclared.length ? (
              <Button variant="ghost" size="sm" onClick={() => setVariables((vs) => [...vs, ...undeclared.map((name) => ({ name, type: 'string' as const, required: true, default: '', description: '' }))])}>
                Declare {undeclared.map((u) => `{{${u}}}`).join(', ')}
              </Button>
            ) : null}
          </div>
        </div>
      </Card>

      <Card>
        <CardHeader title="Parameters and response" />
        <div className="grid gap-4 px-5 py-4 lg:grid-cols-2">
          <Field label="Model parameters (JSON)" hint='e.g. {"temperature": 0.2, "max_tokens": 400}' error={at('params')}>
            <Textarea name="params" code rows={6} defaultValue={initial && Object.keys(initial.params).length ? pretty(initial.params) : ''} placeholder="{}" />
          </Field>
          <Field label="Response schema (JSON Schema)" hint="Blank for free-form text" error={at('responseSchema')}>
            <Textarea name="responseSchema" code rows={6} defaultValue={initial?.responseSchema ? pretty(initial.responseSchema) : ''} />
          </Field>
        </div>
      </Card>

      <Card>
        <CardHeader title="Commit" />
        <div className="grid gap-4 px-5 py-4 sm:grid-cols-[2fr_1fr]">
          <Field label="Commit message" hint="What changed and why" error={at('commitMessage')}>
            <Textarea name="commitMessage" rows={2} maxLength={2000} />
          </Field>
          <Field label="Git commit (optional)" hint="40-character sha of the source" error={at('gitSha')}>
            <Input name="gitSha" className="font-mono text-xs" />
          </Field>
        </div>
      </Card>

      <ErrorAlert error={push.error} besideFields />
      {push.data && !push.data.created ? (
        <p role="status" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
          Identical content already exists as{' '}
          <Link className="font-medium underline" href={`/prompts/${service}/${push.variables?.prompt ?? prompt}?v=${push.data.version.version}`}>
            v{push.data.version.version}
          </Link>
          . Nothing was created.
        </p>
      ) : null}
      <div>
        <Button type="submit" disabled={push.isPending}>
          {push.isPending ? 'Pushing…' : prompt ? 'Push version' : 'Create prompt'}
        </Button>
      </div>
    </form>
  );
}
