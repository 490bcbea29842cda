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

/** `rolloutId`: the step started a rollout and ends with it (the run waits for the rollout, then settles the step). */
export type StepOutcome = { status: 'passed' | 'failed' | 'skipped'; outputs: Record<string, unknown>; error?: string; rolloutId?: string };
