// The release flow from the command line: the real bin (scripts/slipway.mjs) against a built server with its
// workflow engine. A release is promoted to staging and followed to the end, then rolled back; in production,
// which needs one approval, the person who asked may not approve, someone else does and the rollout succeeds;
// a rejection ends a waiting promote with exit 1; a wait that times out exits 5 and an abort ends the rollout.
// Two approvers, Ana and Ben, act with API tokens of their own.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { startServer, type RunningServer } from './server';
import { mutateAs, signIn } from './session';

const BIN = path.resolve('scripts/slipway.mjs');
/** Each CLI call starts a Node process; a test making a dozen of them needs more than the default minute on a busy machine. */
const SLOW = 180_000;
const SERVICE = 'flow-bot';
const ANA = { email: 'ana@e2e.test', password: 'ana-password-1234', token: '' };
const BEN = { email: 'ben@e2e.test', password: 'ben-password-1234', token: '' };

let server: RunningServer;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process with the server's URL and the given token (the bootstrap token by default). */
function slipway(args: string[], token?: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', PATH: process.env.PATH ?? '', SLIPWAY_URL: server.url, SLIPWAY_TOKEN: token ?? server.bootstrapToken };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json<T>(args: string[], token?: string): Promise<T> {
  const run = await slipway([...args, '--json'], token);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** The documented failure shape: nothing on stdout unless said, one `error: …` line on stderr. */
function expectOneLineError(run: Run, code: number, message: string | RegExp) {
  expect(run.code).toBe(code);
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  if (typeof message === 'string') expect(run.stderr.trimEnd()).toBe(`error: ${message}`);
  else expect(run.stderr.trimEnd()).toMatch(message);
}

const admin = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });

/** Signs a user in through next-auth and creates an API token of theirs (tokens belong to the user who creates them). */
async function tokenOf(user: { email: string; password: string }, name: string): Promise<string> {
  const cookie = await signIn(server.url, user.email, user.password);
  return (await mutateAs<{ token: string }>(server.url, cookie, 'tokens.create', { name, role: 'approver' })).token;
}

type RolloutJson = { number: number; status: string; release: { ref: string }; reason: string | null; approval: { id: string; status: string } | null; events: { kind: string }[] };
type ApprovalJson = { id: string; status: string; environment: string; rollout: { number: number; status: string }; canDecide: boolean; whyNot: string | null };

/** What an environment serves (release number → weight, leaving out releases kept at 0%), read from the API. */
async function serving(env: string): Promise<Record<number, number>> {
  const e = await admin().environments.get.query({ service: SERVICE, environment: env });
  return Object.fromEntries((e.current?.routes ?? []).filter((r) => r.weight > 0).map((r) => [r.releaseNumber, r.weight]));
}

async function rolloutStatus(env: string): Promise<string | undefined> {
  return (await admin().rollouts.current.query({ service: SERVICE, environment: env }))?.rollout.status;
}

async function until<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  server = await startServer();
  const api = admin();
  await api.users.create.mutate({ email: ANA.email, name: 'Ana', role: 'approver', password: ANA.password });
  await api.users.create.mutate({ email: BEN.email, name: 'Ben', role: 'approver', password: BEN.password });
  ANA.token = await tokenOf(ANA, 'ana-cli');
  BEN.token = await tokenOf(BEN, 'ben-cli');

  await api.services.create.mutate({ name: SERVICE, description: 'The release flow from the CLI' });
  const model = await api.models.register.mutate({ model: `${SERVICE}-llm`, providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'small' });
  for (const notes of ['first', 'second', 'third']) await api.releases.create.mutate({ service: SERVICE, model: model.ref, notes });
  const open = { requiredApprovals: 0, preventSelfApproval: true, allowedBranches: [], waitTimerMinutes: 0, requiredGates: [] };
  const allAtOnce = { strategy: 'all-at-once' as const, autoRollback: true, bakeMinutes: 0 };
  await api.environments.update.mutate({ service: SERVICE, environment: 'staging', protection: open, rollout: allAtOnce });
  await api.environments.update.mutate({ service: SERVICE, environment: 'production', protection: { ...open, requiredApprovals: 1 }, rollout: allAtOnce });
  await api.environments.deploy.mutate({ service: SERVICE, environment: 'staging', routes: [{ release: 1, weight: 100 }] });
  await api.environments.deploy.mutate({ service: SERVICE, environment: 'production', routes: [{ release: 1, weight: 100 }], bypass: { reason: 'set up the stable release' } });
});
afterAll(async () => {
  await server?.stop();
});

describe('an environment without approvals', () => {
  it('promote --wait shows the preview, follows the rollout and exits 0 when #2 serves all of staging', async () => {
    const run = await slipway(['promote', SERVICE, 'staging', '--release', '2', '--reason', 'weekly release', '--wait', '--timeout', '45s'], ANA.token);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [previewText, progress] = run.stdout.split('\n\n');
    expect(previewText).toMatch(/^promote +flow-bot#2 to flow-bot\/staging$/m);
    expect(previewText).toMatch(/^running now +flow-bot#1 100% \(flow-bot-llm@1\)$/m);
    expect(previewText).toMatch(/^plan +1\. switch all traffic to #2$/m);
    expect(previewText).toMatch(/^approvals +none needed$/m);
    const lines = progress!.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^promoted +flow-bot\/staging rollout 1 of flow-bot#2 \((waiting|running)/);
    expect(lines.map((l) => l.split(/ {2,}/)[0])).toEqual(['promoted', 'requested', 'started', 'step', 'succeeded', 'succeeded']);
    expect(lines).toContain('requested           requested (weekly release): all-at-once, switch all traffic to #2');
    expect(lines).toContain('step                step 1 of 1: switch all traffic to #2 (now flow-bot#2 100%)');
    expect(lines.at(-1)).toMatch(/^succeeded +flow-bot\/staging rollout 1 of flow-bot#2 \(/);
    expect(await serving('staging')).toEqual({ 2: 100 });

    const status = await json<RolloutJson>(['rollouts', 'status', SERVICE, 'staging']);
    expect(status).toMatchObject({ number: 1, status: 'succeeded', release: { ref: 'flow-bot#2' } });
    const list = await slipway(['rollouts', 'list', SERVICE, 'staging']);
    expect(list.stdout.split('\n')[1]!.split(/ {2,}/).slice(0, 6)).toEqual(['1', 'flow-bot#2', 'all-at-once', 'succeeded', '1/1', '100%']);
  }, SLOW);

  it('refuses what cannot be done, saying why', async () => {
    expectOneLineError(await slipway(['promote', SERVICE, 'staging', '--release', '9']), 1, 'release: flow-bot has no release #9');
    expectOneLineError(
      await slipway(['rollouts', 'pause', SERVICE, 'staging']),
      1,
      'flow-bot/staging has no active rollout (the latest, rollout 1, is succeeded); name one: slipway rollouts pause flow-bot staging <number>',
    );
    expectOneLineError(await slipway(['rollouts', 'pause', SERVICE, 'staging', '1']), 1, 'number: rollout 1 is succeeded; only a running rollout can be paused');
    expectOneLineError(await slipway(['rollouts', 'status', SERVICE, 'dev']), 1, 'flow-bot/dev has no rollouts yet');
  }, SLOW);

  it('refuses to promote the release that already serves all of the environment', async () => {
    const again = await slipway(['promote', SERVICE, 'staging', '--release', '2']);
    expectOneLineError(again, 1, 'cannot promote flow-bot#2 to flow-bot/staging: #2 already serves all of staging');
    expect(again.stdout).toMatch(/^problem +#2 already serves all of staging$/m);
  }, SLOW);

  it('rollback puts staging back on #1 and prints the routes and the history entry', async () => {
    const run = await slipway(['rollback', SERVICE, 'staging', '--reason', 'answers too long'], ANA.token);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('rolled back  flow-bot/staging now runs flow-bot#1 100%');
    const historyId = Number(/^history +entry (\d+) at .+ \(see slipway envs history flow-bot staging\)$/.exec(lines[1]!)?.[1]);
    expect(historyId).toBeGreaterThan(0);
    expect(await serving('staging')).toEqual({ 1: 100 });
    const history = await json<{ items: { id: number; kind: string; reason: string }[] }>(['envs', 'history', SERVICE, 'staging']);
    expect(history.items[0]).toMatchObject({ id: historyId, kind: 'rollback', reason: 'rollback to #1 — answers too long' });
    expectOneLineError(await slipway(['rollback', SERVICE, 'staging', '--to', '3']), 1, 'to: #3 never served flow-bot/staging; promote it instead');
  });
});

describe('an environment that needs one approval', () => {
  it('waits for approval; the person who asked may not approve, another approver may, and the rollout succeeds', async () => {
    const promoted = await slipway(['promote', SERVICE, 'production', '--release', '2', '--reason', 'ship it'], ANA.token);
    expect(promoted.stderr).toBe('');
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/^approvals +1 approval, not by whoever asks or made the release; the request expires after 24 h$/m);
    expect(promoted.stdout).toMatch(/^promoted +flow-bot\/production rollout 1 of flow-bot#2 \(awaiting-approval: 0 of 1 approval\(s\)\)$/m);
    const id = /^approve +slipway approvals approve ([0-9a-f-]{36})$/m.exec(promoted.stdout)?.[1];
    expect(id).toBeDefined();
    expect(await rolloutStatus('production')).toBe('awaiting-approval');

    const inboxOfAna = await json<ApprovalJson[]>(['approvals', 'list'], ANA.token);
    expect(inboxOfAna.find((a) => a.id === id)).toMatchObject({ canDecide: false, whyNot: 'you asked for it or made the release: someone else must approve' });
    const inboxOfBen = await slipway(['approvals', 'list'], BEN.token);
    const row = inboxOfBen.stdout.split('\n').find((l) => l.startsWith(id!))!;
    expect(row.split(/ {2,}/).slice(1, 6)).toEqual(['flow-bot#2', 'flow-bot/production', '1 (awaiting-approval)', 'pending', '0/1']);
    expect(row).toMatch(/may decide$/);
    const shown = await slipway(['approvals', 'show', id!], BEN.token);
    expect(shown.stdout).toMatch(/^promote +flow-bot#2 to flow-bot\/production$/m);
    expect(shown.stdout).toMatch(/^running now +flow-bot#1 100% \(flow-bot-llm@1\)$/m);

    const self = await slipway(['approvals', 'approve', id!], ANA.token);
    expectOneLineError(self, 3, 'you asked for this rollout or made flow-bot#2: someone else must approve it');
    expect(self.stdout).toBe('');
    expect(await rolloutStatus('production')).toBe('awaiting-approval');

    const approved = await slipway(['approvals', 'approve', id!, '--comment', 'looks good'], BEN.token);
    expect(approved.stderr).toBe('');
    expect(approved).toMatchObject({ code: 0, stdout: 'approved  flow-bot#2 to flow-bot/production (1 of 1): rollout 1 starts\n' });

    const followed = await slipway(['rollouts', 'status', SERVICE, 'production', '--wait', '--timeout', '45s'], ANA.token);
    expect(followed.stderr).toBe('');
    expect(followed.code).toBe(0);
    const kinds = followed.stdout.trimEnd().split('\n').map((l) => l.split(/ {2,}/)[0]);
    expect(kinds).toEqual(['requested', 'approval-requested', 'approved-by', 'approved', 'started', 'step', 'succeeded', 'succeeded']);
    expect(followed.stdout).toMatch(/^approved-by +approved by token:ben-cli \(1 of 1\): looks good$/m);
    expect(await serving('production')).toEqual({ 2: 100 });
    expectOneLineError(await slipway(['approvals', 'approve', id!], BEN.token), 1, 'id: this request is already approved');
  }, SLOW);

  it('a rejection ends a waiting promote with exit 1 and the reason; production keeps what it ran', async () => {
    const waiting = slipway(['promote', SERVICE, 'production', '--release', '3', '--wait', '--timeout', '45s'], ANA.token);
    const pending = await until(async () => (await json<ApprovalJson[]>(['approvals', 'list'], BEN.token)).find((a) => a.environment === 'production' && a.rollout.number === 2), 20_000);
    const rejected = await slipway(['approvals', 'reject', pending.id, '--comment', 'not before the holidays'], BEN.token);
    expect(rejected.stderr).toBe('');
    expect(rejected).toMatchObject({ code: 0, stdout: 'rejected  flow-bot#3 to flow-bot/production: rollout 2 ended as rejected\n' });

    const run = await waiting;
    expectOneLineError(run, 1, 'flow-bot/production rollout 2 of flow-bot#3 did not succeed (rejected): rejected by token:ben-cli: not before the holidays');
    const lines = run.stdout.split('\n\n')[1]!.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/ {2,}/)[0])).toEqual(['promoted', 'requested', 'approval-requested', 'approval', 'rejected', 'rejected']);
    expect(lines[3]).toBe(`approval            request ${pending.id} needs 1 more; decide with: slipway approvals approve|reject ${pending.id}`);
    expect(await serving('production')).toEqual({ 2: 100 });
    const decided = await json<ApprovalJson[]>(['approvals', 'list', '--all'], BEN.token);
    expect(decided.find((a) => a.id === pending.id)).toMatchObject({ status: 'rejected', rollout: { status: 'rejected' } });
  }, SLOW);

  it('a wait that times out exits 5 and the rollout goes on until it is aborted', async () => {
    const started = await json<RolloutJson>(['promote', SERVICE, 'production', '--release', '3'], ANA.token);
    expect(started).toMatchObject({ number: 3, status: 'awaiting-approval' });
    const timedOut = await slipway(['rollouts', 'status', SERVICE, 'production', '--wait', '--timeout', '1s', '--json']);
    expectOneLineError(
      timedOut,
      5,
      'stopped waiting after 1 s: it is still awaiting-approval: 0 of 1 approval(s) (the rollout goes on; see slipway rollouts status flow-bot production 3)',
    );
    expect(JSON.parse(timedOut.stdout)).toMatchObject({ number: 3, status: 'awaiting-approval' });
    const second = await slipway(['promote', SERVICE, 'production', '--release', '1'], ANA.token);
    expectOneLineError(second, 1, 'cannot promote flow-bot#1 to flow-bot/production: rollout 3 of #3 is awaiting-approval; let it finish or abort it first');
    expect(second.stdout).toMatch(/^problem +rollout 3 of #3 is awaiting-approval; let it finish or abort it first$/m);

    const aborted = await slipway(['rollouts', 'abort', SERVICE, 'production', '--reason', 'superseded'], BEN.token);
    expect(aborted.stderr).toBe('');
    expect(aborted).toMatchObject({ code: 0, stdout: 'aborted             flow-bot/production rollout 3 of flow-bot#3; no traffic had moved\n' });
    const ended = await slipway(['rollouts', 'status', SERVICE, 'production', '3', '--wait']);
    expectOneLineError(ended, 1, 'flow-bot/production rollout 3 of flow-bot#3 did not succeed (aborted): aborted by token:ben-cli: superseded');
    const request = (await json<ApprovalJson[]>(['approvals', 'list', '--all'])).find((a) => a.rollout.number === 3 && a.environment === 'production');
    expect(request).toMatchObject({ status: 'cancelled', rollout: { status: 'aborted' } });
    expect(await serving('production')).toEqual({ 2: 100 });
  }, SLOW);
});
