// The windows a drift report compares: which span of an environment's traffic (or which dataset) is the
// reference, which is the current one, and reading their requests — answered user traffic only (status 200, not
// shadow, not a smoke test), evenly sampled down to `maxRows` — into per-feature samples and texts.
import { and, desc, eq, isNotNull, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environmentHistory, requestLogs, type CaseInput, type DriftReference, type DriftWindow, type Environment, type RequestFeatures } from '@/db/schema';
import type { FeatureKind, FeatureSamples } from '@/server/drift';
import { countMessageTokens } from '@/server/gateway/tokenizer';
import { parseInstant } from '@/server/lib/instant';
import { casesOf, resolveDatasetVersion } from '../datasets/resolve';
import { rowsOf } from '../monitoring/read';

/** The conditions that keep user traffic: answered, not shadow, not synthetic (smoke tests), with a text answer (not embeddings). */
export function liveTraffic(): SQL[] {
  return [eq(requestLogs.status, 200), eq(requestLogs.shadow, false), eq(requestLogs.synthetic, false), ne(requestLogs.endpoint, 'embeddings')];
}

/** One request as drift reads it. */
export interface WindowRow {
  requestId: string;
  at: Date;
  releaseId: string | null;
  releaseNumber: number | null;
  /** Null when recounted from an input text a row did not keep (see recountedInputTokens). */
  inputTokens: number | null;
  outputTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  costUsd: number;
  finishReason: string | null;
  refusal: boolean | null;
  jsonValid: boolean | null;
  feedback: number | null;
  input: string | null;
  output: string | null;
}

export interface WindowData {
  window: DriftWindow;
  rows: WindowRow[];
  /** Only the input side is known (a dataset's cases). */
  inputsOnly: boolean;
  /**
   * The rows text drift reads: the window's requests that kept a sample, spread evenly over it on their own (a
   * sample of all requests would hold only samplePercent of them); `rows` when absent (a dataset's cases).
   */
  textRows?: WindowRow[];
}

interface RawRow {
  request_id: string;
  at: string | Date;
  release_id: string | null;
  release_number: number | null;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  ttft_ms: number | null;
  stream: boolean;
  cost_usd: number;
  features: RequestFeatures | string;
  sample: { input: string; output: string } | string | null;
  feedback: number | string | null;
  total: number | string;
}

const parseJson = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

export interface TrafficFilter {
  serviceId: string;
  environment: string;
  from: Date;
  to: Date;
  releaseId?: string | null;
  maxRows: number;
  /** Only requests that kept an input/output sample. */
  sampledOnly?: boolean;
}

/**
 * The query `readTraffic` runs. Only the keys (id, at) are numbered and counted over the whole window: a window
 * can hold hundreds of thousands of rows, and carrying their features and samples through the window function's
 * sort would move all of them to keep `maxRows`. The chosen keys are joined back to their rows (by the primary
 * key) and only those rows' wide columns and feedback are read.
 */
export function trafficQuery(f: TrafficFilter): SQL {
  const where = and(
    eq(requestLogs.serviceId, f.serviceId),
    eq(requestLogs.environment, f.environment),
    sql`${requestLogs.at} >= ${f.from.toISOString()}::timestamptz`,
    sql`${requestLogs.at} < ${f.to.toISOString()}::timestamptz`,
    f.releaseId ? eq(requestLogs.releaseId, f.releaseId) : undefined,
    f.sampledOnly ? isNotNull(requestLogs.sample) : undefined,
    ...liveTraffic(),
  );
  const max = f.maxRows;
  // Row n is kept when floor(n·max/total) steps up: exactly min(max, total) rows, evenly spaced.
  return sql`select r.request_id, r.at, r.release_id, r.release_number, r.input_tokens, r.output_tokens, r.latency_ms, r.ttft_ms,
      r.stream, r.cost_usd, r.features, r.sample, k.total,
      (select avg(fb.score)::float8 from feedback fb where fb.request_id = r.request_id and fb.service_id = ${f.serviceId}) as feedback
    from (
      select n.id, n.at, n.rn, n.total from (
        select id, at, row_number() over (order by at, id) as rn, count(*) over () as total
        from ${requestLogs} where ${where}
      ) n
      where floor(n.rn * ${max}::float8 / n.total) > floor((n.rn - 1) * ${max}::float8 / n.total)
    ) k
    join ${requestLogs} r on r.id = k.id and r.at = k.at
    order by k.at, k.rn`;
}

/** A window of live traffic: its rows for the columns and, read apart, its requests that kept a sample for the texts. */
export async function readWindow(db: Db, f: TrafficFilter): Promise<{ rows: WindowRow[]; textRows: WindowRow[]; total: number }> {
  const all = await readTraffic(db, f);
  const sampled = await readTraffic(db, { ...f, sampledOnly: true });
  return { rows: all.rows, textRows: sampled.rows, total: all.total };
}

/** The releases that answered live requests in [from, to): every arm, however few requests it had. */
export async function windowArms(db: Db, f: Omit<TrafficFilter, 'maxRows' | 'releaseId' | 'sampledOnly'>): Promise<{ releaseId: string; releaseNumber: number | null }[]> {
  const rows = await db
    .selectDistinct({ releaseId: requestLogs.releaseId, releaseNumber: requestLogs.releaseNumber })
    .from(requestLogs)
    .where(
      and(
        eq(requestLogs.serviceId, f.serviceId),
        eq(requestLogs.environment, f.environment),
        sql`${requestLogs.at} >= ${f.from.toISOString()}::timestamptz`,
        sql`${requestLogs.at} < ${f.to.toISOString()}::timestamptz`,
        isNotNull(requestLogs.releaseId),
        ...liveTraffic(),
      ),
    );
  return rows.filter((r): r is { releaseId: string; releaseNumber: number | null } => r.releaseId !== null);
}

/**
 * The live requests of [from, to) in an environment (one release's only when `releaseId`), at most `maxRows` of
 * them spread evenly over the window in arrival order, with the request's feedback score (the mean when it got
 * several) and its kept sample.
 */
export async function readTraffic(db: Db, f: TrafficFilter): Promise<{ rows: WindowRow[]; total: number }> {
  const result = await db.execute(trafficQuery(f));
  const raw = rowsOf<RawRow>(result);
  const rows = raw.map((r): WindowRow => {
    const features = parseJson(r.features);
    const sample = r.sample === null ? null : parseJson(r.sample);
    return {
      requestId: r.request_id,
      at: new Date(r.at),
      releaseId: r.release_id,
      releaseNumber: r.release_number,
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      latencyMs: Number(r.latency_ms),
      ttftMs: r.stream && r.ttft_ms !== null ? Number(r.ttft_ms) : null,
      costUsd: Number(r.cost_usd),
      finishReason: features?.finishReason ?? null,
      refusal: typeof features?.refusal === 'boolean' ? features.refusal : null,
      jsonValid: typeof features?.json === 'boolean' ? features.json : null,
      feedback: r.feedback === null ? null : Number(r.feedback),
      input: sample?.input ?? null,
      output: sample?.output ?? null,
    };
  });
  return { rows, total: raw.length ? Number(raw[0]!.total) : 0 };
}

/** A case's input as text: its messages' contents, or its variables' values, one per line. */
export function caseInputText(input: CaseInput): string {
  if (input.messages?.length) return input.messages.map((m) => m.content).join('\n');
  return Object.values(input.variables ?? {})
    .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    .join('\n');
}

/**
 * The release that served most of the environment's traffic at `at` (the largest weight of the history entry in
 * force then), and since when it had served without a break.
 */
export async function servingRelease(db: Db, environmentId: string, at: Date): Promise<{ releaseId: string; releaseNumber: number; since: Date } | null> {
  const history = await db
    .select()
    .from(environmentHistory)
    .where(and(eq(environmentHistory.environmentId, environmentId), lte(environmentHistory.at, at)))
    .orderBy(desc(environmentHistory.at), desc(environmentHistory.id))
    .limit(500);
  const inForce = history[0];
  if (!inForce || inForce.routes.length === 0) return null;
  // Ties go to the release that has served longer (the lower number): a 50/50 split keeps its stable reference.
  const top = [...inForce.routes].sort((a, b) => b.weight - a.weight || a.releaseNumber - b.releaseNumber)[0];
  if (!top || top.weight <= 0) return null;
  let since = inForce.at;
  for (const entry of history) {
    if (!entry.routes.some((r) => r.releaseId === top.releaseId && r.weight > 0)) break;
    since = entry.at;
  }
  return { releaseId: top.releaseId, releaseNumber: top.releaseNumber, since };
}

const hoursLabel = (h: number) => (h % 24 === 0 && h >= 48 ? `${h / 24} days` : `${h} h`);

/** Where the reference window lies, as settings and history say now; `resolved` is the reference with a dataset's version filled in. */
export async function referenceSpan(
  db: Db,
  env: Environment,
  reference: DriftReference,
  now: Date,
): Promise<{ kind: DriftReference['kind']; from: Date; to: Date; label: string; resolved: DriftReference; datasetVersionId?: string }> {
  if (reference.kind === 'release-start') {
    const serving = await servingRelease(db, env.id, now);
    if (!serving) throw new Error(`no release served ${env.name} at ${now.toISOString()}, so there is no release-start reference; deploy a release or choose a period or dataset reference`);
    const to = new Date(Math.min(serving.since.getTime() + reference.hours * 3_600_000, now.getTime()));
    return { kind: 'release-start', from: serving.since, to, label: `first ${hoursLabel(reference.hours)} of release #${serving.releaseNumber}`, resolved: reference };
  }
  if (reference.kind === 'period') {
    // Read as the settings schema reads them (no zone → UTC), also for a period stored before it stored UTC instants.
    const [from, to] = [reference.from, reference.to].map((t) => new Date(parseInstant(t) ?? Date.parse(t))) as [Date, Date];
    return { kind: 'period', from, to, label: `${reference.from} – ${reference.to}`, resolved: reference };
  }
  const version = await resolveDatasetVersion(db, env.serviceId, reference.dataset, reference.version ?? 'latest');
  return {
    kind: 'dataset',
    from: version.createdAt,
    to: version.createdAt,
    label: `dataset ${reference.dataset} v${version.version}`,
    resolved: { kind: 'dataset', dataset: reference.dataset, version: version.version },
    datasetVersionId: version.id,
  };
}

/**
 * Tokens of an input text, counted here as one user message. Against a dataset both windows are counted this way —
 * the cases' text and the kept samples' input text — since a provider's live count also holds the release's
 * rendered prompt and would read as drift on its own.
 */
export function inputTextTokens(text: string): Promise<number> {
  return countMessageTokens([{ role: 'user', content: text }]);
}

/** Live rows with input_tokens recounted from their kept input text (null without one), to compare with a dataset's. */
export async function recountedInputTokens(rows: WindowRow[]): Promise<WindowRow[]> {
  return Promise.all(rows.map(async (r) => ({ ...r, inputTokens: r.input && r.input.trim() ? await inputTextTokens(r.input) : null })));
}

/** A dataset version's cases as window rows: input text and the tokens of that text (inputTextTokens). */
export async function readDatasetRows(db: Db, datasetVersionId: string, maxRows: number): Promise<WindowRow[]> {
  const cases = await casesOf(db, datasetVersionId);
  const step = Math.max(1, cases.length / maxRows);
  const picked: typeof cases = [];
  for (let i = 0; picked.length < Math.min(maxRows, cases.length); i += step) picked.push(cases[Math.floor(i)]!);
  const rows: WindowRow[] = [];
  for (const c of picked) {
    const text = caseInputText(c.input);
    rows.push({
      requestId: `case:${c.index}`,
      at: new Date(0),
      releaseId: null,
      releaseNumber: null,
      inputTokens: await inputTextTokens(text),
      outputTokens: 0,
      latencyMs: 0,
      ttftMs: null,
      costUsd: 0,
      finishReason: null,
      refusal: null,
      jsonValid: null,
      feedback: null,
      input: text,
      output: null,
    });
  }
  return rows;
}

/** The features a report tests, how each is read from a request, and its kind. */
export const FEATURES: { feature: string; kind: FeatureKind; inputSide: boolean; value: (r: WindowRow) => number | string | boolean | null }[] = [
  { feature: 'input_tokens', kind: 'numeric', inputSide: true, value: (r) => r.inputTokens },
  { feature: 'output_tokens', kind: 'numeric', inputSide: false, value: (r) => r.outputTokens },
  { feature: 'latency_ms', kind: 'numeric', inputSide: false, value: (r) => r.latencyMs },
  { feature: 'ttft_ms', kind: 'numeric', inputSide: false, value: (r) => r.ttftMs },
  { feature: 'cost_usd', kind: 'numeric', inputSide: false, value: (r) => r.costUsd },
  { feature: 'refusal', kind: 'binary', inputSide: false, value: (r) => r.refusal },
  { feature: 'json_valid', kind: 'binary', inputSide: false, value: (r) => r.jsonValid },
  { feature: 'finish_reason', kind: 'categorical', inputSide: false, value: (r) => r.finishReason },
  { feature: 'feedback', kind: 'numeric', inputSide: false, value: (r) => r.feedback },
];

/** Per-feature samples of two windows; only input-side features when the reference is a dataset. */
export function featureSamples(reference: WindowData, current: WindowData): FeatureSamples[] {
  return FEATURES.filter((f) => f.inputSide || !reference.inputsOnly).map((f) => ({
    feature: f.feature,
    kind: f.kind,
    reference: reference.rows.map(f.value),
    current: current.rows.map(f.value),
  }));
}

/** The kept texts of a window's requests, one field. */
export function textsOf(data: WindowData, field: 'input' | 'output'): string[] {
  return (data.textRows ?? data.rows).map((r) => r[field]).filter((t): t is string => typeof t === 'string' && t.trim().length > 0);
}
