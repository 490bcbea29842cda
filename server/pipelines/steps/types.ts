// What a step implementation receives and returns.
import type { Db } from '@/db/client';
import type { PipelineRun, PipelineStepDef, Service } from '@/db/schema';

export interface StepContext {
  db: Db;
  run: PipelineRun;
  service: Service;
  step: PipelineStepDef;
  /** The candidate release under test. */
  release: { id: string; number: number };
  log: (line: string) => void;
  signal: AbortSignal;
}

/**
 * `rolloutId`: the step started a rollout and ends with it (the run waits for the rollout, then settles the step).
 * `evalRunIds`: the step started eval runs and ends with them, the same way.
 */
export type StepOutcome = { status: 'passed' | 'failed' | 'skipped'; outputs: Record<string, unknown>; error?: string; rolloutId?: string; evalRunIds?: string[] };
