// Event ingestion: each event is stored once (a repeated id is a duplicate and does nothing), then cancels the
// runs whose `cancelOn` it matches, starts runs of the functions whose triggers it matches, and ends the waits
// (`step.waitForEvent`) it satisfies. The internal events this produces are ingested in the same transaction.
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorEvents, executorFunctions, executorRuns, executorWaits, type ExecutorFunction } from '@/db/schema';
import { resolveInstant } from './durations';
import { holds } from './expressions';
import { configOf, createRun, endRun } from './lifecycle';
import { INTERNAL_EVENTS, type EventPayload } from './protocol';
import { ACTIVE_STATUSES, isActive, lockRun } from './state';
import { resolveWait } from './waits';

/** Trigger names may end in `*` to match every event with that prefix (`app/user.*`). */
export function eventNameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

export interface IngestResult {
  /** Events stored now (duplicates excluded). */
  stored: string[];
  /** Runs started by them. */
  runs: string[];
}

/** Ingests events inside the caller's transaction. */
export async function ingestEvents(db: Db, events: EventPayload[], now: Date): Promise<IngestResult> {
  const result: IngestResult = { stored: [], runs: [] };
  if (!events.length) return result;
  const functions = await db.select().from(executorFunctions);
  const queue = [...events];
  while (queue.length) {
    const event = queue.shift()!;
    const [stored] = await db
      .insert(executorEvents)
      .values({ id: event.id, name: event.name, data: event.data, user: event.user ?? null, ts: new Date(event.ts), receivedAt: now })
      .onConflictDoNothing()
      .returning({ id: executorEvents.id });
    if (!stored) continue;
    result.stored.push(event.id);
    queue.push(...(await cancelMatchingRuns(db, functions, event, now)));
    result.runs.push(...(await startTriggeredRuns(db, functions, event, now)));
    await resolveMatchingWaits(db, event, now);
  }
  return result;
}

async function startTriggeredRuns(db: Db, functions: ExecutorFunction[], event: EventPayload, now: Date): Promise<string[]> {
  // Invocations are routed by function id, never by trigger.
  if (event.name === INTERNAL_EVENTS.invoked) return [];
  const started: string[] = [];
  for (const fn of functions) {
    const config = configOf(fn);
    const triggered = config.triggers.some((t) => 'event' in t && eventNameMatches(t.event, event.name) && (!t.expression || holds(t.expression, { event })));
    if (!triggered) continue;
    const id = await createRun(db, { fn, event, now });
    if (id) started.push(id);
  }
  return started;
}

async function resolveMatchingWaits(db: Db, event: EventPayload, now: Date): Promise<void> {
  const waits = await db
    .select({ wait: executorWaits, runEvent: executorRuns.event })
    .from(executorWaits)
    .innerJoin(executorRuns, eq(executorRuns.id, executorWaits.runId))
    .where(and(eq(executorWaits.eventName, event.name), isNull(executorWaits.resolvedAt), eq(executorWaits.kind, 'event')))
    .orderBy(asc(executorWaits.id));
  for (const { wait, runEvent } of waits) {
    // `event` is the run's triggering event, `async` the one arriving (as in the SDK's `match` expressions).
    if (wait.condition && !holds(wait.condition, { event: runEvent, async: event })) continue;
    await resolveWait(db, wait, { type: 'data', data: event }, now);
  }
}

async function cancelMatchingRuns(db: Db, functions: ExecutorFunction[], event: EventPayload, now: Date): Promise<EventPayload[]> {
  const emitted: EventPayload[] = [];
  for (const fn of functions) {
    const rules = (configOf(fn).cancel ?? []).filter((c) => eventNameMatches(c.event, event.name));
    if (!rules.length) continue;
    const candidates = await db
      .select({ id: executorRuns.id, event: executorRuns.event, createdAt: executorRuns.createdAt })
      .from(executorRuns)
      .where(and(eq(executorRuns.functionId, fn.id), inArray(executorRuns.status, ACTIVE_STATUSES)));
    for (const candidate of candidates) {
      const rule = rules.find((c) => {
        // A cancellation with a timeout only applies for that long after the run started.
        const until = c.timeout ? resolveInstant(c.timeout, candidate.createdAt) : null;
        if (until && until < now) return false;
        return !c.if || holds(c.if, { event: candidate.event, async: event });
      });
      if (!rule) continue;
      const run = await lockRun(db, candidate.id);
      if (!run || !isActive(run.status)) continue;
      emitted.push(...(await endRun(db, run, { status: 'cancelled', reason: `cancelled by event ${event.name} (${event.id})` }, now)));
    }
  }
  return emitted;
}
