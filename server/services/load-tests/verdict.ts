// A load test's verdict: the candidate against the stable release (p95 and p99 latency, p95 time to first token,
// error rate, each with a margin) and against the environment's objectives. Too few answers on either arm to tell
// makes the test inconclusive, never passed.
import type { LoadTestArm, LoadTestCheck, LoadTestSettings, LoadTestVerdict } from '@/db/schema';

export interface Objectives {
  p95LatencyMs: number | null;
  p95TtftMs: number | null;
  maxErrorRate: number | null;
}

const ms = (v: number) => `${Math.round(v)} ms`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function judgeLoadTest(settings: LoadTestSettings, objectives: Objectives, candidate: LoadTestArm, baseline: LoadTestArm | null): LoadTestVerdict {
  const checks: LoadTestCheck[] = [];
  const answered = (a: LoadTestArm) => a.completed - a.errors;
  const enough = (a: LoadTestArm) => a.completed >= settings.minSamples;
  const c = `#${candidate.releaseNumber}`;
  const b = baseline ? `#${baseline.releaseNumber}` : '';

  const ratio = (name: string, cand: number | null, base: number | null, maxRatio: number, what: string, count: (a: LoadTestArm) => number) => {
    if (!baseline) return;
    if (!enough(candidate) || !enough(baseline) || cand === null || base === null) {
      checks.push({ name, candidate: cand, limit: null, outcome: 'inconclusive', detail: `too few ${what} to compare ${name} (${c}: ${count(candidate)}, ${b}: ${count(baseline)}; at least ${settings.minSamples} requests each)` });
      return;
    }
    const limit = Math.max(base * maxRatio, base + settings.minLatencyDiffMs);
    const over = cand > limit;
    checks.push({
      name,
      candidate: cand,
      limit,
      outcome: over ? 'fail' : 'pass',
      detail: `${name} ${ms(cand)} vs ${b}'s ${ms(base)} (${(cand / Math.max(base, 1e-9)).toFixed(2)}×; allowed ${maxRatio}× or +${settings.minLatencyDiffMs} ms: ${ms(limit)})`,
    });
  };
  ratio('p95 latency', candidate.latencyMs.p95, baseline?.latencyMs.p95 ?? null, settings.maxLatencyRatio, 'answers', answered);
  ratio('p99 latency', candidate.latencyMs.p99, baseline?.latencyMs.p99 ?? null, settings.maxLatencyRatio, 'answers', answered);
  if (candidate.ttftMs.count || (baseline?.ttftMs.count ?? 0)) ratio('p95 time to first token', candidate.ttftMs.p95, baseline?.ttftMs.p95 ?? null, settings.maxTtftRatio, 'streamed answers', (a) => a.ttftMs.count);

  if (baseline) {
    if (!enough(candidate) || !enough(baseline)) {
      checks.push({ name: 'error rate', candidate: candidate.errorRate, limit: null, outcome: 'inconclusive', detail: `too few requests to compare error rates (${c}: ${candidate.completed}, ${b}: ${baseline.completed}; at least ${settings.minSamples} each)` });
    } else {
      const limit = baseline.errorRate + settings.maxErrorRateIncrease;
      const over = candidate.errorRate > limit + 1e-12;
      checks.push({ name: 'error rate', candidate: candidate.errorRate, limit, outcome: over ? 'fail' : 'pass', detail: `error rate ${pct(candidate.errorRate)} vs ${b}'s ${pct(baseline.errorRate)} (allowed +${pct(settings.maxErrorRateIncrease)}: ${pct(limit)})` });
    }
  }

  if (settings.useObjectives) {
    const objective = (name: string, value: number | null, limit: number | null, format: (v: number) => string, sample: boolean) => {
      if (limit === null) return;
      if (!sample || value === null) {
        checks.push({ name: `objective: ${name}`, candidate: value, limit, outcome: 'inconclusive', detail: `too few requests to hold ${name} to the objective of ${format(limit)} (at least ${settings.minSamples})` });
        return;
      }
      checks.push({ name: `objective: ${name}`, candidate: value, limit, outcome: value > limit ? 'fail' : 'pass', detail: `${name} ${format(value)} against the objective of ${format(limit)}` });
    };
    objective('p95 latency', candidate.latencyMs.p95, objectives.p95LatencyMs, ms, enough(candidate) && answered(candidate) > 0);
    if (candidate.ttftMs.count || settings.stream !== 'never') objective('p95 time to first token', candidate.ttftMs.p95, objectives.p95TtftMs, ms, enough(candidate) && candidate.ttftMs.count > 0);
    objective('error rate', candidate.errorRate, objectives.maxErrorRate, pct, enough(candidate));
  }

  const failing = checks.filter((x) => x.outcome === 'fail');
  const unsure = checks.filter((x) => x.outcome === 'inconclusive');
  const reasons: string[] = [];
  if (!enough(candidate)) reasons.push(`${c} got ${candidate.completed} of the ${settings.minSamples} requests a verdict needs: send longer or faster`);
  else if (baseline && !enough(baseline)) reasons.push(`${b} got ${baseline.completed} of the ${settings.minSamples} requests a verdict needs: send longer or faster`);
  for (const f of failing) reasons.push(f.detail);
  if (!failing.length) for (const u of unsure) if (!reasons.some((r) => r.includes('requests a verdict needs'))) reasons.push(u.detail);
  if (!checks.length) {
    reasons.push(`no stable release to compare with and no objectives set for this environment: nothing to hold ${c} to`);
    return { outcome: 'inconclusive', reasons, checks };
  }
  if (failing.length) return { outcome: 'failed', reasons, checks };
  if (unsure.length || !enough(candidate)) return { outcome: 'inconclusive', reasons, checks };
  reasons.push(baseline ? `${c} held within the margins of ${b}${settings.useObjectives ? ' and the objectives' : ''}` : `${c} met the environment's objectives (no stable release to compare with)`);
  return { outcome: 'passed', reasons, checks };
}
