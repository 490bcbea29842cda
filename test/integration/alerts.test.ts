// SLO alerts on synthetic rollups with a chosen clock: a burn of the error budget fires one page (through the
// cron function), which stays one alert while the burn goes on and resolves when it stops; the environment's
// webhook gets one message when it fires and one when it resolves; the alert is a marker on the charts; rules
// are validated and audited; a firing alert can be acknowledged; and gateway telemetry, once rolled up, fires alerts too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InngestTestEngine } from '@inngest/test';
import { Inngest } from 'inngest';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestLogs, rollupsHour, rollupsMinute } from '@/db/schema';
import { createEvaluateAlerts } from '@/inngest/functions/evaluate-alerts';
import { bucketOf } from '@/server/lib/histogram';
import { evaluateAlerts } from '@/server/services/alerts/evaluate';
import { alertMarkers } from '@/server/services/alerts/markers';
import { deliverAlertNotices } from '@/server/services/alerts/notices';
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { runRollups } from '@/server/services/monitoring/rollup';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';

const S = 'alert-svc';
const T0 = Date.parse('2026-03-02T10:30:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
let serviceId: string;
let receiver: http.Server;
const received: { text: string }[] = [];

type Minute = { minute: number; requests: number; errors: number };
const minutes: Minute[] = [];

function rollupRow(bucket: Date, requests: number, errors: number): typeof rollupsMinute.$inferInsert {
  return {
    bucket,
    serviceId,
    environment: 'production',
    releaseNumber: 1,
    shadow: false,
    requests,
    errors,
    errorsByClass: errors ? { upstream_5xx: errors } : ({} as Record<string, number>),
    latencyBuckets: [bucketOf(200)],
    latencyCounts: [requests],
    ttftBuckets: [],
    ttftCounts: [],
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    feedbackCount: 0,
    feedbackSum: 0,
    fallbacks: 0,
  };
}

/** Production's minute rollups from `fromMinute` (relative to T0), and the hour rollups they add up to. */
async function traffic(fromMinute: number, count: number, requests: number, errors: number) {
  const added = Array.from({ length: count }, (_, i) => ({ minute: fromMinute + i, requests, errors }));
  minutes.push(...added);
  await database.db.insert(rollupsMinute).values(added.map((m) => rollupRow(at(m.minute), m.requests, m.errors)));
  const hours = new Map<number, { requests: number; errors: number }>();
  for (const m of minutes) {
    const hour = Math.floor(at(m.minute).getTime() / 3600_000) * 3600_000;
    const h = hours.get(hour) ?? { requests: 0, errors: 0 };
    hours.set(hour, { requests: h.requests + m.requests, errors: h.errors + m.errors });
  }
  await database.db.delete(rollupsHour).where(eq(rollupsHour.serviceId, serviceId));
  await database.db.insert(rollupsHour).values([...hours].map(([hour, h]) => rollupRow(new Date(hour), h.requests, h.errors)));
}

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db, S));
  serviceId = (await api.services.get({ name: S })).id;
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as { text: string });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  await api.secrets.create({ name: 'oncall-channel', kind: 'notification_url', value: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/T0/secret-path` });
  await api.environments.update({ service: S, environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, notifySecret: 'oncall-channel' } });
  // Six quiet hours before T0: 20 requests a minute, none failing.
  await traffic(-360, 360, 20, 0);
});

afterAll(async () => {
  receiver?.close();
  await database?.close();
});

describe('SLO alerts', () => {
  it('fire once on a burn of the error budget, and resolve with one message each when it stops', async () => {
    expect(await evaluateAlerts(database.db, { now: at(0) })).toMatchObject({ fired: 0, resolved: 0 });

    // Twenty minutes of every request failing: the hour burns 1/3 of its requests (16.7× the 2% budget) and the
    // last five minutes 50×, so the page fires; six hours burn 2.8×, under the ticket's 6×.
    await traffic(0, 20, 20, 20);
    const cron = createEvaluateAlerts(new Inngest({ id: 'alerts-test' }), async () => database.db, () => new Date(at(20).getTime() + 15_000));
    const { result } = await new InngestTestEngine({ function: cron }).execute();
    expect(result).toMatchObject({ evaluation: { fired: 1, resolved: 0, at: at(20).toISOString() }, notices: { sent: 1, failed: 0 } });
    expect(received).toHaveLength(1);
    expect(received[0]!.text).toMatch(/^\[PAGE\] alert-svc\/production: error rate \(objective 2\.00%\) is burning its budget: 16\.7× over 60 min \(33\.3%\), 50\.0× over 5 min \(100\.0%\); the rule fires above 14\.4×/);
    expect(received[0]!.text).toContain('/alerts?service=alert-svc&environment=production');
    expect(JSON.stringify(received)).not.toContain('secret-path');

    // The burn goes on: the same alert, its peak follows, no second message.
    await traffic(20, 2, 20, 20);
    expect(await evaluateAlerts(database.db, { now: at(22) })).toMatchObject({ fired: 0, resolved: 0 });
    expect(await deliverAlertNotices(database.db)).toEqual({ sent: 0, failed: 0 });
    const [firing] = await api.alerts.list({ service: S, environment: 'production', status: 'firing' });
    expect(firing).toMatchObject({ objective: 'error-rate', severity: 'page', startedAt: at(20), endedAt: null, objectiveValue: 0.02, budget: 0.02 });
    expect(firing!.peakBurnRate).toBeCloseTo(22 * 20 / 1200 / 0.02);
    expect(firing!.figures.start.long).toMatchObject({ events: 1200, bad: 400 });

    // Healthy again: once the last five minutes are clean the burn has stopped and the alert resolves.
    await traffic(22, 6, 20, 0);
    expect(await evaluateAlerts(database.db, { now: at(27) })).toMatchObject({ fired: 0, resolved: 1 });
    expect(await deliverAlertNotices(database.db)).toEqual({ sent: 1, failed: 0 });
    expect(received[1]!.text).toMatch(/^\[RESOLVED\] alert-svc\/production: error rate \(objective 2\.00%\) is back under 14\.4× after 7 min; peak 18\.3× \(36\.7%\)/);
    expect(await evaluateAlerts(database.db, { now: at(28) })).toMatchObject({ fired: 0, resolved: 0 });
    expect(await deliverAlertNotices(database.db)).toEqual({ sent: 0, failed: 0 });
    expect(received).toHaveLength(2);

    const [resolved] = await api.alerts.list({ service: S });
    expect(resolved).toMatchObject({ id: firing!.id, status: 'resolved', startedAt: at(20), endedAt: at(27), notices: { fire: 'sent', resolve: 'sent' } });
    expect(resolved!.figures.last.short).toMatchObject({ events: 100, bad: 0, burnRate: 0 });

    const markers = await alertMarkers(database.db, { serviceId, environment: 'production', from: at(-60), to: at(60) });
    expect(markers).toEqual([expect.objectContaining({ kind: 'alert', t: at(20).toISOString(), endT: at(27).toISOString(), release: null })]);
    expect(markers[0]!.label).toMatch(/^Error rate page: peak 18\.3× the budget, 36\.7% against 2\.00%$/);
    expect(await alertMarkers(database.db, { serviceId, environment: 'production', from: at(30), to: at(60) })).toEqual([]);
    // The environment's charts carry it as a span beside the changes.
    const series = await api.monitoring.environment({ service: S, environment: 'production', from: at(-60).toISOString(), to: at(60).toISOString() });
    expect(series.markers.filter((m) => m.kind === 'alert')).toEqual([expect.objectContaining({ t: at(20).toISOString(), endT: at(27).toISOString() })]);
  });

  it('can be acknowledged while firing, by someone who operates the environment', async () => {
    await traffic(28, 10, 20, 20);
    expect(await evaluateAlerts(database.db, { now: at(38) })).toMatchObject({ fired: 1 });
    const [alert] = await api.alerts.list({ status: 'firing' });
    const viewer = callerFor(database.db, await makeUser(database.db, { role: 'viewer' }));
    await expect(viewer.alerts.acknowledge({ id: alert!.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer', email: 'oncall@example.test' }));
    expect(await engineer.alerts.acknowledge({ id: alert!.id })).toMatchObject({ acknowledgedBy: 'oncall@example.test' });
    const audit = await api.audit.list({ action: 'alert.acknowledge' });
    expect(JSON.stringify(audit)).toContain('Acknowledged the page alert on error rate (objective 2.00%) of alert-svc/production');
  });

  it('use rules derived from the SLOs until the environment has its own, checked field by field and audited', async () => {
    const defaults = await api.alerts.rules({ service: S, environment: 'production' });
    expect(defaults.custom).toBe(false);
    expect(defaults.rules.map((r) => `${r.objective}/${r.severity}`)).toEqual(['error-rate/page', 'error-rate/ticket', 'p95-latency/page', 'p95-latency/ticket', 'cost-per-request/page', 'cost-per-request/ticket']);
    expect(defaults.rules[2]).toMatchObject({ objectiveValue: 3000, budget: 0.05 });

    const page = { ...defaults.rules[0]!, shortWindowMinutes: 60 };
    const bad = await api.alerts.updateRules({ service: S, environment: 'production', rules: [page, { ...page, shortWindowMinutes: 5 }] }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String((bad as Error).message)).toContain('rules.0.shortWindowMinutes: must be shorter than the long window');
    expect(String((bad as Error).message)).toContain('rules.1.severity: there is already a page rule for error-rate');
    expect((await api.alerts.rules({ service: S, environment: 'production' })).custom).toBe(false);

    const saved = await api.alerts.updateRules({ service: S, environment: 'production', rules: [{ ...defaults.rules[0]!, burnRate: 10, minEvents: 50 }] });
    expect(saved).toMatchObject({ custom: true, rules: [{ objective: 'error-rate', severity: 'page', burnRate: 10, minEvents: 50 }] });
    const back = await api.alerts.updateRules({ service: S, environment: 'production', rules: null });
    expect(back.custom).toBe(false);
    expect(back.rules).toHaveLength(6);
  });

  it('fire from gateway telemetry once the rollup job has summed it', async () => {
    // Staging's p95 objective is 5 s: twenty minutes of requests taking 8 s spend its 5% budget twenty times over.
    const now = new Date(T0 + 2 * 86_400_000);
    const rows = Array.from({ length: 200 }, (_, i) => ({
      at: new Date(now.getTime() - 20 * 60_000 + i * 6_000),
      requestId: `slow-${i}`,
      serviceId,
      environment: 'staging',
      releaseNumber: 1,
      status: 200,
      latencyMs: 8000,
      features: { inputChars: 10, outputChars: 10, messages: 1, finishReason: 'stop' },
    }));
    await database.db.insert(requestLogs).values(rows);
    await runRollups(database.db, { now });
    const result = await evaluateAlerts(database.db, { now });
    expect(result.fired).toBe(2);
    const fired = await api.alerts.list({ service: S, environment: 'staging', status: 'firing' });
    expect(fired.map((a) => `${a.objective}/${a.severity}`).sort()).toEqual(['p95-latency/page', 'p95-latency/ticket']);
    expect(fired[0]!.figures.start.long).toMatchObject({ events: 200 });
    expect(fired[0]!.figures.start.long.value).toBeGreaterThan(7000);
  });
});
