// A rollout from request to end, as a sequence of durable calls: approval, wait timer, then each step of its
// plan with its bake and analysis. Decisions come only from what those calls returned (memoized by the
// workflow engine), so a replay after a restart takes the same path and repeats nothing already done.
import type { Db } from '@/db/client';
import { applyStep, approvalGate, checkStep, completeRollout, PAUSED_RECHECK_MS, prepareContainers, smokeCheck, smokeTestsAfterStep, startRollout, waitTimerLeft } from './engine';

export interface Flow {
  run<T>(id: string, fn: () => Promise<T>): Promise<T>;
  sleep(id: string, ms: number): Promise<void>;
  /** Waits until the rollout is signalled (a decision, pause, resume, abort…) or `ms` passes. */
  waitForSignal(id: string, rolloutId: string, ms: number): Promise<void>;
}

/**
 * A signal sent while the function is between steps is not seen by its next wait, so waits with no known end
 * (approval, pause) look again soon and back off: 5 s, 10 s, 20 s… up to `cap`.
 */
export const backoff = (attempt: number, cap: number) => Math.min(cap, 5_000 * 2 ** Math.min(attempt, 20));

export async function orchestrateRollout(db: Db, id: string, flow: Flow): Promise<{ status: string }> {
  for (let i = 0; ; i++) {
    const gate = await flow.run(`approval-${i}`, () => approvalGate(db, id));
    if (gate.state === 'ended') return { status: gate.status };
    if (gate.state === 'approved') break;
    await flow.waitForSignal(`approval-wait-${i}`, id, Math.min(gate.waitMs, backoff(i, gate.waitMs)));
  }
  const timer = await flow.run('wait-timer', () => waitTimerLeft(db, id));
  if (timer.ms > 0) await flow.sleep('wait-timer-sleep', timer.ms);
  const started = await flow.run('start', () => startRollout(db, id));
  if (started.ended) return { status: started.status };

  for (let index = 0; index < started.steps; index++) {
    let applied = false;
    for (let a = 0; !applied; a++) {
      // In a Docker environment the candidate's replicas run and are healthy before any routing change.
      const prepared = await flow.run(`step-${index}-containers-${a}`, () => prepareContainers(db, id, index));
      if (!prepared.ok) return { status: prepared.status };
      const result = await flow.run(`step-${index}-apply-${a}`, () => applyStep(db, id, index));
      if (result.action === 'ended') return { status: result.status };
      if (result.action === 'promote') break;
      if (result.action === 'paused') {
        await flow.waitForSignal(`step-${index}-paused-${a}`, id, backoff(a, PAUSED_RECHECK_MS));
        continue;
      }
      applied = true;
      if (result.smoke) {
        const smoke = await flow.run(`step-${index}-smoke`, () => smokeCheck(db, id));
        if (!smoke.ok) return { status: 'rolled-back' };
      }
      // The environment's own smoke tests (production checks), through the gateway, when they run after rollouts.
      await flow.run(`step-${index}-smoke-tests`, () => smokeTestsAfterStep(db, id, index));
    }
    let promote = !applied;
    for (let c = 0, pausedWaits = 0; applied && !promote; c++) {
      const tick = await flow.run(`step-${index}-check-${c}`, () => checkStep(db, id, index));
      if (tick.action === 'ended') return { status: tick.status };
      if (tick.action === 'next') break;
      if (tick.action === 'promote') promote = true;
      else if (tick.action === 'paused') await flow.waitForSignal(`step-${index}-wait-${c}`, id, backoff(pausedWaits++, PAUSED_RECHECK_MS));
      else {
        pausedWaits = 0;
        await flow.waitForSignal(`step-${index}-wait-${c}`, id, tick.waitMs);
      }
    }
    // Promote-now (only ever reported before the last step): the next move is the last one, all traffic to the
    // candidate with old releases retired.
    if (promote) index = started.steps - 2;
  }
  return flow.run('complete', () => completeRollout(db, id));
}
