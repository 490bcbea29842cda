// The contracts between the parts of the eval gates: assertions score one output of one case, the statistics
// turn the paired case scores of a candidate and its baseline into a run summary and a verdict, and the runner
// calls the release exactly as the gateway would.
import type { AssertionOutcome, AssertionSpec, CaseInput, CaseMessage, GateRule, RunSummary } from '@/db/schema';
import type { Json } from '@/db/schema';

/** A case as assertions see it. */
export interface EvalCase {
  index: number;
  input: CaseInput;
  expected: string | null;
  tags: string[];
  metadata: Record<string, Json>;
}

/** What the release answered for one case (or the cache did). */
export interface ModelOutput {
  content: string;
  finishReason: string | null;
  latencyMs: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** Services an assertion may need; each is absent when not configured. */
export interface AssertionContext {
  /** Calls a judge model version registered in Slipway (`grader@1`) with messages; returns its answer text. */
  judge?: (modelVersionRef: string, messages: CaseMessage[]) => Promise<string>;
  /** Embeds texts through a configured embeddings endpoint. */
  embed?: (texts: string[]) => Promise<number[][]>;
  /** Asks the OpenAI-compatible /moderations endpoint of a registered model version (`moderator@1`) about a text. */
  moderate?: (modelVersionRef: string, text: string) => Promise<ModerationVerdict>;
  signal?: AbortSignal;
}

/** A moderation endpoint's verdict on one text: flagged, and the categories it was flagged for. */
export interface ModerationVerdict {
  flagged: boolean;
  categories: string[];
}

/** A case's score on one arm: the weighted mean of its assertions' scores, and pass when it reaches the suite's threshold. */
export interface CaseScore {
  score: number;
  pass: boolean;
  outcomes: AssertionOutcome[];
}

/** Per-case input of the statistics: the same case on both arms (baseline absent when there is none). */
export interface PairedCase {
  caseIndex: number;
  candidate: ArmCase;
  baseline: ArmCase | null;
}
export interface ArmCase {
  score: number;
  pass: boolean;
  /** The call failed after its retries. */
  error: boolean;
  costUsd: number;
  latencyMs: number | null;
  /** Score per named metric (the assertions' `metric`, or their type). */
  metrics: Record<string, number>;
}

export interface SummaryOptions {
  /** The suite's rule with minScore resolved (the environment's minEvalScore when the suite leaves it null). */
  rule: GateRule;
  baselineRelease: number | null;
}

export type { AssertionOutcome, AssertionSpec, RunSummary };
