'use client';
// Renders a prompt version with variables, as the gateway would: includes expanded, placeholders filled.
// Values are entered per variable or as one JSON object (which also reaches variables of included prompts).
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ErrorAlert, fieldErrors } from '@/components/errors';
import { JsonBlock } from '@/components/registry/json-block';
import { parseJsonObject, type JsonObject } from '@/components/registry/json';
import { useTRPC } from '@/components/trpc';
import { Button } from '@/components/ui/button';
import { Field, Input, Select, Textarea } from '@/components/ui/form';
import type { Json } from '@/db/schema';
import { MessageList } from './messages';
import type { PromptVersionView } from './version-view';

function fromForm(v: PromptVersionView, f: FormData): { values: JsonObject; error?: string } {
  const values: JsonObject = {};
  for (const x of v.variables) {
    const raw = String(f.get(`var:${x.name}`) ?? '');
    if (raw === '') continue; // left blank: the default applies, or the server says it is required
    if (x.type === 'number') values[x.name] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    else if (x.type === 'boolean') values[x.name] = raw === 'true';
    else if (x.type === 'json') {
      try {
        values[x.name] = JSON.parse(raw) as Json;
      } catch {
        return { values, error: `${x.name}: is not valid JSON` };
      }
    } else values[x.name] = raw;
  }
  return { values };
}

export function RenderPlayground({ service, prompt, v }: { service: string; prompt: string; v: PromptVersionView }) {
  const trpc = useTRPC();
  const [mode, setMode] = useState<'form' | 'json'>(v.variables.length ? 'form' : 'json');
  const [submitted, setSubmitted] = useState<JsonObject | null>(null);
  const [inputError, setInputError] = useState<string | null>(null);
  const render = useQuery(trpc.prompts.render.queryOptions({ service, prompt, version: v.version, variables: submitted ?? {} }, { enabled: submitted !== null, retry: false }));
  const hasIncludes = v.messages.some((m) => 'include' in m);
  const errs = fieldErrors(render.error);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    if (mode === 'json') {
      const parsed = parseJsonObject(String(f.get('json') ?? ''), {});
      setInputError(parsed.ok ? null : `Variables ${parsed.error}`);
      if (parsed.ok) setSubmitted(parsed.value);
      return;
    }
    const { values, error } = fromForm(v, f);
    setInputError(error ?? null);
    if (!error) setSubmitted(values);
  }

  return (
    <div className="grid gap-5">
      <form onSubmit={onSubmit} className="grid gap-4" aria-label={`Render v${v.version}`}>
        <div className="flex gap-4 text-sm" role="radiogroup" aria-label="Enter variables">
          <label className="flex items-center gap-2">
            <input type="radio" name="mode" checked={mode === 'form'} onChange={() => setMode('form')} /> One field per variable
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="mode" checked={mode === 'json'} onChange={() => setMode('json')} /> JSON
          </label>
        </div>
        {mode === 'form' ? (
          v.variables.length ? (
            <div className="grid gap-3 sm:grid-cols-2">
              {v.variables.map((x) => (
                <Field key={x.name} label={`${x.name} (${x.type}${x.required ? '' : ', optional'})`} hint={x.description || (x.default !== undefined ? `Default: ${JSON.stringify(x.default)}` : undefined)} error={errs[`variables.${x.name}`]}>
                  {x.type === 'boolean' ? (
                    <Select name={`var:${x.name}`} defaultValue="">
                      <option value="">{x.default !== undefined ? 'default' : '—'}</option>
                      <option value="true">true</option>
                      <option value="false">false</option>
                    </Select>
                  ) : x.type === 'json' ? (
                    <Textarea name={`var:${x.name}`} code rows={3} />
                  ) : (
                    <Input name={`var:${x.name}`} inputMode={x.type === 'number' ? 'decimal' : undefined} />
                  )}
                </Field>
              ))}
            </div>
          ) : (
            <p className="text-sm text-muted-fg">This version declares no variables.</p>
          )
        ) : (
          <Field label="Variables (JSON object)" hint='e.g. {"product": "Slipway", "question": "How do I roll back?"}'>
            <Textarea name="json" code rows={5} defaultValue={JSON.stringify(Object.fromEntries(v.variables.map((x) => [x.name, x.default ?? ''])), null, 2)} />
          </Field>
        )}
        {hasIncludes && mode === 'form' ? <p className="text-xs text-muted-fg">This version includes other prompts; their variables can be given in JSON mode.</p> : null}
        {inputError ? (
          <p role="alert" className="rounded-md bg-danger/10 px-3 py-2 text-sm text-danger">
            {inputError}
          </p>
        ) : null}
        <div>
          <Button type="submit" disabled={render.isFetching}>
            {render.isFetching ? 'Rendering…' : 'Render'}
          </Button>
        </div>
      </form>

      {submitted !== null ? (
        <section aria-label="Rendered output" aria-live="polite" className="grid gap-3 border-t border-border pt-4">
          <h3 className="text-sm font-semibold">Rendered</h3>
          {render.error ? <ErrorAlert error={render.error} /> : null}
          {render.data && !render.isFetching ? (
            <>
              <MessageList service={service} messages={render.data.messages} label="Rendered messages" />
              {render.data.resolved.length > 1 ? <p className="text-xs text-muted-fg">Composed from {render.data.resolved.map((r) => `${r.prompt}@${r.version}`).join(', ')}.</p> : null}
              <details className="text-sm">
                <summary className="cursor-pointer text-muted-fg">Parameters and response schema sent with it</summary>
                <div className="mt-2 grid gap-2 lg:grid-cols-2">
                  <JsonBlock value={render.data.params} label="Rendered parameters" />
                  <JsonBlock value={render.data.responseSchema} label="Rendered response schema" />
                </div>
              </details>
            </>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
