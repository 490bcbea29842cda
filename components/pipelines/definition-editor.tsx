'use client';
// A service's pipeline definition as YAML: checked by the server as you type (debounced), each problem listed
// by line (a click moves the cursor there), and saved as a new version by those who may write pipelines.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, CheckCircle2, Loader2, Save, Undo2 } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ErrorAlert } from '@/components/errors';
import { formatTime } from '@/components/format';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import { moveCursorToLine, YamlEditor } from './yaml-editor';

const CHECK_DELAY_MS = 400;

type Saved = RouterOutputs['pipelines']['definition'];

/** The value once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

export function DefinitionEditor({ service }: { service: string }) {
  const trpc = useTRPC();
  const definition = useQuery(trpc.pipelines.definition.queryOptions({ service }));
  if (definition.isLoading) return <Loading className="px-0" />;
  if (!definition.data) return <LoadError error={definition.error} className="px-0" />;
  return <Editor service={service} saved={definition.data} />;
}

function Editor({ service, saved }: { service: string; saved: Saved }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('pipelines:write');
  const [text, setText] = useState(saved.yaml);
  const checked = useDebounced(text, CHECK_DELAY_MS);
  const check = useQuery(trpc.pipelines.validate.queryOptions({ yaml: checked }, { placeholderData: keepPreviousData, staleTime: Infinity }));
  const textarea = useRef<HTMLTextAreaElement>(null);
  const save = useMutation(trpc.pipelines.saveDefinition.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.pipelines.definition.queryKey({ service }) }) }));

  const dirty = text !== saved.yaml;
  const current = check.data && !check.isPlaceholderData && checked === text ? check.data : null;
  const problems = useMemo(() => check.data?.problems ?? [], [check.data]);
  const problemLines = useMemo(() => new Set(problems.flatMap((p) => (p.line ? [p.line] : []))), [problems]);

  // Unsaved edits are easy to lose with a click on the navigation; the browser asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const stepCount = current?.definition?.stages.reduce((n, s) => n + s.steps.length, 0) ?? 0;

  return (
    <Card role="region" aria-label="Definition" className="self-start">
      <CardHeader
        title={
          <span className="flex items-center gap-2">
            Definition {saved.saved ? <Badge tone="info">v{saved.version}</Badge> : <Badge tone="warning">not saved</Badge>}
            {dirty ? <Badge tone="warning">unsaved changes</Badge> : null}
          </span>
        }
        description={
          saved.saved
            ? `Saved ${formatTime(saved.createdAt)} by ${saved.createdBy}. Every save is a new version; runs use the version in force when they start.`
            : `${service} has no pipeline yet: this is the template. Runs can start once a version is saved.`
        }
        actions={
          canWrite ? (
            <div className="flex gap-2">
              {dirty ? (
                <Button variant="ghost" onClick={() => setText(saved.yaml)} title="Back to the saved text">
                  <Undo2 className="h-4 w-4" aria-hidden /> Discard
                </Button>
              ) : null}
              <Button disabled={save.isPending || (current !== null && !current.ok)} onClick={() => save.mutate({ service, yaml: text })}>
                <Save className="h-4 w-4" aria-hidden /> {save.isPending ? 'Saving…' : 'Save'}
              </Button>
            </div>
          ) : null
        }
      />
      <div className="grid gap-3 px-5 py-4">
        {!canWrite ? (
          <p role="note" className="text-sm text-muted-fg">
            Your role may read this pipeline but not change it (needs pipelines:write).
          </p>
        ) : null}
        <YamlEditor
          label="Pipeline YAML"
          value={text}
          readOnly={!canWrite}
          textareaRef={textarea}
          problemLines={problemLines}
          onChange={(v) => {
            setText(v);
            if (save.isSuccess || save.isError) save.reset();
          }}
        />
        <div aria-live="polite" className="grid gap-2 text-sm">
          {check.error ? (
            <LoadError error={check.error} className="px-0 py-0" />
          ) : checked !== text || check.isFetching || !check.data ? (
            <p className="flex items-center gap-2 text-muted-fg">
              <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> Checking…
            </p>
          ) : check.data.ok ? (
            <p className="flex items-center gap-2 text-success">
              <CheckCircle2 className="h-4 w-4" aria-hidden /> Valid: {check.data.definition?.stages.length ?? 0} stage{check.data.definition?.stages.length === 1 ? '' : 's'}, {stepCount} step{stepCount === 1 ? '' : 's'}.
            </p>
          ) : (
            <p className="flex items-center gap-2 text-danger">
              <AlertTriangle className="h-4 w-4" aria-hidden /> {problems.length} problem{problems.length === 1 ? '' : 's'}:
            </p>
          )}
        </div>
        {problems.length ? (
          <ul aria-label="Problems" className="grid gap-1">
            {problems.map((p, i) => {
              const body = (
                <>
                  <span className="w-16 shrink-0 font-mono text-xs text-danger">{p.line ? `line ${p.line}` : '—'}</span>
                  <span className="min-w-0">
                    {p.path ? <code className="mr-2 font-mono text-xs text-muted-fg">{p.path}</code> : null}
                    {p.message}
                  </span>
                </>
              );
              return (
                <li key={`${i}-${p.line}-${p.path}`}>
                  {p.line ? (
                    <button type="button" className="flex w-full items-baseline gap-2 rounded-md px-2 py-1 text-left text-sm hover:bg-danger/10 focus-visible:outline-2 focus-visible:outline-ring" onClick={() => textarea.current && moveCursorToLine(textarea.current, p.line!)}>
                      {body}
                    </button>
                  ) : (
                    <div className="flex items-baseline gap-2 px-2 py-1 text-sm">{body}</div>
                  )}
                </li>
              );
            })}
          </ul>
        ) : null}
        <ErrorAlert error={save.error} className="whitespace-pre-line" />
        {save.isSuccess ? (
          <p role="status" className="text-sm text-success">
            {save.data.created ? `Saved as version ${save.data.version}.` : `Nothing changed: version ${save.data.version} already has this text.`}
          </p>
        ) : null}
      </div>
    </Card>
  );
}
