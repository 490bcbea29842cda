// The judge model-graded assertions ask (`grader@1`): a model version registered in Slipway, called as an eval
// call is (the service's key scope, the outbound policy, the response cache), prepared as eval runs prepare it.
import type { Db } from '@/db/client';
import type { CaseMessage } from '@/db/schema';
import { callPrepared, type PreparedTarget } from '@/server/evals/call';
import type { AssertionContext } from '@/server/evals/types';
import { preparedJudge } from './shared';

export function judgeFor(db: Db, serviceId: string): NonNullable<AssertionContext['judge']> {
  const targets = new Map<string, Promise<PreparedTarget>>();
  const targetOf = (ref: string) => {
    let t = targets.get(ref);
    if (!t) targets.set(ref, (t = preparedJudge(db, serviceId, ref)));
    return t;
  };
  return async (ref: string, messages: CaseMessage[]) => {
    const prepared = await targetOf(ref);
    const { output } = await callPrepared(db, prepared, { index: 0, input: { messages }, expected: null, tags: [], metadata: {} });
    return output.content;
  };
}
