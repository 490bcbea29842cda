// GET /api/metrics: the Prometheus exposition reflects the gateway's traffic (requests, errors, latency, tokens by
// service, environment and release), the rollouts' states and the telemetry queue; promtool accepts it; and with
// a token configured a scrape needs it.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '@/server/gateway/handler';
import { metrics } from '@/server/lib/metrics';
import { serveMetrics } from '@/server/lib/metrics-endpoint';
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { rolloutStateCounts } from '@/server/services/rollouts/states';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { startTestUpstream, type TestUpstream } from '../helpers/upstream';

const TOKEN = 'metrics-token-0123456789abcdef';
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

let database: TestDatabase;
let upstream: TestUpstream;
let gateway: Gateway;
let gw: http.Server;
let scrape: http.Server;
let gwBase: string;
let metricsUrl: string;
let key: string;

function listen(server: http.Server): Promise<string> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  database = await freshDatabase();
  upstream = await startTestUpstream();
  const api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
  await api.services.create({ name: 'metrics-svc' });
  await api.models.register({ model: 'metrics-model', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel: 'echo' });
  await api.models.register({ model: 'metrics-model', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel: 'fail-always' });
  await api.releases.create({ service: 'metrics-svc', model: 'metrics-model@1' });
  await api.releases.create({ service: 'metrics-svc', model: 'metrics-model@2' });
  await api.environments.deploy({ service: 'metrics-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }] });
  key = (await api.gatewayKeys.create({ service: 'metrics-svc', name: 'app', allowPin: true })).key;
  // A rollout waiting for approval, so the rollouts' states have something to show.
  await api.environments.update({ service: 'metrics-svc', environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, requiredGates: [], allowedBranches: [] } });
  await api.rollouts.promote({ service: 'metrics-svc', environment: 'production', release: 1, reason: 'first release' });
  metrics().watchRollouts(() => rolloutStateCounts(database.db));

  gateway = new Gateway({ db: database.db, databaseUrl: database.url, listen: database.listen, pollIntervalMs: 60_000 });
  await gateway.start();
  gw = http.createServer(gateway.handle);
  gwBase = await listen(gw);
  scrape = http.createServer((req, res) => void serveMetrics(req, res, TOKEN));
  metricsUrl = `${await listen(scrape)}/api/metrics`;
});

afterAll(async () => {
  for (const s of [gw, scrape]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
  await gateway?.close();
  await upstream?.close();
  await database?.close();
});

async function chat(release?: number, stream = false) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  if (release) headers['x-slipway-release'] = String(release);
  const res = await fetch(`${gwBase}/gw/metrics-svc/dev/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'hello there' }], stream }) });
  await res.text();
  return res.status;
}

async function exposition(): Promise<string> {
  const res = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return res.text();
}

/** The value of one sample line, by its exact name and labels (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const dev = (release: string) => `service="metrics-svc",environment="dev",release="${release}",shadow="false"`;

describe('/api/metrics', () => {
  it('counts gateway requests, errors, latency and tokens by service, environment and release', async () => {
    const before = await exposition();
    expect([await chat(), await chat(), await chat(undefined, true), await chat(2)]).toEqual([200, 200, 200, 500]);
    expect(await fetch(`${gwBase}/gw/metrics-svc/dev/v1/models`, { headers: { authorization: 'Bearer sgw_wrong' } }).then((r) => r.status)).toBe(401);
    // Telemetry rows (and so the counters) are complete once token counting has finished.
    await gateway.telemetry.flush();
    const after = await exposition();
    const delta = (series: string) => sample(after, series) - sample(before, series);

    expect(delta(`slipway_gateway_requests_total{${dev('1')}}`)).toBe(3);
    expect(delta(`slipway_gateway_requests_total{${dev('2')}}`)).toBe(1);
    expect(delta(`slipway_gateway_errors_total{${dev('2')},class="upstream_5xx"}`)).toBe(1);
    expect(delta(`slipway_gateway_request_duration_seconds_count{${dev('1')}}`)).toBe(3);
    expect(delta(`slipway_gateway_request_duration_seconds_bucket{${dev('1')},le="+Inf"}`)).toBe(3);
    expect(delta(`slipway_gateway_time_to_first_token_seconds_count{${dev('1')}}`)).toBe(1);
    // The test upstream reports 10 prompt tokens per message and one completion token per word ("echo: hello there").
    expect(delta(`slipway_gateway_tokens_total{${dev('1')},direction="input"}`)).toBe(30);
    expect(delta(`slipway_gateway_tokens_total{${dev('1')},direction="output"}`)).toBe(9);
    expect(delta('slipway_gateway_refused_total{code="invalid_api_key"}')).toBe(1);
    expect(sample(after, 'slipway_telemetry_queue_depth')).toBe(0);
    expect(sample(after, 'slipway_telemetry_written_total')).toBeGreaterThanOrEqual(4);
    expect(after).toContain('# TYPE slipway_telemetry_dropped_total counter');
    expect(sample(after, 'slipway_rollouts{service="metrics-svc",environment="production",status="awaiting-approval"}')).toBe(1);
  });

  // promtool comes with Debian's prometheus package; CI installs it, so there a missing promtool fails the test.
  it.skipIf(!hasPromtool && !process.env.CI)('passes promtool check metrics', async () => {
    expect(hasPromtool, 'promtool is not installed (apt-get install prometheus)').toBe(true);
    const text = await exposition();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
  });

  it('needs the token when one is configured, and refuses other methods', async () => {
    expect((await fetch(metricsUrl)).status).toBe(401);
    const wrong = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="slipway-metrics"');
    expect(await wrong.text()).not.toContain(TOKEN);
    expect((await fetch(metricsUrl, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });
});
