// What a run will cost before it starts: every case rendered on every arm as it will be sent, the calls whose
// answer is already in the response cache (free), and for the rest the price of the tokens: input counted with the
// gateway's tokenizer, output guessed from what the model version answered before (else the request's max_tokens,
// else a default), judge calls of model-graded assertions priced the same way.
import { inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalCache, type AssertionSpec, type Release } from '@/db/schema';
import { countMessageTokens } from '@/server/gateway/tokenizer';
import { invalid } from '@/server/errors';
import { preparedJudge, releaseCallTarget } from './shared';
import { cacheKey, caseRequest, EvalCallError, prepareTarget, typicalOutputTokens, type PreparedTarget } from '@/server/evals/call';
import type { RenderedRequest } from '@/server/evals/kinds';
import type { EvalCase } from '@/server/evals/types';

/** Output tokens assumed for a model version that has never answered an eval and sets no max_tokens. */
export const DEFAULT_OUTPUT_TOKENS = 256;
/** A judge's prompt wraps the question and the answer in its rubric (about this many tokens), and answers briefly. */
const JUDGE_OVERHEAD_TOKENS = 200;
const JUDGE_OUTPUT_TOKENS = 100;

export interface RunEstimate {
  cases: number;
  /** Model calls in all: cases × arms. */
  totalCalls: number;
  /** Calls the run will make (not in the cache). */
  calls: number;
  /** Calls the cache answers. */
  cachedCalls: number;
  /** Cases that cannot be rendered for an arm (they score 0 with the reason, and cost nothing). */
  unrenderable: number;
  costUsd: number;
}

function maxTokensOf(payload: Record<string, unknown>): number | null {
  const v = payload.max_completion_tokens ?? payload.max_tokens;
  return typeof v === 'number' && v > 0 ? v : null;
}

const price = (t: PreparedTarget, input: number, output: number) => (input * t.target.priceInputPer1M + output * t.target.priceOutputPer1M) / 1_000_000;

export async function estimateRun(
  db: Db,
  input: { serviceId: string; cases: EvalCase[]; assertions: AssertionSpec[]; candidate: Release; baseline: Release | null; rewrite?: (req: RenderedRequest, testCase: EvalCase) => RenderedRequest },
): Promise<RunEstimate> {
  const judges: PreparedTarget[] = [];
  for (const [i, spec] of input.assertions.entries()) {
    if (typeof spec.judge !== 'string') continue;
    try {
      judges.push(await preparedJudge(db, input.serviceId, spec.judge));
    } catch (err) {
      throw invalid(`assertions[${i}].judge`, `${spec.judge}: ${(err as Error).message}`);
    }
  }
  const out: RunEstimate = { cases: input.cases.length, totalCalls: 0, calls: 0, cachedCalls: 0, unrenderable: 0, costUsd: 0 };
  for (const release of [input.candidate, input.baseline]) {
    if (!release) continue;
    const prepared = await prepareTarget(db, await releaseCallTarget(db, release), { id: release.id, number: release.number });
    const typical = await typicalOutputTokens(db, release.modelVersionId);
    const planned: { key: string; messages: { role: string; content: unknown }[]; maxTokens: number | null }[] = [];
    for (const c of input.cases) {
      out.totalCalls += 1;
      try {
        const rendered = caseRequest(prepared, c);
        const { payload, messages } = input.rewrite ? input.rewrite(rendered, c) : rendered;
        planned.push({ key: cacheKey(release.modelVersionId, payload), messages, maxTokens: maxTokensOf(payload) });
      } catch (err) {
        if (!(err instanceof EvalCallError)) throw err;
        out.unrenderable += 1;
      }
    }
    const cached = new Set<string>();
    for (let i = 0; i < planned.length; i += 500) {
      const keys = planned.slice(i, i + 500).map((p) => p.key);
      for (const row of await db.select({ key: evalCache.key }).from(evalCache).where(inArray(evalCache.key, keys))) cached.add(row.key);
    }
    for (const p of planned) {
      if (cached.has(p.key)) {
        out.cachedCalls += 1;
        continue;
      }
      out.calls += 1;
      const inputTokens = await countMessageTokens(p.messages);
      const outputTokens = Math.min(typical ?? p.maxTokens ?? DEFAULT_OUTPUT_TOKENS, p.maxTokens ?? Infinity);
      out.costUsd += price(prepared, inputTokens, outputTokens);
      for (const judge of judges) out.costUsd += price(judge, inputTokens + outputTokens + JUDGE_OVERHEAD_TOKENS, JUDGE_OUTPUT_TOKENS);
    }
  }
  return out;
}
