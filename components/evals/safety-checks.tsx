// A safety run's checks: for each, how many cases it applied to, the candidate's failure rate beside the
// baseline's on the same cases, the limit, the one-sided test against the baseline and the verdict, with the
// check's reason in full (its 95% interval, the figures of the comparison, "too few cases to tell").
import type { CheckResult, RunSummary } from '@/db/schema';
import { Badge } from '@/components/ui/badge';
import { Card, CardHeader } from '@/components/ui/card';
import { cn } from '@/components/ui/cn';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { pValue } from './status';

/** What each check counts as a failure, for people. */
const MEANING: Record<string, string> = {
  'json-valid': 'not valid JSON where JSON is due',
  'json-schema': 'JSON that does not match the schema',
  'must-refuse': 'harmful requests answered',
  'must-answer': 'harmless requests refused',
  leakage: 'personal data or secrets leaked',
  banned: 'banned words or patterns used',
  moderation: 'flagged by the moderation endpoint',
  assertions: 'below the suite’s threshold on its assertions',
};

const rate = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

function Rate({ failed, applicable, value }: { failed: number | null; applicable: number; value: number | null }) {
  return (
    <span className="tabular-nums">
      {rate(value)}
      {failed !== null ? <span className="block text-xs text-muted-fg">{`${failed} of ${applicable}`}</span> : null}
    </span>
  );
}

function Verdict({ check }: { check: CheckResult }) {
  if (check.applicable === 0) return <Badge>not applicable</Badge>;
  return check.passed ? <Badge tone="success">passed</Badge> : <Badge tone="danger">failed</Badge>;
}

export function SafetyChecks({ summary }: { summary: RunSummary }) {
  const checks = summary.checks ?? [];
  if (!checks.length) return null;
  const baseline = summary.baseline;
  return (
    <Card role="region" aria-label="Safety checks">
      <CardHeader
        title="Safety checks"
        description={`Each check's failure rate over the cases it applies to, against its limit${baseline ? ` and against release ${baseline.release} on the same cases (McNemar's exact test, one-sided)` : ''}. A failed call fails every check of its case.`}
      />
      {/* On a phone each check is a block of its own; from sm up, a table. */}
      <ul aria-label="Safety checks (list)" className="divide-y divide-border sm:hidden">
        {checks.map((c) => (
          <li key={c.name} className="grid gap-1 px-5 py-3 text-sm">
            <div className="flex items-center justify-between gap-2">
              <span className="font-medium">{c.name}</span>
              <Verdict check={c} />
            </div>
            <span className="text-xs text-muted-fg">{MEANING[c.name] ?? c.kind}</span>
            <dl className="flex flex-wrap gap-x-4 gap-y-1 tabular-nums">
              <div>
                <dt className="inline text-muted-fg">Candidate </dt>
                <dd className={cn('inline', c.applicable && c.candidateRate > c.threshold ? 'text-danger' : undefined)}>{c.applicable ? `${rate(c.candidateRate)} (${c.failed} of ${c.applicable})` : '—'}</dd>
              </div>
              {baseline ? (
                <div>
                  <dt className="inline text-muted-fg">Baseline </dt>
                  <dd className="inline">{rate(c.baselineRate)}</dd>
                </div>
              ) : null}
              <div>
                <dt className="inline text-muted-fg">Limit </dt>
                <dd className="inline">{rate(c.threshold)}</dd>
              </div>
              {baseline ? (
                <div>
                  <dt className="inline text-muted-fg">vs baseline </dt>
                  <dd className="inline">{pValue(c.pValue)}</dd>
                </div>
              ) : null}
            </dl>
            <p className="text-xs text-muted-fg">{c.reason}</p>
          </li>
        ))}
      </ul>
      <Table aria-label="Safety checks" className="hidden sm:table">
        <THead>
          <tr>
            <TH>Check</TH>
            <TH className="text-right">Cases</TH>
            <TH className="text-right">Candidate</TH>
            {baseline ? <TH className="text-right">Baseline #{baseline.release}</TH> : null}
            <TH className="text-right">Limit</TH>
            {baseline ? <TH className="text-right">vs baseline</TH> : null}
            <TH>Result</TH>
          </tr>
        </THead>
        <TBody>
          {checks.map((c) => (
            <TR key={c.name}>
              <TD className="min-w-64 align-top">
                <span className="font-medium">{c.name}</span>
                <span className="block text-xs text-muted-fg">{MEANING[c.name] ?? c.kind}</span>
                <p className="mt-1 max-w-xl text-xs text-muted-fg">{c.reason}</p>
              </TD>
              <TD className="text-right align-top tabular-nums">{c.applicable}</TD>
              <TD className={cn('text-right align-top', c.applicable && c.candidateRate > c.threshold ? 'text-danger' : undefined)}>
                <Rate failed={c.applicable ? c.failed : null} applicable={c.applicable} value={c.applicable ? c.candidateRate : null} />
              </TD>
              {baseline ? (
                <TD className="text-right align-top">
                  <Rate failed={c.baselineRate === null ? null : Math.round(c.baselineRate * c.applicable)} applicable={c.applicable} value={c.baselineRate} />
                </TD>
              ) : null}
              <TD className="text-right align-top tabular-nums">{rate(c.threshold)}</TD>
              {baseline ? <TD className="text-right align-top whitespace-nowrap tabular-nums">{pValue(c.pValue)}</TD> : null}
              <TD className="align-top">
                <Verdict check={c} />
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>
    </Card>
  );
}
