'use client';
// An eval suite's YAML: checked by the server as you type (debounced), each problem listed by line (a click moves
// the cursor there), saved as a new version; beside it the versions so far. A suite that does not exist yet
// opens on a template, and the first save creates it.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, CheckCircle2, Loader2, Save, Undo2 } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ErrorAlert } from '@/components/errors';
import { formatTime } from '@/components/format';
import { moveCursorToLine, YamlEditor } from '@/components/pipelines/yaml-editor';
import { useTRPC } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardHeader, PageHeader } from '@/components/ui/card';
import { LoadError, Loading } from '@/components/ui/status';
import { useCan } from '@/components/viewer';
import { RunEvalDialog } from './run-eval-dialog';
import { EvalRunsTable } from './runs-list';

const CHECK_DELAY_MS = 400;

/** Where a new suite starts: every field the format knows, with its default. */
export function suiteTemplate(dataset: string): string {
  return `description: What this suite checks
dataset: ${dataset}          # pinned to its latest version on save; or ${dataset}@2
# environments: [staging, production]   # default: every environment that requires the eval gate
threshold: 0.5              # a case passes at this weighted score
concurrency: 4
# budgetUsd: 2.5
gate: { maxRegression: 0.02, alpha: 0.05 }   # minScore: default the environment's minimum eval score
assertions:
  - type: icontains
    value: "{{expected}}"
    metric: accuracy
`;
}

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

export interface SavedSuite {
  version: number;
  yaml: string;
  createdAt: Date;
  createdBy: string;
}

export function SuiteEditor({ service, name, saved, template }: { service: string; name: string; saved: SavedSuite | null; template: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canWrite = useCan('evals:write');
  const base = saved?.yaml ?? template;
  const [text, setText] = useState(base);
  const checked = useDebounced(text, CHECK_DELAY_MS);
  const check = useQuery(trpc.evals.validateSuite.queryOptions({ yaml: checked }, { placeholderData: keepPreviousData, staleTime: Infinity }));
  const textarea = useRef<HTMLTextAreaElement>(null);
  const save = useMutation(trpc.evals.saveSuite.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.evals.pathKey() }) }));

  // A save (here or elsewhere) brings a new saved text: the editor follows it unless it holds unsaved edits.
  const [lastBase, setLastBase] = useState(base);
  if (base !== lastBase) {
    setLastBase(base);
    if (text === lastBase) setText(base);
  }

  const dirty = text !== base || !saved;
  const current = check.data && !check.isPlaceholderData && checked === text ? check.data : null;
  const problems = useMemo(() => check.data?.problems ?? [], [check.data]);
  const problemLines = useMemo(() => new Set(problems.flatMap((p) => (p.line ? [p.line] : []))), [problems]);

  useEffect(() => {
    if (!dirty || !saved) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, saved]);

  const assertionCount = current?.suite?.assertions.length ?? 0;

  return (
    <Card role="region" aria-label="Suite definition" className="self-start">
      <CardHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            Definition {saved ? <Badge tone="info">v{saved.version}</Badge> : <Badge tone="warning">not saved</Badge>}
            {saved && text !== base ? <Badge tone="warning">unsaved changes</Badge> : null}
          </span>
        }
        description={saved ? `Saved ${formatTime(saved.createdAt)} by ${saved.createdBy}. Every save is a new version; a run names the version it ran.` : `${name} does not exist yet: this is the template; the first save creates it.`}
        actions={
          canWrite ? (
            <div className="flex gap-2">
              {saved && text !== base ? (
                <Button variant="ghost" onClick={() => setText(base)} title="Back to the saved text">
                  <Undo2 className="h-4 w-4" aria-hidden /> Discard
                </Button>
              ) : null}
              <Button disabled={save.isPending || (current !== null && !current.ok)} onClick={() => save.mutate({ service, name, yaml: text, source: 'ui' })}>
                <Save className="h-4 w-4" aria-hidden /> {save.isPending ? 'Saving…' : 'Save'}
              </Button>
            </div>
          ) : null
        }
      />
      <div className="grid gap-3 px-5 py-4">
        {!canWrite ? (
          <p role="note" className="text-sm text-muted-fg">
            Your role may read this suite but not change it (needs evals:write).
          </p>
        ) : null}
        <YamlEditor
          label="Suite YAML"
          value={text}
          rows={Math.max(12, Math.min(28, text.split('\n').length + 2))}
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
              <CheckCircle2 className="h-4 w-4" aria-hidden /> Valid: {assertionCount} assertion{assertionCount === 1 ? '' : 's'}.
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
            {save.data.created ? `Saved as version ${save.data.version.version}.` : `Nothing changed: version ${save.data.version.version} already has this text.`}
          </p>
        ) : null}
      </div>
    </Card>
  );
}

/** The suite page's body: header with Run eval, the editor (or the template when the suite is new), versions and runs. */
export function SuitePageBody({ service, name }: { service: string; name: string }) {
  const trpc = useTRPC();
  const canRun = useCan('evals:run');
  const suite = useQuery(trpc.evals.getSuite.queryOptions({ service, name }, { retry: false }));
  const notFound = (suite.error as { data?: { code?: string } } | null)?.data?.code === 'NOT_FOUND';
  // A new suite's template names one of the service's datasets when it has any.
  const datasets = useQuery(trpc.datasets.list.queryOptions({ service }, { enabled: notFound }));
  const s = suite.data?.current ? { ...suite.data.current, versions: suite.data.versions } : null;
  return (
    <>
      <PageHeader
        title={`Suite ${name}`}
        description={s ? s.spec.description || undefined : notFound ? 'A new suite: edit the template and save it to create the suite.' : undefined}
        actions={s && canRun ? <RunEvalDialog service={service} suite={name} /> : null}
      />
      {suite.isLoading ? <Loading className="px-0" /> : null}
      {suite.error && !notFound ? <LoadError error={suite.error} className="px-0" /> : null}
      {s || (notFound && (datasets.data || datasets.error)) ? (
        <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
          <SuiteEditor service={service} name={name} saved={s ? { version: s.version, yaml: s.yaml, createdAt: s.createdAt, createdBy: s.createdBy } : null} template={suiteTemplate(datasets.data?.[0]?.name ?? 'my-dataset')} />
          {s ? <VersionsCard service={service} name={name} versions={s.versions} /> : null}
        </div>
      ) : null}
      {s ? (
        <Card role="region" aria-label="Runs" className="mt-6">
          <CardHeader title="Runs" description={`Runs of ${name}, newest first.`} />
          <EvalRunsTable service={service} suite={name} limit={20} />
        </Card>
      ) : null}
    </>
  );
}

/** Every version, newest first; opening one shows the YAML it was saved with. */
function VersionsCard({ service, name, versions }: { service: string; name: string; versions: { version: number; createdAt: Date; createdBy: string; dataset: string | null; datasetVersion: number | null }[] }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Card role="region" aria-label="Versions" className="self-start">
      <CardHeader title="Versions" description="Each pins the dataset version it was saved with." />
      <ol className="divide-y divide-border text-sm">
        {versions.map((v) => (
          <li key={v.version} className="grid gap-1 px-5 py-2.5">
            <button type="button" aria-expanded={open === v.version} className="grid gap-0.5 text-left hover:text-primary focus-visible:outline-2 focus-visible:outline-ring" onClick={() => setOpen(open === v.version ? null : v.version)}>
              <span className="flex items-center gap-2">
                <Badge tone="info">v{v.version}</Badge>
                <span className="text-muted-fg">
                  {v.dataset ? `${v.dataset}@${v.datasetVersion}` : 'built-in cases'}
                </span>
              </span>
              <span className="text-xs text-muted-fg">
                {formatTime(v.createdAt)} · {v.createdBy}
              </span>
            </button>
            {open === v.version ? <VersionYaml service={service} name={name} version={v.version} /> : null}
          </li>
        ))}
      </ol>
    </Card>
  );
}

function VersionYaml({ service, name, version }: { service: string; name: string; version: number }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.evals.getSuite.queryOptions({ service, name, version }));
  if (q.isLoading) return <Loading className="px-0 py-1" />;
  if (!q.data?.current) return <LoadError error={q.error} className="px-0 py-1" />;
  return <pre aria-label={`Version ${version} YAML`} className="max-h-72 overflow-auto rounded bg-muted px-2 py-1.5 font-mono text-xs leading-5">{q.data.current.yaml}</pre>;
}
