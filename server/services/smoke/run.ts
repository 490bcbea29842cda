// Smoke tests: the first cases of an eval suite's dataset sent through the gateway, over HTTP on this process's own
// listener, to every release an environment routes now (each pinned with X-Slipway-Release), and scored with the
// suite's assertions. The gateway is called with short-lived smoke tokens (one per call) rather than a stored key, so what the
// test sends is recorded as synthetic traffic and kept out of user metrics. One run per key (a schedule slot, a
// rollout step, a rollback, a manual request): asking twice for the same key gives the same run.
import { and, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environments, services, smokeRuns, type CaseMessage, type Environment, type Service, type SmokeResult, type SmokeRun } from '@/db/schema';
import { callPayload, caseRequest, type PreparedTarget } from '@/server/evals/call';
import { scoreCase } from '@/server/evals/assertions';
import { releasePromptsOf } from '@/server/evals/kinds/release-prompts';
import type { AssertionContext, EvalCase, ModelOutput } from '@/server/evals/types';
import { localGatewayOrigin } from '@/server/gateway/local';
import { mintSmokeToken } from '@/server/secrets/smoke-token';
import { logger } from '@/server/logger';
import { checksOf } from '../checks/settings';
import { entryAt } from '../environments/state';
import { casesOfVersion } from '../evals/datasets';
import { latestSuiteVersion, preparedJudge, suiteByName } from '../evals/shared';
import { onSmokeRun } from '../triggers/fire';

export type SmokeTrigger = SmokeRun['trigger'];

export interface RunSmokeInput {
  environmentId: string;
  trigger: SmokeTrigger;
  /** One run per environment and key: `schedule:<slot ISO>`, `rollout:<id>:<step>`, `rollback:<history id>`, `manual:<uuid>`. */
  key: string;
  rolloutId?: string | null;
  requestedBy?: string | null;
  /** The gateway's origin; by default the listener this process serves `/gw/*` on. */
  gatewayOrigin?: string | null;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

/** The first 500 characters of an answer, as a run keeps it. */
const OUTPUT_CHARS = 500;
const log = logger.child({ part: 'smoke' });

/**
 * Runs the smoke test of `key` once: creates its row, calls and scores, stores the results. When the key already has
 * a run, returns that run untouched (running or finished). A failed or erroneous run is handed to the triggers.
 */
export async function runSmoke(db: Db, input: RunSmokeInput): Promise<{ run: SmokeRun; created: boolean }> {
  const [row] = await db.select({ env: environments, service: services }).from(environments).innerJoin(services, eq(services.id, environments.serviceId)).where(eq(environments.id, input.environmentId));
  if (!row) throw new Error(`environment ${input.environmentId} does not exist`);
  const [inserted] = await db
    .insert(smokeRuns)
    .values({ serviceId: row.service.id, environmentId: row.env.id, environment: row.env.name, trigger: input.trigger, key: input.key, rolloutId: input.rolloutId ?? null, requestedBy: input.requestedBy ?? null, status: 'running' })
    .onConflictDoNothing({ target: [smokeRuns.environmentId, smokeRuns.key] })
    .returning();
  if (!inserted) {
    const [existing] = await db.select().from(smokeRuns).where(and(eq(smokeRuns.environmentId, row.env.id), eq(smokeRuns.key, input.key)));
    return { run: existing!, created: false };
  }
  return { run: await executeSmokeRun(db, inserted, row.service, row.env, input), created: true };
}

/** Calls, scores and stores a run whose row exists (status running); never throws for what the test found. */
export async function executeSmokeRun(db: Db, run: SmokeRun, service: Service, env: Environment, opts: Pick<RunSmokeInput, 'gatewayOrigin' | 'timeoutMs'> = {}): Promise<SmokeRun> {
  let patch: Partial<SmokeRun>;
  try {
    // Progress after every call keeps a long run from being taken for one cut off (closeStaleRuns).
    const progress = (done: number) => db.update(smokeRuns).set({ progressAt: new Date(), cases: done }).where(and(eq(smokeRuns.id, run.id), eq(smokeRuns.status, 'running')));
    const results = await smokeResults(db, service, env, opts, progress);
    const passed = results.filter((r) => r.pass).length;
    patch = { status: passed === results.length ? 'passed' : 'failed', cases: results.length, passed, results, error: null };
  } catch (err) {
    patch = { status: 'error', error: err instanceof SmokeSetupError ? err.message : `the smoke test could not run: ${err instanceof Error ? err.message : String(err)}` };
    if (!(err instanceof SmokeSetupError)) log.error({ err, environment: `${service.name}/${env.name}` }, 'smoke test failed to run');
  }
  const [finished] = await db
    .update(smokeRuns)
    .set({ ...patch, finishedAt: new Date() })
    .where(eq(smokeRuns.id, run.id))
    .returning();
  if (finished!.status !== 'passed') {
    await onSmokeRun(db, finished!).catch((err: unknown) => log.error({ err, run: finished!.id }, 'could not fire the triggers of a failed smoke test'));
  }
  return finished!;
}

/** What keeps a smoke test from running at all (no suite, no dataset, nothing deployed): said as it is. */
class SmokeSetupError extends Error {}

async function smokeResults(db: Db, service: Service, env: Environment, opts: Pick<RunSmokeInput, 'gatewayOrigin' | 'timeoutMs'>, progress: (done: number) => Promise<unknown>): Promise<SmokeResult[]> {
  const settings = checksOf(env).smoke;
  const where = `${service.name}/${env.name}`;
  if (!settings.suite) throw new SmokeSetupError(`${where} names no eval suite for its smoke tests (checks.smoke.suite)`);
  const suite = await suiteByName(db, service, settings.suite).catch(() => null);
  if (!suite) throw new SmokeSetupError(`the smoke tests' eval suite "${settings.suite}" does not exist in ${service.name}`);
  const version = await latestSuiteVersion(db, suite.id);
  if (!version?.datasetVersionId) throw new SmokeSetupError(`eval suite "${suite.name}" has no dataset to take smoke cases from`);
  if (!version.spec.assertions.length) throw new SmokeSetupError(`eval suite "${suite.name}" has no suite-level assertions to score smoke answers with`);
  const cases = await casesOfVersion(db, version.datasetVersionId, { from: 0, to: settings.cases });
  if (!cases.length) throw new SmokeSetupError(`the dataset of eval suite "${suite.name}" has no cases`);
  const entry = await entryAt(db, env.id);
  const routed = [...new Map((entry?.routes ?? []).map((r) => [r.releaseId, r])).values()].sort((a, b) => a.releaseNumber - b.releaseNumber);
  if (!routed.length) throw new SmokeSetupError(`${where} routes no release`);
  const origin = opts.gatewayOrigin ?? localGatewayOrigin();
  if (!origin) throw new SmokeSetupError('no gateway listener in this process to call (smoke tests run in the server that serves /gw/*)');
  const url = `${origin}/gw/${encodeURIComponent(service.name)}/${encodeURIComponent(env.name)}/v1/chat/completions`;

  const judges = new Map<string, Promise<PreparedTarget>>();
  const judge: AssertionContext['judge'] = async (ref, messages) => {
    let target = judges.get(ref);
    if (!target) judges.set(ref, (target = preparedJudge(db, service.id, ref)));
    const prepared = await target;
    const { payload, messages: sent } = caseRequest(prepared, { index: 0, input: { messages }, expected: null, tags: [], metadata: {} });
    return (await callPayload(db, prepared, payload, sent, { retry: { attempts: 2 } })).output.content;
  };

  const results: SmokeResult[] = [];
  for (const route of routed) {
    const prompts = (await releasePromptsOf(db, route.releaseId)).map((p) => p.name);
    for (const testCase of cases) {
      // A token per call: one minted for the whole run would expire (SMOKE_TOKEN_TTL_MS) in a long run of many
      // cases, releases and slow answers, and its later calls would be refused as if the release had failed.
      const token = mintSmokeToken({ serviceId: service.id, environment: env.name });
      const called = await callGateway(url, token, route.releaseNumber, requestBody(testCase, prompts), opts.timeoutMs ?? 30_000);
      await progress(results.length + 1);
      if (!called.output) {
        results.push({ caseIndex: testCase.index, releaseNumber: route.releaseNumber, status: called.status, latencyMs: called.latencyMs, pass: false, score: 0, output: null, reason: called.problem, requestId: called.requestId });
        continue;
      }
      const scored = await scoreCase(version.spec.assertions, version.spec.threshold, testCase, called.output, { judge });
      const failing = scored.outcomes.filter((o) => !o.pass);
      const reason = scored.pass
        ? `passed with score ${scored.score.toFixed(2)}`
        : `score ${scored.score.toFixed(2)} below ${version.spec.threshold}${failing.length ? `: ${failing.map((o) => `${o.type}: ${o.reason}`).join('; ')}` : ''}`;
      results.push({
        caseIndex: testCase.index,
        releaseNumber: route.releaseNumber,
        status: called.status,
        latencyMs: called.latencyMs,
        pass: scored.pass,
        score: scored.score,
        output: called.output.content.slice(0, OUTPUT_CHARS),
        reason: reason.length > 1000 ? `${reason.slice(0, 999)}…` : reason,
        requestId: called.requestId,
      });
    }
  }
  return results;
}

/** The request a case makes: its messages, and the release's prompt rendered with its variables when it has prompts (as eval runs do). */
export function requestBody(testCase: EvalCase, prompts: string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { messages: (testCase.input.messages ?? []) as CaseMessage[], stream: false };
  if (prompts.length) {
    const named = typeof testCase.metadata.prompt === 'string' ? testCase.metadata.prompt : null;
    body.slipway = { prompt: named ?? [...prompts].sort()[0]!, variables: testCase.input.variables ?? {} };
  }
  return body;
}

type Called = { status: number; latencyMs: number; requestId: string; output: ModelOutput | null; problem: string };

async function callGateway(url: string, token: string, releaseNumber: number, body: Record<string, unknown>, timeoutMs: number): Promise<Called> {
  const started = performance.now();
  const done = (status: number, requestId: string, output: ModelOutput | null, problem: string): Called => ({ status, latencyMs: Math.round(performance.now() - started), requestId, output, problem });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-slipway-release': String(releaseNumber) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return done(0, '', null, timedOut ? `#${releaseNumber} did not answer within ${Math.round(timeoutMs / 1000)} s` : `the gateway could not be reached: ${err instanceof Error ? err.message : String(err)}`);
  }
  const requestId = res.headers.get('x-slipway-request-id') ?? '';
  const text = await res.text().catch(() => '');
  let json: { choices?: { message?: { content?: string }; finish_reason?: string }[]; usage?: { prompt_tokens?: number; completion_tokens?: number }; error?: { message?: string; code?: string } } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // Not JSON: said below.
  }
  if (res.status !== 200) {
    const what = json.error?.message ? `${json.error.code ? `${json.error.code}: ` : ''}${json.error.message}` : text.slice(0, 200) || 'no body';
    return done(res.status, requestId, null, `#${releaseNumber} answered ${res.status}: ${what}`);
  }
  const choice = json.choices?.[0];
  if (!choice) return done(res.status, requestId, null, `#${releaseNumber} answered without choices`);
  const latencyMs = Math.round(performance.now() - started);
  return done(res.status, requestId, { content: choice.message?.content ?? '', finishReason: choice.finish_reason ?? null, latencyMs, costUsd: 0, inputTokens: json.usage?.prompt_tokens ?? 0, outputTokens: json.usage?.completion_tokens ?? 0 }, '');
}
