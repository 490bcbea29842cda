// CPU priority between the app's process and its gateway workers. On a machine with few cores the app's own work
// (minute rollups over the raw telemetry, drift reports, the embedded database's writes, server-rendered pages)
// competes with the workers for the same cores, and a request waiting for a core shows up in the gateway's tail
// latency. Once the workers run, the app's process lowers its own priority (a nice increment), so the scheduler
// runs a worker that has a request first; when the workers are idle, the app's process has the cores to itself.
// On Linux a priority belongs to each thread and a new thread or child process takes its creator's, so every
// thread is changed, and a worker started later (a replacement) puts its own priority back, which needs the
// right to raise one (root, or CAP_SYS_NICE); without it the replacement runs at the app's priority, as before.
import { readdirSync } from 'node:fs';
import os from 'node:os';

/** The nice increment the app's process takes when SLIPWAY_APP_NICE is unset and workers serve the gateway. */
export const DEFAULT_APP_NICE = 10;

function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    return [];
  }
}

/** Lowers this process's priority by `increment` (every thread's, on Linux); returns the priority now, or null when unchanged. */
export function lowerOwnPriority(increment: number): number | null {
  if (increment <= 0) return null;
  const target = Math.min(19, os.getPriority(0) + increment);
  const tids = threadIds();
  try {
    if (tids.length) for (const tid of tids) os.setPriority(tid, target);
    else os.setPriority(0, target);
    return target;
  } catch {
    return null;
  }
}

/**
 * In a gateway worker: takes back the normal priority (0) when it was started by an app's process that had
 * lowered its own. True when the worker runs at normal priority afterwards.
 */
export function restoreNormalPriority(): boolean {
  if (os.getPriority(0) <= 0) return true;
  try {
    const tids = threadIds();
    if (tids.length) for (const tid of tids) os.setPriority(tid, 0);
    else os.setPriority(0, 0);
    return true;
  } catch {
    return false;
  }
}
