// A real Inngest app against the embedded executor: test functions served by the SDK's own Node handler and the
// executor's endpoints on one node:http server, an Inngest client configured as in embedded mode, and a fresh
// database. Tests send events with the real client and watch runs in the database.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { asc, eq } from 'drizzle-orm';
import { Inngest, type InngestFunction } from 'inngest';
import { serve } from 'inngest/node';
import { executorRuns, executorStepHistory, type ExecutorRun } from '@/db/schema';
import { Executor, executorHandler, isExecutorRequest, type ExecutorOptions } from '@/server/executor';
import { eventKeyFor } from '@/server/executor/settings';
import { logger } from '@/server/logger';
import { freshDatabase, type TestDatabase } from './db';

export const TEST_APP = 'test-app';

/** A clock that runs with real time but can be moved forward. */
export class TestClock {
  offsetMs = 0;
  now = () => new Date(Date.now() + this.offsetMs);
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface Harness {
  database: TestDatabase;
  inngest: Inngest;
  executor: Executor;
  clock: TestClock;
  /** The serve endpoint's URL. */
  serveUrl: string;
  /** The server's origin (executor endpoints and serve endpoint). */
  origin: string;
  signingKey: string;
  eventKey: string;
  runs(functionId: string): Promise<ExecutorRun[]>;
  run(runId: string): Promise<ExecutorRun>;
  /** Polls until `check` returns a value (not undefined/false), failing after `timeoutMs`. */
  until<T>(check: () => Promise<T | undefined | false | null>, timeoutMs?: number, what?: string): Promise<T>;
  /** Waits until the function has a run in one of the final states and returns it. */
  finished(functionId: string, timeoutMs?: number): Promise<ExecutorRun>;
  history(runId: string): Promise<(typeof executorStepHistory.$inferSelect)[]>;
  close(): Promise<void>;
}

export type FunctionsFactory = (inngest: Inngest) => InngestFunction.Any[];

export async function startHarness(functions: FunctionsFactory, options: Partial<ExecutorOptions> = {}): Promise<Harness> {
  const database = await freshDatabase();
  const signingKey = `signkey-test-${randomBytes(32).toString('hex')}`;
  const eventKey = eventKeyFor(signingKey);
  const clock = new TestClock();
  let handle: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const serveUrl = `${origin}/api/inngest`;
  const log = logger.child({ part: 'test' });

  const inngest = new Inngest({ id: TEST_APP, isDev: false, baseUrl: `${origin}/api/executor/`, signingKey, eventKey, logger: log });
  const serveHandler = serve({ client: inngest, functions: functions(inngest), enableUnauthedSync: false });
  const executor = new Executor({
    db: database.db,
    serveUrl,
    signingKey,
    eventKey,
    clock: clock.now,
    pollIntervalMs: 25,
    leaseMs: 5_000,
    retryDelayMs: () => 50,
    ...options,
  });
  const executorHttp = executorHandler(executor);
  handle = (req, res) => {
    if (isExecutorRequest(req.url)) return executorHttp(req, res);
    if (req.url?.startsWith('/api/inngest')) return void serveHandler(req, res);
    res.writeHead(404).end();
  };
  await executor.start();

  const db = database.db;
  const h: Harness = {
    database,
    inngest,
    executor,
    clock,
    serveUrl,
    origin,
    signingKey,
    eventKey,
    runs: (functionId) => db.select().from(executorRuns).where(eq(executorRuns.functionId, functionId)).orderBy(asc(executorRuns.createdAt), asc(executorRuns.id)),
    run: async (runId) => (await db.select().from(executorRuns).where(eq(executorRuns.id, runId)))[0]!,
    async until(check, timeoutMs = 10_000, what = 'condition') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await check();
        if (v !== undefined && v !== false && v !== null) return v as never;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    finished(functionId, timeoutMs) {
      return h.until(async () => (await h.runs(functionId)).find((r) => ['completed', 'failed', 'cancelled'].includes(r.status)), timeoutMs, `a finished run of ${functionId}`);
    },
    history: (runId) => db.select().from(executorStepHistory).where(eq(executorStepHistory.runId, runId)).orderBy(asc(executorStepHistory.id)),
    async close() {
      await executor.stop(2_000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await database.close();
    },
  };
  return h;
}

export const fnId = (id: string) => `${TEST_APP}-${id}`;
