// One case of a run: its input and expected answer, then the candidate's and the baseline's outputs side by
// side (stacked on a phone), each with its score, pass or fail, and every assertion's result and reason.
import { Check, X } from 'lucide-react';
import type { CaseInput, EvalResult, Json } from '@/db/schema';
import { formatMs, formatUsd } from '@/components/format';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/components/ui/cn';
import { pct } from './status';

export interface CaseRowData {
  caseIndex: number;
  externalId: string | null;
  input: CaseInput;
  expected: string | null;
  tags: string[];
  candidate: EvalResult | null;
  baseline: EvalResult | null;
}

/** A regression: the baseline passed the case and the candidate did not, or scored lower. */
export function isRegression(row: CaseRowData): boolean {
  if (!row.candidate || !row.baseline) return false;
  return (row.baseline.pass && !row.candidate.pass) || row.candidate.score < row.baseline.score - 1e-9;
}

function show(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function CaseInputView({ input }: { input: CaseInput }) {
  const vars = Object.entries(input.variables ?? {});
  return (
    <div className="grid gap-1 text-sm">
      {vars.map(([k, v]) => (
        <div key={k} className="min-w-0">
          <span className="font-mono text-xs text-muted-fg">{k}: </span>
          <span className="break-words whitespace-pre-wrap">{show(v)}</span>
        </div>
      ))}
      {input.messages?.map((m, i) => (
        <div key={i} className="min-w-0">
          <span className="font-mono text-xs text-muted-fg">{m.role}: </span>
          <span className="break-words whitespace-pre-wrap">{m.content}</span>
        </div>
      ))}
    </div>
  );
}

function Arm({ label, release, result }: { label: string; release: number | null; result: EvalResult | null }) {
  return (
    <section aria-label={label} className="grid min-w-0 content-start gap-2 rounded-md border border-border p-3">
      <header className="flex flex-wrap items-center justify-between gap-2">
        <h4 className="text-xs font-medium tracking-wide text-muted-fg uppercase">
          {label}
          {release ? ` #${release}` : ''}
        </h4>
        {result ? (
          <span className="flex items-center gap-2">
            <span className="text-sm font-semibold tabular-nums">{pct(result.score)}</span>
            {result.pass ? <Badge tone="success">pass</Badge> : <Badge tone="danger">fail</Badge>}
          </span>
        ) : null}
      </header>
      {!result ? (
        <p className="text-sm text-muted-fg">Not scored yet.</p>
      ) : (
        <>
          {result.error ? (
            <p className="text-sm text-danger">The call failed: {result.error}</p>
          ) : (
            <pre aria-label={`${label} output`} className="max-h-48 overflow-auto rounded bg-muted px-2 py-1.5 font-sans text-sm break-words whitespace-pre-wrap">
              {result.output ?? ''}
            </pre>
          )}
          <p className="text-xs text-muted-fg tabular-nums">
            {result.latencyMs === null ? '' : `${formatMs(result.latencyMs)} · `}
            {formatUsd(result.costUsd)}
            {result.cached ? ' · from cache' : ''}
          </p>
          {result.assertions.length ? (
            <ul aria-label={`${label} assertions`} className="grid gap-1">
              {result.assertions.map((a, i) => (
                <li key={i} className="flex items-start gap-1.5 text-xs">
                  {a.pass ? <Check className="mt-px h-3.5 w-3.5 shrink-0 text-success" aria-label="passed" /> : <X className="mt-px h-3.5 w-3.5 shrink-0 text-danger" aria-label="failed" />}
                  <span className="min-w-0">
                    <span className="font-mono">{a.type}</span>
                    {a.metric !== a.type ? <span className="text-muted-fg"> ({a.metric})</span> : null}
                    <span className="text-muted-fg tabular-nums"> {a.score.toFixed(2)}</span>
                    {a.reason ? <span className="text-muted-fg"> — {a.reason}</span> : null}
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      )}
    </section>
  );
}

export function CaseRow({ row, candidateRelease, baselineRelease }: { row: CaseRowData; candidateRelease: number; baselineRelease: number | null }) {
  const regression = isRegression(row);
  return (
    <li aria-label={`Case ${row.externalId ?? row.caseIndex + 1}`} className={cn('grid gap-3 px-5 py-4', regression && 'bg-danger/5')}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono text-xs text-muted-fg">#{row.caseIndex + 1}</span>
        {row.externalId ? <span className="font-mono text-xs">{row.externalId}</span> : null}
        {regression ? <Badge tone="danger">regression</Badge> : null}
        {row.tags.map((t) => (
          <Badge key={t}>{t}</Badge>
        ))}
      </div>
      <div className="grid gap-3 lg:grid-cols-[minmax(0,16rem)_minmax(0,1fr)_minmax(0,1fr)]">
        <div className="grid min-w-0 content-start gap-2">
          <CaseInputView input={row.input} />
          {row.expected !== null ? (
            <div className="text-sm">
              <span className="text-xs text-muted-fg">expected: </span>
              <span className="break-words whitespace-pre-wrap">{row.expected}</span>
            </div>
          ) : null}
        </div>
        <Arm label="Candidate" release={candidateRelease} result={row.candidate} />
        {baselineRelease !== null ? <Arm label="Baseline" release={baselineRelease} result={row.baseline} /> : null}
      </div>
    </li>
  );
}
