// The suite types a run can be, by name. A suite's spec says its type (absent: eval, as suites were saved before
// the other types existed).
import type { EvalSuiteSpec, SuiteType } from '@/db/schema';
import { dataQualityKind } from '../data-quality/engine';
import { injectionEngine } from '../injection/engine';
import { safetyKind } from '../safety';
import { evalKind } from './eval';
import type { KindEngine } from './types';

const ENGINES: Partial<Record<SuiteType, KindEngine>> = {
  eval: evalKind,
  'data-quality': dataQualityKind,
  injection: injectionEngine as KindEngine,
  safety: safetyKind as KindEngine,
};

export const suiteTypeOf = (spec: Pick<EvalSuiteSpec, 'type'>): SuiteType => spec.type ?? 'eval';

/** The types that can run; a gate of another type cannot pass until its engine exists. */
export const RUNNABLE_SUITE_TYPES: readonly SuiteType[] = Object.keys(ENGINES) as SuiteType[];

export function kindOf(type: SuiteType): KindEngine {
  const engine = ENGINES[type];
  if (!engine) throw new Error(`suites of type ${type} cannot run yet`);
  return engine;
}

export const engineOf = (spec: Pick<EvalSuiteSpec, 'type'>) => kindOf(suiteTypeOf(spec));

export type { KindEngine, KindResult, CasesQuery, ReleasePrompt, RenderedRequest, EvaluatedCase, SummariseQuery } from './types';
