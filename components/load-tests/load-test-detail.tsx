'use client';
// One load test: its verdict and reasons, each arm's figures side by side, the checks it was held to, and the
// charts (latency second by second, time to first token, percentiles). Updates every second while it runs.
// `compact` is the pipeline step's view: the verdict, the figures and the percentiles, with a link to the page.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { formatDuration, formatTime } from '@/components/format';
import { LoadTestPercentileChart, LoadTestTimeChart } from '@/components/charts/load-test-charts';
import { useTRPC, type RouterOutputs } from '@/components/trpc';
import { Badge } from '@/components/ui/badge';
import { LoadError, Loading } from '@/components/ui/status';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';

export type LoadTestView = RouterOutputs['loadTests']['get'];
type Arm = NonNullable<LoadTestView['results']>['candidate'];

export const LOAD_TEST_TONE = { passed: 'success', failed: 'danger', inconclusive: 'warning', error: 'warning', running: 'info' } as const;
const CHECK_TONE = { pass: 'success', fail: 'danger', inconclusive: 'warning', skipped: 'neutral' } as const;

const ms = (v: number | null) => (v === null ? '—' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function loadTestHref(t: { service: string; environment: string; id: string }): string {
  return `/services/${t.service}/environments/${t.environment}/load-tests/${t.id}`;
}

export function LoadTestDetail({ id, compact = false }: { id: string; compact?: boolean }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.loadTests.get.queryOptions({ id }, { refetchInterval: (query) => (query.state.data?.status === 'running' ? 1000 : false) }));
  if (q.isLoading) return <Loading className="px-0" />;
  if (q.error) return <LoadError error={q.error} className="px-0" />;
  const t = q.data!;
  return compact ? <Compact test={t} /> : <Full test={t} />;
}

/** The turn each arm had: the asked-for segment evened out so both arms got the same time (as the server does). */
function turn(t: LoadTestView): number {
  const s = t.settings;
  if (!t.baselineReleaseId) return Math.min(s.segmentSeconds, s.durationSeconds);
  const rounds = Math.max(1, Math.round(s.durationSeconds / (s.segmentSeconds * 2)));
  return Math.round((s.durationSeconds / (rounds * 2)) * 100) / 100;
}

function loadWords(t: LoadTestView): string {
  const s = t.settings;
  const stream = s.stream === 'mixed' ? 'every other request streamed' : s.stream === 'always' ? 'all streamed' : 'none streamed';
  const input = s.input.kind === 'suite' ? `cases of suite ${s.input.suite}` : 'one fixed question';
  return `${s.ratePerSecond} req/s for ${s.durationSeconds} s${t.baselineReleaseId ? ` in ${turn(t)} s turns` : ''} · ${stream} · ${input} · at most ${s.maxConcurrency} in flight`;
}

function Verdict({ test, reasons: showReasons = true }: { test: LoadTestView; reasons?: boolean }) {
  const reasons = showReasons ? (test.verdict?.reasons ?? []) : [];
  return (
    <div className="grid gap-2">
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <Badge tone={LOAD_TEST_TONE[test.status]}>{test.status}</Badge>
        <span>
          {test.service}#{test.candidateNumber} {test.baselineNumber ? `against #${test.baselineNumber} (stable)` : 'against the objectives only (no other stable release)'}
        </span>
      </p>
      {test.status === 'running' ? <p className="text-sm text-muted-fg">Sending now; figures appear when it ends.</p> : null}
      {test.error ? (
        <p role="alert" className="rounded-md bg-warning/10 px-3 py-2 text-sm text-warning">
          {test.error}
        </p>
      ) : null}
      {reasons.length ? (
        <ul aria-label="Why" className="grid list-disc gap-1 pl-5 text-sm">
          {reasons.map((r) => (
            <li key={r} className={test.status === 'failed' ? 'text-danger' : undefined}>
              {r}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function ArmsTable({ test }: { test: LoadTestView }) {
  const r = test.results;
  if (!r) return null;
  const arms: [string, Arm][] = [[`#${r.candidate.releaseNumber} candidate`, r.candidate], ...(r.baseline ? ([[`#${r.baseline.releaseNumber} stable`, r.baseline]] as [string, Arm][]) : [])];
  return (
    <Table aria-label="Figures per arm">
      <THead>
        <tr>
          <TH>Arm</TH>
          <TH className="text-right">Requests</TH>
          <TH className="text-right">Achieved</TH>
          <TH className="text-right">p50</TH>
          <TH className="text-right">p95</TH>
          <TH className="text-right">p99</TH>
          <TH className="text-right">TTFT p95</TH>
          <TH className="text-right">Tokens/s</TH>
          <TH className="text-right">Errors</TH>
        </tr>
      </THead>
      <TBody>
        {arms.map(([label, a]) => (
          <TR key={label}>
            <TD className="font-medium whitespace-nowrap">{label}</TD>
            <TD className="text-right tabular-nums">
              {a.completed}
              {a.queued ? <div className="text-xs text-muted-fg">{a.queued} waited for the cap</div> : null}
            </TD>
            <TD className="text-right tabular-nums whitespace-nowrap">{a.achievedRps}/s</TD>
            <TD className="text-right tabular-nums whitespace-nowrap">{ms(a.latencyMs.p50)}</TD>
            <TD className="text-right tabular-nums whitespace-nowrap">{ms(a.latencyMs.p95)}</TD>
            <TD className="text-right tabular-nums whitespace-nowrap">{ms(a.latencyMs.p99)}</TD>
            <TD className="text-right tabular-nums whitespace-nowrap">{ms(a.ttftMs.p95)}</TD>
            <TD className="text-right tabular-nums">{a.outputTokensPerSecond === null ? '—' : Math.round(a.outputTokensPerSecond).toLocaleString()}</TD>
            <TD className="text-right tabular-nums whitespace-nowrap" title={Object.entries(a.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')}>
              <span className={a.errors ? 'text-danger' : undefined}>{pct(a.errorRate)}</span>
              <div className="text-xs text-muted-fg">{a.errors} of {a.completed}</div>
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

function Compact({ test }: { test: LoadTestView }) {
  return (
    <section aria-label="Load test" className="grid min-w-0 gap-3 rounded-md border border-border p-3 *:min-w-0">
      {/* The step's error and log already say why. */}
      <Verdict test={test} reasons={test.status !== 'failed'} />
      <ArmsTable test={test} />
      {test.results ? <LoadTestPercentileChart candidate={test.results.candidate} stable={test.results.baseline} candidateLabel={`#${test.candidateNumber}`} stableLabel={test.baselineNumber ? `#${test.baselineNumber}` : null} height={170} /> : null}
      <p className="text-sm">
        <Link href={loadTestHref(test)} className="font-medium text-primary hover:underline">
          Open the load test
        </Link>{' '}
        <span className="text-muted-fg">for latency second by second and every check.</span>
      </p>
    </section>
  );
}

function Full({ test }: { test: LoadTestView }) {
  const r = test.results;
  const candidate = `#${test.candidateNumber}`;
  const stable = test.baselineNumber ? `#${test.baselineNumber}` : null;
  const hasTtft = Boolean(r && (r.candidate.ttftMs.count || r.baseline?.ttftMs.count));
  return (
    <div className="grid grid-cols-1 gap-6 *:min-w-0">
      <section aria-label="Verdict" className="grid gap-3 rounded-lg border border-border bg-card p-5">
        <Verdict test={test} />
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
          <div className="sm:col-span-2">
            <dt className="text-xs text-muted-fg">Load</dt>
            <dd>{loadWords(test)}</dd>
          </div>
          <div>
            <dt className="text-xs text-muted-fg">Started</dt>
            <dd>
              {formatTime(test.startedAt ?? test.createdAt)} by {test.requestedBy}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-muted-fg">Took</dt>
            <dd className="tabular-nums">{test.finishedAt ? formatDuration(test.finishedAt.getTime() - (test.startedAt ?? test.createdAt).getTime()) : 'running'}</dd>
          </div>
          {test.pipelineRunNumber ? (
            <div>
              <dt className="text-xs text-muted-fg">Pipeline run</dt>
              <dd>
                <Link href={`/pipelines/${test.service}/runs/${test.pipelineRunNumber}`} className="text-primary hover:underline">
                  Run #{test.pipelineRunNumber}
                </Link>
              </dd>
            </div>
          ) : null}
          <div>
            <dt className="text-xs text-muted-fg">Margins</dt>
            <dd>
              latency ×{test.settings.maxLatencyRatio}, TTFT ×{test.settings.maxTtftRatio}, errors +{pct(test.settings.maxErrorRateIncrease)}
            </dd>
          </div>
          <div>
            <dt className="text-xs text-muted-fg">Objectives</dt>
            <dd>
              {test.settings.useObjectives
                ? [test.objectives.p95LatencyMs !== null ? `p95 ${ms(test.objectives.p95LatencyMs)}` : null, test.objectives.p95TtftMs !== null ? `TTFT p95 ${ms(test.objectives.p95TtftMs)}` : null, test.objectives.maxErrorRate !== null ? `errors ≤ ${pct(test.objectives.maxErrorRate)}` : null].filter(Boolean).join(', ') || 'none set'
                : 'not applied'}
            </dd>
          </div>
        </dl>
      </section>
      {r ? (
        <section aria-label="Figures" className="grid gap-4 rounded-lg border border-border bg-card py-4">
          <h2 className="px-5 text-sm font-semibold">Figures per arm</h2>
          <ArmsTable test={test} />
          <p className="px-5 text-xs text-muted-fg">Latency and time to first token run from each request’s scheduled send time, over answered requests; requests are synthetic and stay out of the environment’s metrics.</p>
        </section>
      ) : null}
      {r ? (
        <section aria-label="Charts" className="grid gap-6 rounded-lg border border-border bg-card p-5 lg:grid-cols-2 *:min-w-0">
          <LoadTestTimeChart series={test.series} metric="p95" candidate={candidate} stable={stable} objective={test.settings.useObjectives ? test.objectives.p95LatencyMs : null} />
          <LoadTestPercentileChart candidate={r.candidate} stable={r.baseline} candidateLabel={candidate} stableLabel={stable} height={220} />
          {hasTtft ? <LoadTestTimeChart series={test.series} metric="ttftP95" candidate={candidate} stable={stable} objective={test.settings.useObjectives ? test.objectives.p95TtftMs : null} /> : null}
          <LoadTestTimeChart series={test.series} metric="p50" candidate={candidate} stable={stable} objective={null} />
        </section>
      ) : null}
      {test.verdict?.checks.length ? (
        <section aria-label="Checks" className="grid gap-2 rounded-lg border border-border bg-card py-4">
          <h2 className="px-5 text-sm font-semibold">Checks</h2>
          <ul aria-label="Checks of the load test" className="divide-y divide-border border-t border-border">
            {test.verdict.checks.map((c) => (
              <li key={c.name} className="grid gap-1 px-5 py-2.5 text-sm sm:grid-cols-[14rem_6rem_1fr] sm:items-baseline sm:gap-3">
                <span className="font-medium">{c.name}</span>
                <span>
                  <Badge tone={CHECK_TONE[c.outcome]}>{c.outcome}</Badge>
                </span>
                <span className="text-xs break-words text-muted-fg sm:text-fg">{c.detail}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {r && (r.candidate.errorSamples.length || r.baseline?.errorSamples.length) ? (
        <section aria-label="Errors" className="grid gap-2 rounded-lg border border-border bg-card p-5 text-sm">
          <h2 className="font-semibold">Errors seen</h2>
          {[r.candidate, ...(r.baseline ? [r.baseline] : [])].map((a) =>
            a.errorSamples.length ? (
              <div key={a.releaseNumber}>
                <h3 className="text-xs text-muted-fg">
                  #{a.releaseNumber}: {Object.entries(a.statuses).map(([s, n]) => `${s} × ${n}`).join(', ')}
                </h3>
                <ul className="mt-1 grid list-disc gap-0.5 pl-5 font-mono text-xs break-all">
                  {a.errorSamples.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              </div>
            ) : null,
          )}
        </section>
      ) : null}
    </div>
  );
}
