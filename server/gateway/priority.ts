// CPU priority between the app's process and its gateway workers. On a machine with few cores the app's own work
// (minute rollups over the raw telemetry, drift reports, the embedded database's writes, server-rendered pages)
// competes with the workers for the same cores, and a request waiting for a core shows up in the gateway's tail
// latency. Once the workers run, the app's process lowers its own priority (a nice increment), so the scheduler
// runs a worker that has a request first; when the workers are idle, the app's process has the cores to itself.
// On Linux a priority belongs to each thread and a new thread or child process takes its creator's, so every
// thread is changed, and a worker started later (a replacement) puts its own back to the priority the app had
// before, which needs the right to raise one (root, or CAP_SYS_NICE); without it the replacement runs at the
// app's lowered priority.
import { readdirSync } from 'node:fs';
import os from 'node:os';

/** The nice increment the app's process takes when SLIPWAY_APP_NICE is unset and workers serve the gateway. */
export const DEFAULT_APP_NICE = 10;

/** Sets this process's priority on every thread (Linux), else on the process; false when it may not. */
function setOwnPriority(priority: number): boolean {
  let tids: number[] = [];
  try {
    tids = readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    // not Linux: the process's priority is one value
  }
  try {
    if (tids.length) for (const tid of tids) os.setPriority(tid, priority);
    else os.setPriority(0, priority);
    return true;
  } catch {
    return false;
  }
}

/** Lowers this process's priority by `increment`; the priority now, or null when unchanged. */
export function lowerOwnPriority(increment: number): number | null {
  if (increment <= 0) return null;
  const target = Math.min(19, os.getPriority(0) + increment);
  return setOwnPriority(target) ? target : null;
}

/**
 * In a gateway worker: takes back `priority` (the app's before it lowered its own) when it started lower, as a
 * replacement forked after the change does. True when it runs at `priority` afterwards.
 */
export function restorePriority(priority: number): boolean {
  return os.getPriority(0) <= priority || setOwnPriority(priority);
}
