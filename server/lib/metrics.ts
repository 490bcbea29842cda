// The process's Prometheus metrics (prom-client): gateway traffic by service, environment and release, the telemetry
// queue, the embedded executor's runs and the rollouts' states. One registry per process, kept on a global so that
// every copy of this module (the custom server's and Next's bundles) feeds the same one.
import client from 'prom-client';

/** Latency buckets (seconds): round numbers an operator reads at a glance, from 25 ms to the 10-minute gateway limit. */
export const LATENCY_BUCKETS_S = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 600];
export const TTFT_BUCKETS_S = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;
type Value = { labels: Labels; value: number; metricName?: string };

/** A fixed-bucket histogram kept as plain numbers: observing allocates nothing. */
class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    if (i < b.length) this.counts[i]! += 1;
    this.sum += v;
    this.count += 1;
  }
  values(name: string, labels: Labels, out: Value[]): void {
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: String(this.bounds[i]) }, value: cumulative });
    }
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: this.count });
    out.push({ metricName: `${name}_sum`, labels, value: this.sum });
    out.push({ metricName: `${name}_count`, labels, value: this.count });
  }
}

/** The figures of one (service, environment, release, shadow): found through nested maps, never rebuilt per request. */
interface TrafficCell {
  labels: Labels;
  requests: number;
  errors: Map<string, number>;
  latency: Buckets;
  ttft: Buckets;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** What the gateway records per request (a telemetry row has these fields). */
export interface TrafficObservation {
  serviceId: string;
  environment: string;
  releaseNumber?: number | null;
  shadow?: boolean | null;
  stream?: boolean | null;
  status: number;
  errorClass?: string | null;
  latencyMs: number;
  ttftMs?: number | null;
  /** The OpenAI endpoint called; embeddings calls stay out of the latency histogram (as in the dashboards). */
  endpoint?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  costUsd?: number | null;
}

export interface TelemetrySource {
  stats: { enqueued: number; written: number; dropped: number; failedWrites: number; queued: number; rejected: number };
}

export interface RolloutStateCount {
  service: string;
  environment: string;
  status: string;
  count: number;
}

/** A metric whose values are built when Prometheus scrapes, from state kept elsewhere. */
function scraped(registry: client.Registry, name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: () => Value[] | Promise<Value[]>) {
  registry.registerMetric({ name, help, type, get: async () => ({ name, help, type, aggregator: 'sum', values: await values() }) } as unknown as client.Metric);
}

export class Metrics {
  readonly registry = new client.Registry();
  private readonly traffic = new Map<string, Map<string, Map<number, TrafficCell>>>();
  private readonly refused = new Map<string, number>();
  private readonly telemetrySources = new Set<TelemetrySource>();
  private readonly executorRuns = new Map<string, number>();
  private executorInFlight: (() => number) | null = null;
  private rolloutStates: (() => Promise<RolloutStateCount[]>) | null = null;
  /** Names services by id for the labels; set by the gateway from its routing snapshot. */
  serviceName: (serviceId: string) => string | undefined = () => undefined;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'slipway_' });
    // Gauges named like counters, which promtool's lint rejects; the process's handles say little to an operator.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(`slipway_${name}`);
    const r = this.registry;
    const cells = () => [...this.traffic.values()].flatMap((envs) => [...envs.values()].flatMap((rels) => [...rels.values()]));
    scraped(r, 'slipway_gateway_requests_total', 'Gateway requests answered (shadow="true": mirrored requests), by service, environment and release.', 'counter', () => cells().map((c) => ({ labels: c.labels, value: c.requests })));
    scraped(r, 'slipway_gateway_errors_total', 'Gateway requests that did not succeed, by error class.', 'counter', () => cells().flatMap((c) => [...c.errors].map(([cls, n]) => ({ labels: { ...c.labels, class: cls }, value: n }))));
    scraped(r, 'slipway_gateway_request_duration_seconds', 'Gateway request latency from arrival to the last byte, in seconds.', 'histogram', () => {
      const out: Value[] = [];
      for (const c of cells()) c.latency.values('slipway_gateway_request_duration_seconds', c.labels, out);
      return out;
    });
    scraped(r, 'slipway_gateway_time_to_first_token_seconds', 'Time to the first token of streamed answers, in seconds.', 'histogram', () => {
      const out: Value[] = [];
      for (const c of cells()) if (c.ttft.count) c.ttft.values('slipway_gateway_time_to_first_token_seconds', c.labels, out);
      return out;
    });
    scraped(r, 'slipway_gateway_tokens_total', 'Tokens sent to and received from upstream models (direction="input" or "output").', 'counter', () =>
      cells().flatMap((c) => [
        { labels: { ...c.labels, direction: 'input' }, value: c.inputTokens },
        { labels: { ...c.labels, direction: 'output' }, value: c.outputTokens },
      ]),
    );
    scraped(r, 'slipway_gateway_cost_usd_total', 'Cost of the answered requests from the model versions’ prices, in USD.', 'counter', () => cells().map((c) => ({ labels: c.labels, value: c.costUsd })));
    scraped(r, 'slipway_gateway_refused_total', 'Gateway requests answered with an error before any upstream call (bad key, unknown path, bad body, prompt errors…), by error code.', 'counter', () => [...this.refused].map(([code, n]) => ({ labels: { code }, value: n })));

    const telemetry = (key: keyof TelemetrySource['stats']) => () => [{ labels: {}, value: [...this.telemetrySources].reduce((sum, s) => sum + s.stats[key], 0) }];
    scraped(r, 'slipway_telemetry_queue_depth', 'Telemetry records queued in memory, waiting to be written.', 'gauge', telemetry('queued'));
    scraped(r, 'slipway_telemetry_dropped_total', 'Telemetry records dropped because the queue was full (the database far behind).', 'counter', telemetry('dropped'));
    scraped(r, 'slipway_telemetry_written_total', 'Telemetry records written to the database.', 'counter', telemetry('written'));
    scraped(r, 'slipway_telemetry_failed_writes_total', 'Telemetry batch writes that failed (and were retried).', 'counter', telemetry('failedWrites'));
    scraped(r, 'slipway_telemetry_rejected_total', 'Telemetry records the database refused on their own (a bad value), set aside.', 'counter', telemetry('rejected'));

    scraped(r, 'slipway_executor_runs_finished_total', 'Function runs the embedded executor ended, by function and status (completed, failed, cancelled).', 'counter', () =>
      [...this.executorRuns].map(([key, n]) => {
        const [fn, status] = key.split('\n') as [string, string];
        return { labels: { function: fn, status }, value: n };
      }),
    );
    scraped(r, 'slipway_executor_runs_in_flight', 'Function runs the embedded executor is calling now.', 'gauge', () => (this.executorInFlight ? [{ labels: {}, value: this.executorInFlight() }] : []));
    scraped(r, 'slipway_rollouts', 'Rollouts in each status, by service and environment (awaiting-approval, waiting, running and paused are in progress).', 'gauge', async () =>
      (this.rolloutStates ? await this.rolloutStates() : []).map((s) => ({ labels: { service: s.service, environment: s.environment, status: s.status }, value: s.count })),
    );
  }

  /** Counts one gateway request (or shadow request) once its telemetry is complete. */
  observeRequest(o: TrafficObservation): void {
    const cell = this.cell(o.serviceId, o.environment, o.releaseNumber ?? 0, o.shadow === true);
    cell.requests += 1;
    if (o.status !== 200) {
      const cls = o.errorClass ?? 'other';
      cell.errors.set(cls, (cell.errors.get(cls) ?? 0) + 1);
    }
    if (o.endpoint !== 'embeddings') cell.latency.observe(o.latencyMs / 1000);
    if (o.stream && o.ttftMs != null) cell.ttft.observe(o.ttftMs / 1000);
    cell.inputTokens += o.inputTokens ?? 0;
    cell.outputTokens += o.outputTokens ?? 0;
    cell.costUsd += o.costUsd ?? 0;
  }

  /** Counts a request the gateway refused before routing it (it has no service or release to speak of). */
  observeRefused(code: string): void {
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }

  /** The refused counts since the last call, reset: a gateway worker sends them to its main process, which serves the metrics. */
  takeRefused(): [string, number][] {
    const out = [...this.refused];
    this.refused.clear();
    return out;
  }

  /** Adds refused counts a gateway worker reported. */
  addRefused(counts: [string, number][]): void {
    for (const [code, n] of counts) this.refused.set(code, (this.refused.get(code) ?? 0) + n);
  }

  private cell(serviceId: string, environment: string, release: number, shadow: boolean): TrafficCell {
    let envs = this.traffic.get(serviceId);
    if (!envs) this.traffic.set(serviceId, (envs = new Map()));
    let releases = envs.get(environment);
    if (!releases) envs.set(environment, (releases = new Map()));
    const key = shadow ? -1 - release : release;
    let cell = releases.get(key);
    if (!cell) {
      const labels = { service: this.serviceName(serviceId) ?? serviceId, environment, release: release ? String(release) : 'none', shadow: String(shadow) };
      cell = { labels, requests: 0, errors: new Map(), latency: new Buckets(LATENCY_BUCKETS_S), ttft: new Buckets(TTFT_BUCKETS_S), inputTokens: 0, outputTokens: 0, costUsd: 0 };
      releases.set(key, cell);
    }
    return cell;
  }

  watchTelemetry(source: TelemetrySource): () => void {
    this.telemetrySources.add(source);
    return () => this.telemetrySources.delete(source);
  }

  observeRunEnd(functionId: string, status: 'completed' | 'failed' | 'cancelled'): void {
    const key = `${functionId}\n${status}`;
    this.executorRuns.set(key, (this.executorRuns.get(key) ?? 0) + 1);
  }

  watchExecutor(inFlight: () => number): void {
    this.executorInFlight = inFlight;
  }

  /** Where the rollouts' states come from (a database query, run at each scrape). */
  watchRollouts(states: () => Promise<RolloutStateCount[]>): void {
    this.rolloutStates = states;
  }

  async exposition(): Promise<string> {
    return this.registry.metrics();
  }
}

const KEY = Symbol.for('slipway.metrics');
const holder = globalThis as { [KEY]?: Metrics };

/** The process's metrics. */
export function metrics(): Metrics {
  holder[KEY] ??= new Metrics();
  return holder[KEY];
}

export const METRICS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE;
