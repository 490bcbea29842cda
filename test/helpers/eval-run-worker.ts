// An eval-run worker: the eval-run function served by the Inngest SDK with the embedded executor in front of it, on
// a database given by URL (PostgreSQL) or data folder (PGlite). The resume test runs one in a child process
// (`tsx test/helpers/eval-run-worker.ts`), kills it with SIGKILL mid-run, and finishes the run in one of its own.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inngest } from 'inngest';
import { serve } from 'inngest/node';
import { openDatabase, type Database, type Db } from '@/db/client';
import { durableSteps } from '@/inngest/functions/eval-run';
import { orchestrateEvalRun } from '@/server/evals/runner';
import { Executor, executorHandler, isExecutorRequest } from '@/server/executor';
import { eventKeyFor } from '@/server/executor/settings';
import { logger } from '@/server/logger';

export interface EvalWorker {
  inngest: Inngest;
  executor: Executor;
  close(): Promise<void>;
}

export async function startEvalWorker(db: Db, signingKey: string): Promise<EvalWorker> {
  const eventKey = eventKeyFor(signingKey);
  let handle: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const inngest = new Inngest({ id: 'eval-worker', isDev: false, baseUrl: `${origin}/api/executor/`, signingKey, eventKey, logger: logger.child({ part: 'eval-worker' }) });
  const fn = inngest.createFunction({ id: 'eval-run', triggers: [{ event: 'slipway/eval-run.requested' }], idempotency: 'event.data.runId', retries: 2 }, async ({ event, step }) =>
    orchestrateEvalRun(db, (event.data as { runId: string }).runId, durableSteps(step as never)),
  );
  const serveHandler = serve({ client: inngest, functions: [fn], enableUnauthedSync: false });
  // The only worker on this database: leases a dead worker left are released at start.
  const executor = new Executor({ db, serveUrl: `${origin}/api/inngest`, signingKey, eventKey, pollIntervalMs: 25, leaseMs: 5_000, retryDelayMs: () => 50, soleWorker: true });
  const executorHttp = executorHandler(executor);
  handle = (req, res) => {
    if (isExecutorRequest(req.url)) return executorHttp(req, res);
    if (req.url?.startsWith('/api/inngest')) return void serveHandler(req, res);
    res.writeHead(404).end();
  };
  await executor.start();
  return {
    inngest,
    executor,
    async close() {
      await executor.stop(2_000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function openWorkerDatabase(target: string): Promise<Database> {
  return target.startsWith('postgres') ? openDatabase({ kind: 'postgres', url: target, poolSize: 5 }) : openDatabase({ kind: 'embedded', dataDir: target });
}

// In a child process: start a worker and ask it to run EVAL_RUN_ID; it runs until it is killed.
if (process.argv[1]?.endsWith('eval-run-worker.ts')) {
  const database = await openWorkerDatabase(process.env.EVAL_WORKER_DB!);
  const worker = await startEvalWorker(database.db, process.env.EVAL_WORKER_SIGNING_KEY!);
  await worker.inngest.send({ name: 'slipway/eval-run.requested', data: { runId: process.env.EVAL_RUN_ID! }, id: `eval-run-${process.env.EVAL_RUN_ID!}` });
  process.stdout.write('sent\n');
}
