// The contract between the eval runner and the types of suite it runs (eval, safety, injection, data-quality):
// a type says what its YAML block holds, which cases a run has, how one answer is scored, and how the results of
// both arms become a summary and a verdict. The runner keeps everything else the same for every type: chunks
// that resume, the response cache, concurrency per upstream, the budget, live counters and the gate result.
import type { z } from 'zod';
import type { Db } from '@/db/client';
import type { AssertionOutcome, Environment, EvalSuiteSpec, Json, PromptMessage, PromptVariable, SuiteType } from '@/db/schema';
import type { AssertionContext, CaseScore, EvalCase, ModelOutput } from '../types';
import type { RunSummary } from '../types';

/** A prompt version of the release a run calls, as a suite type that builds cases against it sees it. */
export interface ReleasePrompt {
  /** The prompt's name (a case renders the one its metadata.prompt names, else the first by name). */
  name: string;
  version: number;
  messages: PromptMessage[];
  variables: PromptVariable[];
  responseSchema: Record<string, Json> | null;
}

/** The request about to be sent for a case: the upstream body and the messages it carries. */
export interface RenderedRequest {
  payload: Record<string, unknown>;
  messages: { role: string; content: unknown }[];
}

export interface CasesQuery {
  serviceId: string;
  spec: EvalSuiteSpec;
  /** The cases of the suite's dataset version, in order; empty when the suite names none. */
  dataset: EvalCase[];
  /** The prompts of the release under test (the candidate). */
  prompts: ReleasePrompt[];
  environmentId: string | null;
  /** When the run was created (absent while it is planned: now): cases read from live data (kept samples) stop there, so every call gives the same list. */
  asOf?: Date;
}

/** One case's result on one arm, as the runner stored it. */
export interface KindResult {
  caseIndex: number;
  arm: 'candidate' | 'baseline';
  output: string | null;
  error: string | null;
  score: number;
  pass: boolean;
  outcomes: AssertionOutcome[];
  detail: Json | null;
  costUsd: number;
  latencyMs: number | null;
}

export interface SummariseQuery {
  spec: EvalSuiteSpec;
  cases: EvalCase[];
  results: KindResult[];
  env: Environment | undefined;
  /** The baseline release's number when the run has a baseline arm. */
  baselineRelease: number | null;
}

/** A row's verdict from a type that calls no model. */
export interface EvaluatedCase {
  caseIndex: number;
  score: number;
  pass: boolean;
  outcomes: AssertionOutcome[];
  detail?: Json;
}

export interface KindEngine<S = unknown> {
  type: SuiteType;
  /** Says in a few words what a suite of this type checks (editor help, CLI). */
  summary: string;
  /**
   * The type's block of the YAML (`safety:`, `injection:`, `dataQuality:`), with defaults; null for eval, which has
   * none. Problems are reported at their line, under the block's key.
   */
  settings: { key: string; schema: z.ZodType<S> } | null;
  datasetRequired: boolean;
  assertionsRequired: boolean;
  /** Whether the type scores answers with the suite's `assertions` at all (false: a suite listing some is refused). */
  usesAssertions: boolean;
  /** Whether the run calls the release (and a baseline arm); false: `evaluate` decides every case at once. */
  callsModel: boolean;
  /**
   * Every case of a run, in order: called when the run is planned and by each chunk, so it must give the same
   * list for the same suite version, dataset and release. It may read the database (attack datasets, samples).
   */
  cases(db: Db, q: CasesQuery): Promise<EvalCase[]>;
  /** Changes a case's rendered request before it is sent and before its cache key is taken (a canary in the system message). */
  rewrite?(req: RenderedRequest, testCase: EvalCase, spec: EvalSuiteSpec): RenderedRequest;
  /** Scores one answer on one arm; `detail` is kept with the result. */
  score(spec: EvalSuiteSpec, testCase: EvalCase, output: ModelOutput, ctx: AssertionContext): Promise<CaseScore & { detail?: Json }>;
  /** Types that call no model: the verdict of every case. */
  evaluate?(db: Db, q: CasesQuery & { cases: EvalCase[] }): Promise<EvaluatedCase[]>;
  /** The run's summary (with `checks` or `categories` where the type has them) and verdict, and the p-value the gate result records. */
  summarise(q: SummariseQuery): { summary: RunSummary; pValue: number | null };
}
