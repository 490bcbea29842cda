// Production-check triggers: a drift report calls the retraining webhook once, signed, with the report and where its
// samples are (and notifies the environment's webhook); a feedback drop fires once per window while a steady
// stream (and feedback on synthetic requests) does not; a failing webhook is tried three times in all; the pipeline
// action starts a run; a webhook secret of the wrong purpose or scope is refused at delivery (checks.update refuses
// it at save time), and nothing is sent.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InngestTestEngine } from '@inngest/test';
import { and, eq } from 'drizzle-orm';
import { Inngest } from 'inngest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEvaluateTriggers } from '@/inngest/functions/evaluate-triggers';
import { auditEvents, driftReports, environments, feedback, onlineScores, pipelineRuns, requestLogs, smokeRuns, triggerEvents, type DriftReport, type FeatureDrift, type TriggerRule } from '@/db/schema';
import { publicUrl } from '@/server/env';
import { DEFAULT_CHECKS, DEFAULT_DRIFT } from '@/server/services/checks/settings';
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { DEFAULT_PIPELINE_YAML } from '@/server/services/pipelines/parse';
import { setRunDispatcher } from '@/server/services/pipelines/dispatch';
import { deliverPendingActions, evaluateQualityTriggers, onDriftReport, onSmokeRun } from '@/server/services/triggers/fire';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';

const S = 'support-bot';
const SIGNING_VALUE = 'whsec_retraining_for_tests_0123456789';
let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
let serviceId: string;
let prodId: string;
let hook: http.Server;
let hookUrl: string;
type Hit = { path: string; body: string; headers: http.IncomingHttpHeaders };
const hits: Hit[] = [];
const hitsAt = (path: string) => hits.filter((h) => h.path === path);

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db, S));
  serviceId = (await api.services.get({ name: S })).id;
  const [prod] = await database.db.select().from(environments).where(and(eq(environments.serviceId, serviceId), eq(environments.name, 'production')));
  prodId = prod!.id;
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', body, headers: req.headers });
      if (req.url === '/fail') return void res.writeHead(503).end('{"error":"busy","api_key":"sk-abcdefghijklmnop1234"}');
      res.writeHead(200).end('{"queued":true}');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  await api.secrets.create({ name: 'retrain-signing', purposes: ['webhook_signing'], origin: hookUrl, value: SIGNING_VALUE });
  await api.secrets.create({ name: 'ops-channel', kind: 'notification_url', value: `${hookUrl}/notify` });
  await api.environments.update({ service: S, environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, notifySecret: 'ops-channel' } });
});

afterAll(async () => {
  hook?.closeAllConnections();
  hook?.close();
  await database?.close();
});

beforeEach(async () => {
  hits.length = 0;
  setRunDispatcher(undefined);
  await database.db.delete(triggerEvents).where(eq(triggerEvents.environmentId, prodId));
});

function rule(over: Partial<TriggerRule> & Pick<TriggerRule, 'id' | 'source'>): TriggerRule {
  return { enabled: true, feature: null, threshold: null, maxDrop: null, windowHours: 24, minCount: 0, actions: { notify: false, webhook: null, pipeline: false }, ...over };
}

/** Stores the production environment's rules as `checks.update` would (after its save-time checks). */
async function setRules(rules: TriggerRule[]) {
  await database.db.update(environments).set({ checks: { ...DEFAULT_CHECKS, triggers: rules } }).where(eq(environments.id, prodId));
}

const events = () => database.db.select().from(triggerEvents).where(eq(triggerEvents.environmentId, prodId)).orderBy(triggerEvents.at);

function feature(name: string, drifted: boolean, statistic: number): FeatureDrift {
  return {
    feature: name,
    kind: 'numeric',
    method: 'ks',
    statistic,
    pValue: drifted ? 0.0004 : 0.6,
    threshold: 0.05,
    drifted,
    psi: 0.3,
    referenceRows: 400,
    currentRows: 400,
    referenceMean: 120,
    currentMean: drifted ? 190 : 121,
    histogram: { bins: ['[0, 100)', '[100, 200)'], reference: [200, 200], current: [100, 300] },
    skipped: null,
  };
}

async function storeReport(releaseNumber: number | null, datasetDrift = true): Promise<DriftReport> {
  const window = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', rows: 400, total: 900, label: 'first 24 h of release #1' };
  const [report] = await database.db
    .insert(driftReports)
    .values({
      serviceId,
      environmentId: prodId,
      environment: 'production',
      releaseNumber,
      trigger: 'schedule',
      status: datasetDrift ? 'drift' : 'no-drift',
      reference: { ...window, kind: 'release-start' },
      current: { ...window, from: '2026-12-03T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z', label: 'last 24 h' },
      features: [feature('output_tokens', datasetDrift, 0.41), feature('latency_ms', false, 0.05)],
      text: [{ field: 'output', method: 'domain-classifier', auc: datasetDrift ? 0.83 : 0.5, threshold: 0.56, drifted: datasetDrift, referenceRows: 300, currentRows: 300, topNgrams: [], skipped: null }],
      driftedShare: datasetDrift ? 2 / 3 : 0,
      datasetDrift,
      settings: DEFAULT_DRIFT,
    })
    .returning();
  return report!;
}

describe('drift triggers', () => {
  it('call the retraining webhook once per report, signed, with the report, the release and where the samples are', async () => {
    // No cooldown: every report that crosses the rule fires (the next test covers the cooldown).
    await setRules([rule({ id: 'retrain-on-drift', source: 'drift', cooldownHours: 0, actions: { notify: true, webhook: { url: `${hookUrl}/retrain?team=ml`, secret: 'retrain-signing' }, pipeline: false } })]);
    const report = await storeReport(null);
    await onDriftReport(database.db, report);
    await onDriftReport(database.db, report);
    await deliverPendingActions(database.db);

    const calls = hitsAt('/retrain?team=ml');
    expect(calls).toHaveLength(1);
    const [call] = calls;
    const [event] = await events();
    expect(call!.headers['x-slipway-event']).toBe('trigger.drift');
    expect(call!.headers['x-slipway-delivery']).toBe(event!.id);
    const timestamp = String(call!.headers['x-slipway-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(call!.headers['x-slipway-signature']).toBe(`sha256=${createHmac('sha256', SIGNING_VALUE).update(`${timestamp}.${call!.body}`).digest('hex')}`);
    const body = JSON.parse(call!.body) as {
      rule: { actions?: unknown };
      report: { features: { histogram?: unknown }[]; drifted: { feature: string }[] };
      samples: { current: unknown };
      summary: string;
    };
    expect(body).toMatchObject({ event: 'trigger.drift', id: event!.id, service: S, environment: 'production', release: null, rule: { id: 'retrain-on-drift', source: 'drift', feature: null } });
    expect(body.rule.actions).toBeUndefined();
    expect(body.report).toMatchObject({ id: report.id, status: 'drift', datasetDrift: true, url: `${publicUrl()}/services/${S}/environments/production?tab=drift&report=${report.id}` });
    expect(body.report.drifted.map((d) => d.feature)).toEqual(['output_tokens', 'output_text']);
    expect(body.report.features[0]!.histogram).toBeUndefined();
    expect(body.samples.current).toEqual({
      procedure: 'drift.samples',
      input: { id: report.id, window: 'current' },
      url: `${publicUrl()}/api/trpc/drift.samples?input=${encodeURIComponent(JSON.stringify({ json: { id: report.id, window: 'current' } }))}`,
    });
    expect(body.summary).toBe(event!.summary);
    expect(event!.summary).toBe('dataset drift in the environment: 2 of 3 features drifted (66.7%, the rule is 50%): output_tokens (ks p=4.0e-4 < 0.05), output_text (domain-classifier AUC 0.830 > 0.56)');

    // Only the status and a short redacted excerpt of the answer are kept.
    expect(event!.webhook).toMatchObject({ state: 'sent', attempts: 1, status: 200, error: null, excerpt: '{"queued":true}' });
    // The environment's notification webhook had one message too, in the alerts' style.
    const notices = hitsAt('/notify');
    expect(notices).toHaveLength(1);
    expect((JSON.parse(notices[0]!.body) as { text: string }).text).toMatch(new RegExp(`^\\[DRIFT\\] ${S}/production: dataset drift in the environment: .*; rule retrain-on-drift\\n.*\\?tab=drift&report=${report.id}$`));
    expect(event!.notify).toMatchObject({ state: 'sent', attempts: 1 });

    const audit = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'trigger.fire'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorKind: 'system', actorLabel: 'system:triggers', targetId: event!.id });

    // Another report (one release's arm) is another event; a report without drift fires nothing.
    await onDriftReport(database.db, await storeReport(2));
    await onDriftReport(database.db, await storeReport(null, false));
    expect(hitsAt('/retrain?team=ml')).toHaveLength(2);
    expect(JSON.parse(hitsAt('/retrain?team=ml')[1]!.body).release).toEqual({ number: 2, ref: `${S}#2` });
    expect(await events()).toHaveLength(2);
  });

  it("stay quiet for the rule's cooldown after firing, even for reports stored at the same moment", async () => {
    // The default drift cooldown (24 h): a drift that persists calls the retraining webhook once, not every hour.
    await setRules([rule({ id: 'retrain-on-drift', source: 'drift', actions: { notify: false, webhook: { url: `${hookUrl}/retrain`, secret: 'retrain-signing' }, pipeline: false } })]);
    // The hourly cron's report and one asked for, handed over at once, fire once.
    const [first, second] = [await storeReport(null), await storeReport(2)];
    await Promise.all([onDriftReport(database.db, first), onDriftReport(database.db, second)]);
    expect(await events()).toHaveLength(1);
    await onDriftReport(database.db, await storeReport(null));
    await deliverPendingActions(database.db);
    expect(hitsAt('/retrain')).toHaveLength(1);

    // Once the cooldown has passed, the drift that is still there fires again.
    await database.db.update(triggerEvents).set({ at: new Date(Date.now() - 25 * 3_600_000) }).where(eq(triggerEvents.environmentId, prodId));
    const later = await storeReport(null);
    await onDriftReport(database.db, later);
    const after = await events();
    expect(after).toHaveLength(2);
    expect(after[1]!.sourceKey).toBe(later.id);
    expect(hitsAt('/retrain')).toHaveLength(2);
  });

  it('fire a feature rule only when that feature drifted', async () => {
    await setRules([rule({ id: 'latency', source: 'drift', feature: 'latency_ms' }), rule({ id: 'answers', source: 'drift', feature: 'output_text' })]);
    await onDriftReport(database.db, await storeReport(null));
    expect((await events()).map((e) => e.ruleId)).toEqual(['answers']);
  });

  it('try a failing webhook three times in all, then stop', async () => {
    await setRules([rule({ id: 'retrain-on-drift', source: 'drift', actions: { notify: false, webhook: { url: `${hookUrl}/fail`, secret: 'retrain-signing' }, pipeline: false } })]);
    await onDriftReport(database.db, await storeReport(null));
    expect(hitsAt('/fail')).toHaveLength(1);
    expect((await events())[0]!.webhook).toMatchObject({ state: 'pending', attempts: 1, status: 503, error: 'the retraining webhook answered 503' });
    await deliverPendingActions(database.db);
    await deliverPendingActions(database.db);
    await deliverPendingActions(database.db);
    expect(hitsAt('/fail')).toHaveLength(3);
    // The same delivery each time, and the answer kept only as a redacted excerpt.
    expect(new Set(hitsAt('/fail').map((h) => h.headers['x-slipway-delivery'])).size).toBe(1);
    const [event] = await events();
    expect(event!.webhook).toMatchObject({ state: 'failed', attempts: 3, status: 503, error: 'the retraining webhook answered 503' });
    expect(event!.webhook.excerpt).toBe('{"error":"busy","api_key":[redacted]}');
  });
});

describe('webhook secrets', () => {
  beforeAll(async () => {
    await api.secrets.create({ name: 'ops-only', kind: 'notification_url', value: `${hookUrl}/notify` });
    await api.secrets.create({ name: 'other-team-signing', purposes: ['webhook_signing'], services: [], origin: hookUrl, value: 'whsec_other_team_value_987654' });
  });

  it('are refused at delivery, with the reason, and nothing is sent or retried', async () => {
    await setRules([
      rule({ id: 'wrong-purpose', source: 'drift', actions: { notify: false, webhook: { url: `${hookUrl}/retrain`, secret: 'ops-only' }, pipeline: false } }),
      rule({ id: 'wrong-service', source: 'drift', actions: { notify: false, webhook: { url: `${hookUrl}/retrain`, secret: 'other-team-signing' }, pipeline: false } }),
    ]);
    await onDriftReport(database.db, await storeReport(null));
    await deliverPendingActions(database.db);
    expect(hits).toEqual([]);
    const byRule = Object.fromEntries((await events()).map((e) => [e.ruleId, e.webhook]));
    expect(byRule['wrong-purpose']).toMatchObject({ state: 'failed', attempts: 1, error: 'not signed or sent: secret "ops-only" is not for webhook signing (its purposes: notifications)' });
    expect(byRule['wrong-service']).toMatchObject({ state: 'failed', attempts: 1, error: `not signed or sent: secret "other-team-signing" may not be used by service ${S} (it is scoped to no service)` });
  });
});

describe('smoke triggers', () => {
  it('start the service pipeline for a failed run, once', async () => {
    await api.pipelines.saveDefinition({ service: S, yaml: DEFAULT_PIPELINE_YAML });
    const started: string[] = [];
    setRunDispatcher({ start: async (id) => void started.push(id), cancel: async () => undefined });
    await setRules([rule({ id: 'smoke-failed', source: 'smoke', actions: { notify: false, webhook: null, pipeline: true } })]);
    const [run] = await database.db
      .insert(smokeRuns)
      .values({
        serviceId,
        environmentId: prodId,
        environment: 'production',
        trigger: 'schedule',
        key: 'schedule:2026-12-04T05:15:00.000Z',
        status: 'failed',
        cases: 3,
        passed: 2,
        results: [
          { caseIndex: 0, releaseNumber: 1, status: 200, latencyMs: 40, pass: true, score: 1, output: 'ok', reason: 'passed', requestId: 'r0' },
          { caseIndex: 1, releaseNumber: 1, status: 200, latencyMs: 40, pass: false, score: 0, output: 'no', reason: 'contains "refund": not found', requestId: 'r1' },
          { caseIndex: 2, releaseNumber: 1, status: 200, latencyMs: 40, pass: true, score: 1, output: 'ok', reason: 'passed', requestId: 'r2' },
        ],
        finishedAt: new Date(),
      })
      .returning();
    await onSmokeRun(database.db, run!);
    await onSmokeRun(database.db, run!);
    const [event, ...more] = await events();
    expect(more).toEqual([]);
    expect(event).toMatchObject({ source: 'smoke', sourceKey: run!.id, releaseNumber: 1, summary: 'smoke test failed (schedule): 1 of 3 cases failed on release #1 — first: contains "refund": not found', pipelineError: null });
    const [pipelineRun] = await database.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, event!.pipelineRunId!));
    expect(pipelineRun).toMatchObject({ mode: 'evaluate', trigger: { kind: 'manual', deliveryId: event!.id, author: `trigger smoke-failed of ${S}/production` } });
    expect(started).toEqual([pipelineRun!.id]);
    const audits = await database.db.select({ action: auditEvents.action, actor: auditEvents.actorLabel }).from(auditEvents).where(eq(auditEvents.targetId, pipelineRun!.id));
    expect(audits).toEqual([{ action: 'pipeline.run', actor: 'system:triggers' }]);
    // A passing run fires nothing.
    await onSmokeRun(database.db, { ...run!, id: randomUUID(), status: 'passed' });
    expect(await events()).toHaveLength(1);
  });
});

describe('quality triggers', () => {
  const HOUR = 3600_000;
  const T0 = Date.parse('2026-11-20T12:00:00Z');
  const at = (h: number) => new Date(T0 + h * HOUR);

  /** `n` answered requests per hour in [fromHour, toHour) with feedback `score` (synthetic: smoke requests). */
  async function feedbackStream(fromHour: number, toHour: number, n: number, score: number, synthetic = false) {
    const logs: (typeof requestLogs.$inferInsert)[] = [];
    const scores: (typeof feedback.$inferInsert)[] = [];
    for (let h = fromHour; h < toHour; h++) {
      for (let i = 0; i < n; i++) {
        const t = new Date(at(h).getTime() + ((i + 0.5) / n) * HOUR);
        const requestId = `req-${randomUUID()}`;
        logs.push({ at: t, requestId, serviceId, environment: 'production', releaseNumber: 1, status: 200, latencyMs: 100, synthetic, features: { inputChars: 10, outputChars: 20, messages: 1, finishReason: 'stop' } });
        scores.push({ at: new Date(t.getTime() + 1000), requestId, serviceId, environment: 'production', score });
      }
    }
    await database.db.insert(requestLogs).values(logs);
    await database.db.insert(feedback).values(scores);
  }

  it('fire a feedback drop once per window, and not for a steady stream or feedback on synthetic requests', async () => {
    await setRules([rule({ id: 'feedback-drop', source: 'feedback', maxDrop: 0.3, windowHours: 2, minCount: 10 })]);
    // Steady: 0.6 for six hours; smoke requests' feedback (excluded) would read as a drop.
    await feedbackStream(-6, 0, 8, 0.6);
    await feedbackStream(-2, 0, 20, -1, true);
    await evaluateQualityTriggers(database.db, new Date(T0 + 10 * 60_000));
    expect(await events()).toEqual([]);

    // Then 0.1 for four hours.
    await feedbackStream(0, 4, 8, 0.1);
    await evaluateQualityTriggers(database.db, new Date(at(1).getTime() + 5 * 60_000)); // one hour in: 0.35 vs 0.6, not yet 0.3 below
    expect(await events()).toEqual([]);
    await evaluateQualityTriggers(database.db, new Date(at(2).getTime() + 5 * 60_000));
    await evaluateQualityTriggers(database.db, new Date(at(2).getTime() + 40 * 60_000));
    await evaluateQualityTriggers(database.db, new Date(at(3).getTime() + 5 * 60_000)); // overlaps the window that fired
    await evaluateQualityTriggers(database.db, new Date(at(4).getTime() + 5 * 60_000)); // 0.1 vs 0.1: no drop
    const fired = await events();
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ source: 'feedback', sourceKey: 'feedback:2026-11-20T14:00Z', releaseNumber: 1 });
    expect(fired[0]!.data).toMatchObject({ windowStart: at(0).toISOString(), windowEnd: at(2).toISOString(), current: { count: 16 }, previous: { count: 16 }, crossed: ['drop'] });
    expect(fired[0]!.summary).toBe('mean feedback 0.100 over the 2 h to 14:00 UTC (16 feedback scores) dropped 0.500 from 0.600 the 2 h before (limit 0.300)');
  });

  it('fire an online-quality rule when the pass rate is below its threshold with enough scores', async () => {
    await setRules([rule({ id: 'quality', source: 'online-quality', threshold: 0.8, windowHours: 1, minCount: 10, actions: { notify: true, webhook: null, pipeline: false } })]);
    const suiteVersionId = randomUUID();
    const score = (i: number, pass: boolean) => ({ at: new Date(at(-1).getTime() + i * 60_000), requestId: `os-${randomUUID()}`, serviceId, environmentId: prodId, environment: 'production', releaseNumber: 3, suiteVersionId, score: pass ? 1 : 0, pass, outcomes: [] });
    await database.db.insert(onlineScores).values(Array.from({ length: 9 }, (_, i) => score(i, i < 5)));
    await evaluateQualityTriggers(database.db, new Date(T0 + 60_000));
    expect(await events()).toEqual([]); // 9 scores: too few
    await database.db.insert(onlineScores).values([score(30, false)]);
    // The five-minute cron function: it evaluates, then sends the notification.
    const cron = createEvaluateTriggers(new Inngest({ id: 'triggers-test' }), async () => database.db, () => new Date(T0 + 60_000));
    await new InngestTestEngine({ function: cron }).execute();
    const [event] = await events();
    expect(event).toMatchObject({ sourceKey: 'online-quality:2026-11-20T12:00Z', releaseNumber: 3, summary: 'online pass rate 50% over the 1 h to 12:00 UTC (10 scores) is below 80%', notify: { state: 'sent', attempts: 1 } });
    expect(hitsAt('/notify').map((h) => (JSON.parse(h.body) as { text: string }).text.split('\n')[0])).toEqual([`[QUALITY] ${S}/production: online pass rate 50% over the 1 h to 12:00 UTC (10 scores) is below 80%; rule quality`]);
  });
});
