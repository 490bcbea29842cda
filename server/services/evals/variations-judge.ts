// The judge model-graded assertions ask (`grader@1`): a model version registered in Slipway, called as an eval
// call is (the service's key scope, the outbound policy, the response cache), at temperature 0 so that the same
// question gets the same verdict.
import type { Db } from '@/db/client';
import type { CaseMessage } from '@/db/schema';
import { callPrepared, prepareTarget, type PreparedTarget } from '@/server/evals/call';
import type { AssertionContext } from '@/server/evals/types';
import { resolveModelVersion } from '../models/queries';
import { parseRef } from '../registry-shared';

export function judgeFor(db: Db, serviceId: string): NonNullable<AssertionContext['judge']> {
  const targets = new Map<string, Promise<PreparedTarget>>();
  const targetOf = (ref: string) => {
    let t = targets.get(ref);
    if (!t) {
      t = (async () => {
        const r = parseRef(ref, 'provider');
        const found = await resolveModelVersion(db, r.name, r);
        return prepareTarget(db, { modelVersionId: found.row.id, promptVersionIds: [], params: { temperature: 0 }, serviceId });
      })();
      targets.set(ref, t);
    }
    return t;
  };
  return async (ref: string, messages: CaseMessage[]) => {
    const prepared = await targetOf(ref);
    const { output } = await callPrepared(db, prepared, { index: 0, input: { messages }, expected: null, tags: [], metadata: {} });
    return output.content;
  };
}
