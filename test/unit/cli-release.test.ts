// `slipway promote`, `rollback`, `rollouts …` and `approvals …`: what they accept, how they print a preview, a
// rollout, its progress and a decision, and how promote and --wait behave against a stand-in for the API (the
// confirmation question, exit codes 0, 1 and 5).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decisionText, parseApprovalId, renderApprovalList, type ApprovalDetail, type ApprovalItem } from '@/server/cli/commands/approvals';
import { parseDuration, parseNumber } from '@/server/cli/commands/rollouts/parse';
import { diffText, durationText, gatesText, renderPreview, renderRollback, renderRollout, routesText, statusText, type Preview, type RolloutView } from '@/server/cli/commands/rollouts/render';
import { followState, progressLines } from '@/server/cli/commands/rollouts/follow';
import { CliError, EXIT } from '@/server/cli/core/errors';
import { runCli } from '@/server/cli/run';

function failure(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

const AT = new Date('2026-03-01T10:00:00Z');
const later = (s: number) => new Date(AT.getTime() + s * 1000);
const r1 = { releaseId: 'r1', releaseNumber: 1 };
const r2 = { releaseId: 'r2', releaseNumber: 2 };

function view(overrides: Partial<RolloutView> = {}): RolloutView {
  return {
    id: 'ro-1',
    number: 3,
    service: 'bot',
    environment: 'staging',
    release: { number: 2, ref: 'bot#2' },
    strategy: 'canary',
    status: 'running',
    stepIndex: 0,
    weight: 25,
    promoteNow: false,
    plan: [
      { kind: 'shift', weight: 25, bakeSeconds: 600, index: 0, description: '25% to #2' },
      { kind: 'shift', weight: 100, bakeSeconds: 0, index: 1, description: '100% to #2' },
    ],
    stepStartedAt: later(2),
    baseline: [{ ...r1, weight: 100 }],
    policy: { strategy: 'canary', steps: [{ weight: 25, bakeMinutes: 10 }], autoRollback: true },
    slos: { p95LatencyMs: 3000, maxErrorRate: 0.02, maxCostPerRequestUsd: null, minEvalScore: null, p95TtftMs: null },
    analysisSettings: {} as RolloutView['analysisSettings'],
    lastAnalysis: null,
    reason: null,
    branch: 'main',
    pipelineRun: null,
    requestedBy: 'ana@example.com',
    createdAt: AT,
    startedAt: later(1),
    endedAt: null,
    updatedAt: later(2),
    approval: null,
    events: [
      { id: 1, at: AT, kind: 'requested', message: 'requested (weekly): canary, 25% to #2, then 100% to #2', by: 'ana@example.com', data: {} },
      { id: 2, at: later(1), kind: 'started', message: 'started: 25% to #2, then 100% to #2', by: 'system:rollout:bot/staging#3', data: {} },
      { id: 3, at: later(2), kind: 'step', message: 'step 1 of 2: 25% to #2', by: 'system:rollout:bot/staging#3', data: { routes: [{ ...r1, weight: 75 }, { ...r2, weight: 25 }] } },
    ],
    ...overrides,
  } as RolloutView;
}

const analysis = (verdict: 'pass' | 'fail' | 'inconclusive', summary: string, at: Date) =>
  ({ at: at.toISOString(), step: 0, verdict, since: AT.toISOString(), candidate: {}, baseline: null, checks: [], summary }) as unknown as NonNullable<RolloutView['lastAnalysis']>;

const preview: Preview = {
  release: { number: 2, ref: 'bot#2', branch: 'main', createdBy: 'ben@example.com', notes: 'Cheaper model' },
  current: { id: 7, at: AT, kind: 'deploy', routes: [{ ...r1, weight: 100, model: 'llm@1' }], actorLabel: 'ana@example.com', reason: '' },
  diff: {
    model: [{ path: 'ref', before: 'llm@1', after: 'llm@2' }, { path: 'priceInputPer1M', before: 1, after: 0.5 }],
    prompts: [
      { name: 'answer', change: 'changed', from: 4, to: 5, diff: null },
      { name: 'tone', change: 'unchanged', from: 1, to: 1, diff: null },
      { name: 'intro', change: 'added', from: null, to: 1, diff: null },
    ],
    config: [{ path: 'temperature', before: 0.2, after: 0.3 }],
  },
  gates: { run: 12, status: 'passed', branch: 'main', commit: null, steps: [{ name: 'config', type: 'validate-config', status: 'passed', error: null }] },
  strategy: 'canary',
  autoRollback: true,
  plan: view().plan,
  protection: { requiredApprovals: 1, preventSelfApproval: true, allowedBranches: ['main'], waitTimerMinutes: 5, requiredGates: [], approvalTimeoutMinutes: 1440, notifySecret: null },
  slos: view().slos,
  needsApproval: true,
  active: null,
  problem: null,
} as unknown as Preview;

describe('parsing', () => {
  it('reads durations as seconds or with units', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('1.5')).toBe(1500);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
  });

  it('refuses what is not a duration, or nothing at all', () => {
    expect(failure(() => parseDuration('soon')).message).toBe('--timeout "soon" is not a duration; use seconds or e.g. 90s, 15m, 1h30m');
    expect(failure(() => parseDuration('10 m')).exitCode).toBe(EXIT.usage);
    expect(failure(() => parseDuration('0')).message).toBe('--timeout must be longer than 0');
    expect(failure(() => parseDuration('0s')).message).toBe('--timeout must be longer than 0');
  });

  it('reads release and rollout numbers with or without #', () => {
    expect(parseNumber('3', 'release')).toBe(3);
    expect(parseNumber('#12', 'rollout')).toBe(12);
    expect(failure(() => parseNumber('latest', 'release', '--release')).message).toBe('--release "latest" is not a release number; use e.g. 3');
    expect(failure(() => parseNumber('0', 'rollout')).message).toBe('"0" is not a rollout number; use e.g. 3');
  });

  it('takes approval request ids as UUIDs', () => {
    expect(parseApprovalId(' 6F1C2E4A-0B7D-4C1E-9A53-2F7E8D9C0A1B ')).toBe('6f1c2e4a-0b7d-4c1e-9a53-2f7e8d9c0a1b');
    expect(failure(() => parseApprovalId('6f1c2e4a')).message).toBe('"6f1c2e4a" is not an approval request id; use the ID from slipway approvals list');
  });
});

/** Runs the CLI in-process; `ask` stands in for a person at a terminal. */
async function cli(argv: string[], opts: { url?: string; token?: string | null; ask?: (q: string) => Promise<boolean> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { SLIPWAY_URL: opts.url ?? 'http://127.0.0.1:1', SLIPWAY_TOKEN: opts.token === null ? undefined : (opts.token ?? `slw_${'t'.repeat(43)}`) },
    version: 'test',
    ask: opts.ask,
  });
  return { code, stdout, stderr };
}

describe('usage errors, before anything is sent', () => {
  const usage = async (argv: string[], message: string) => {
    const run = await cli(argv, { token: null });
    expect(run).toEqual({ code: EXIT.usage, stdout: '', stderr: `error: ${message}\n` });
  };

  it('names what is wrong with promote', async () => {
    await usage(['promote', 'bot'], 'missing <env>: usage is slipway promote <service> <env> [options]');
    await usage(['promote', 'bot', 'staging'], '--release is required');
    await usage(['promote', 'bot', 'staging', '--release', 'two'], '--release "two" is not a release number; use e.g. 3');
    await usage(['promote', 'bot', 'staging', '--release', '2', '--timeout', '5m'], '--timeout needs --wait');
    await usage(['promote', 'bot', 'staging', '--release', '2', '--wait', '--timeout', 'later'], '--timeout "later" is not a duration; use seconds or e.g. 90s, 15m, 1h30m');
    await usage(['promote', 'bot', 'staging', 'extra', '--release', '2'], 'unexpected argument "extra": usage is slipway promote <service> <env> [options]');
  });

  it('names what is wrong with rollback, rollouts and approvals', async () => {
    await usage(['rollback', 'bot', 'staging', '--to', 'previous'], '--to "previous" is not a release number; use e.g. 3');
    await usage(['rollouts'], '"slipway rollouts" needs a command: list, status, pause, resume, abort, promote-now');
    await usage(['rollouts', 'status', 'bot', 'staging', 'last'], '"last" is not a rollout number; use e.g. 3');
    await usage(['rollouts', 'pause', 'bot', 'staging', '--wait'], 'unknown option --wait for "slipway rollouts pause" (see slipway rollouts pause --help)');
    await usage(['rollouts', 'list', 'bot', 'staging', '--limit', '500'], '--limit must be a whole number from 1 to 200');
    await usage(['approvals', 'approve'], 'missing <id>: usage is slipway approvals approve <id> [options]');
    await usage(['approvals', 'reject', 'abc'], '"abc" is not an approval request id; use the ID from slipway approvals list');
    await usage(['approvals', 'show', 'abc'], '"abc" is not an approval request id; use the ID from slipway approvals list');
    await usage(['approvals', 'list', '--limit', '0'], '--limit must be a whole number from 1 to 200');
  });

  it('shows help without a token or a server', async () => {
    const help = await cli(['rollouts', 'status', '--help'], { token: null });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: slipway rollouts status <service> <env> \[<number>\] \[options\]$/m);
    expect(help.stdout).toMatch(/--timeout <duration> +with --wait, stop waiting after this long and exit 5/);
    const main = await cli(['--help'], { token: null });
    for (const c of ['promote', 'rollback', 'rollouts list', 'rollouts promote-now', 'approvals list', 'approvals approve']) expect(main.stdout).toContain(`  ${c} `);
  });
});

describe('words', () => {
  it('prints routes, leaving out releases kept at 0% unless asked', () => {
    const routes = [{ ...r2, weight: 100, model: 'llm@2' }, { ...r1, weight: 0 }];
    expect(routesText('bot', routes)).toBe('bot#2 100%');
    expect(routesText('bot', routes, { zero: true, models: true })).toBe('bot#2 100% (llm@2), bot#1 0%');
    expect(routesText('bot', [])).toBe('nothing');
  });

  it('says where a rollout stands', () => {
    expect(statusText(view())).toBe('running: step 1 of 2, 25% on #2');
    expect(statusText(view({ status: 'paused', stepIndex: -1 }))).toBe('paused: before its first step');
    expect(statusText(view({ status: 'awaiting-approval', approval: { approvals: 1, required: 2 } as RolloutView['approval'] }))).toBe('awaiting-approval: 1 of 2 approval(s)');
    expect(statusText(view({ status: 'rolled-back' }))).toBe('rolled-back');
  });

  it('summarises what changes and what the gates said', () => {
    expect(diffText(preview.diff)).toBe('model llm@1 → llm@2 (priceInputPer1M); prompt answer @4 → @5; prompt intro added (@1); config temperature');
    expect(diffText({ ...preview.diff!, model: [], prompts: [], config: [] })).toBe('same model, prompts and config');
    expect(diffText(null)).toBe('—');
    expect(gatesText(preview.gates)).toBe('run 12 passed: config passed');
    expect(gatesText(null)).toBe('no pipeline run tested this release');
  });

  it('says durations in the unit a person reads', () => {
    expect(durationText(1500)).toBe('1.5 s');
    expect(durationText(90_000)).toBe('90 s');
    expect(durationText(600_000)).toBe('10 min');
    expect(durationText(5_400_000)).toBe('1 h 30 min');
  });
});

describe('the promote preview', () => {
  it('shows what runs now, what changes, the gates, the plan and the approvals', () => {
    expect(renderPreview('bot', 'production', preview)).toBe(
      [
        'promote      bot#2 to bot/production',
        'release      by ben@example.com, branch main — Cheaper model',
        'running now  bot#1 100% (llm@1)',
        'changes      model llm@1 → llm@2 (priceInputPer1M); prompt answer @4 → @5; prompt intro added (@1); config temperature',
        'gates        run 12 passed: config passed',
        'strategy     canary, automatic rollback on failed analysis',
        'plan         1. 25% to #2 (bake 10 min)',
        '             2. 100% to #2',
        'approvals    1 approval, not by whoever asks or made the release; the request expires after 24 h',
        'wait timer   5 min before the first step',
        '',
      ].join('\n'),
    );
  });

  it('shows the problem that stops it', () => {
    const text = renderPreview('bot', 'production', { ...preview, current: null, diff: null, problem: '#2 already serves all of production' });
    expect(text).toMatch(/^running now  nothing deployed yet$/m);
    expect(text).toMatch(/^problem      #2 already serves all of production$/m);
  });
});

describe('a rollout', () => {
  it('is shown with its status, plan and timeline', () => {
    const text = renderRollout(view({ lastAnalysis: analysis('inconclusive', 'not enough traffic yet', later(3)) }));
    expect(text).toMatch(/^rollout +bot\/staging rollout 3 of bot#2$/m);
    expect(text).toMatch(/^status +running: step 1 of 2, 25% on #2$/m);
    expect(text).toMatch(/^baseline +bot#1 100%$/m);
    expect(text).toMatch(/^analysis +step 1: inconclusive — not enough traffic yet$/m);
    expect(text).not.toMatch(/^ended/m);
    const [, plan, events] = text.split('\n\n');
    expect(plan!.trimEnd().split('\n').map((l) => l.split(/ {2,}/))).toEqual([
      ['STEP', 'MOVE', 'BAKE', 'STATE'],
      ['1', '25% to #2', 'bake 10 min', 'current'],
      ['2', '100% to #2', '—'],
    ]);
    expect(events!.split('\n')[0]).toMatch(/^AT +EVENT +BY +MESSAGE$/);
    expect(events!.split('\n')[3]).toMatch(/^2026-03-01 10:00:02Z +step +system:rollout:bot\/staging#3 +step 1 of 2: 25% to #2$/);
  });

  it('is followed line by line: each event once, steps with their weights, analyses only when they say something new', () => {
    const state = followState();
    expect(progressLines(view(), state)).toEqual([
      'requested           requested (weekly): canary, 25% to #2, then 100% to #2',
      'started             25% to #2, then 100% to #2',
      'step                step 1 of 2: 25% to #2 (now bot#1 75%, bot#2 25%)',
    ]);
    expect(progressLines(view(), state)).toEqual([]);
    const baking = view({ lastAnalysis: analysis('inconclusive', 'the candidate served 3 of the 50 requests needed', later(30)) });
    expect(progressLines(baking, state)).toEqual(['analysis            step 1: inconclusive — the candidate served 3 of the 50 requests needed']);
    expect(progressLines({ ...baking, lastAnalysis: analysis('inconclusive', 'the candidate served 3 of the 50 requests needed', later(60)) }, state)).toEqual([]);
    const ended = view({
      status: 'rolled-back',
      lastAnalysis: analysis('fail', 'error rate 9% is above 2%', later(90)),
      events: [...view().events, { id: 4, at: later(90), kind: 'rolled-back', message: 'analysis at step 1 failed: error rate 9% is above 2%', by: 'system', data: {} }],
    });
    expect(progressLines(ended, state)).toEqual([
      'rolled-back         analysis at step 1 failed: error rate 9% is above 2%',
      'analysis            step 1: fail — error rate 9% is above 2%',
    ]);
  });

  it('says once how to decide a pending approval', () => {
    const state = followState();
    const approval = { id: 'a1', status: 'pending', approvals: 0, required: 1 } as RolloutView['approval'];
    const waiting = view({ status: 'awaiting-approval', stepIndex: -1, weight: 0, approval, events: [] });
    expect(progressLines(waiting, state)).toEqual(['approval            request a1 needs 1 more; decide with: slipway approvals approve|reject a1']);
    expect(progressLines(waiting, state)).toEqual([]);
  });

  it('prints a rollback with its routes and history entry', () => {
    expect(renderRollback('bot', 'production', { historyId: 41, at: later(5), routes: [{ ...r1, weight: 100 }], endedRollout: 3, rollout: null })).toBe(
      [
        'rolled back  bot/production now runs bot#1 100%',
        'history      entry 41 at 2026-03-01 10:00:05Z (see slipway envs history bot production)',
        'rollout      rollout 3 ended as rolled-back',
        '',
      ].join('\n'),
    );
  });
});

describe('approvals', () => {
  const item = {
    id: '6f1c2e4a-0b7d-4c1e-9a53-2f7e8d9c0a1b',
    status: 'pending',
    required: 2,
    approvals: 1,
    expiresAt: later(3600),
    createdAt: AT,
    decidedAt: null,
    requestedBy: 'ana@example.com',
    authors: ['ana@example.com'],
    decisions: [],
    service: 'bot',
    environment: 'production',
    release: { number: 2, ref: 'bot#2' },
    rollout: { number: 3, status: 'awaiting-approval', strategy: 'canary', branch: 'main' },
    canDecide: false,
    whyNot: 'you asked for it or made the release: someone else must approve',
  } as unknown as ApprovalItem;

  it('are listed with whether the reader may decide', () => {
    const lines = renderApprovalList([item], false).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +RELEASE +ENVIRONMENT +ROLLOUT +STATUS +APPROVALS +REQUESTED BY +EXPIRES +YOU$/);
    expect(lines[1]!.split(/ {2,}/)).toEqual([item.id, 'bot#2', 'bot/production', '3 (awaiting-approval)', 'pending', '1/2', 'ana@example.com', '2026-03-01 11:00:00Z', item.whyNot]);
    expect(renderApprovalList([], false)).toBe('No approval requests are waiting. Add --all to see decided ones.\n');
  });

  it('say what a decision did', () => {
    const detail = item as unknown as ApprovalDetail;
    expect(decisionText('approve', { status: 'pending', approvals: 1, required: 2 }, detail)).toBe('approved  bot#2 to bot/production (1 of 2): 1 more approval needed\n');
    expect(decisionText('approve', { status: 'approved', approvals: 2, required: 2 }, detail)).toBe('approved  bot#2 to bot/production (2 of 2): rollout 3 starts\n');
    expect(decisionText('reject', { status: 'rejected', approvals: 0, required: 2 }, { ...detail, rollout: { ...detail.rollout, status: 'rejected' } })).toBe(
      'rejected  bot#2 to bot/production: rollout 3 ended as rejected\n',
    );
  });
});

/**
 * A stand-in for the tRPC API: answers the procedures promote and --wait use, with a rollout whose state the
 * test scripts (each `rollouts.get` takes the next view from `script`, the last one repeating).
 */
const api = {
  server: null as http.Server | null,
  url: '',
  calls: [] as string[],
  script: [] as RolloutView[],
  preview: preview,
  refuse: null as null | { code: string; status: number; message: string },
};

function answer(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

beforeAll(async () => {
  api.server = http.createServer((req, res) => {
    const procedure = new URL(req.url!, 'http://x').pathname.replace('/api/trpc/', '');
    api.calls.push(procedure);
    req.resume();
    req.on('end', () => {
      if (api.refuse && procedure === 'rollouts.promote') {
        return answer(res, api.refuse.status, { error: { json: { message: api.refuse.message, code: -32600, data: { code: api.refuse.code, httpStatus: api.refuse.status } } } });
      }
      const value =
        procedure === 'rollouts.preview'
          ? api.preview
          : procedure === 'rollouts.promote'
            ? { number: 3, status: 'waiting' }
            : procedure === 'rollouts.get'
              ? (api.script.length > 1 ? api.script.shift() : api.script[0])
              : null;
      answer(res, 200, { result: { data: { json: JSON.parse(JSON.stringify(value)) } } });
    });
  });
  await new Promise<void>((r) => api.server!.listen(0, '127.0.0.1', r));
  api.url = `http://127.0.0.1:${(api.server!.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => api.server!.close(() => r())));
beforeEach(() => {
  api.calls = [];
  api.script = [view({ status: 'waiting', stepIndex: -1, weight: 0, events: view().events.slice(0, 1) })];
  api.preview = preview;
  api.refuse = null;
});

describe('promote against the API', () => {
  it('asks a person at a terminal, and promotes nothing when the answer is no', async () => {
    const questions: string[] = [];
    const run = await cli(['promote', 'bot', 'staging', '--release', '2'], { url: api.url, ask: async (q) => (questions.push(q), false) });
    expect(questions).toEqual(['Promote bot#2 to bot/staging?']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe('error: did not promote bot#2: not confirmed\n');
    expect(run.stdout).toMatch(/^promote +bot#2 to bot\/staging$/m);
    expect(api.calls).toEqual(['rollouts.preview']);
  });

  it('does not ask with --yes, nor when nobody is at a terminal', async () => {
    const asked: string[] = [];
    const yes = await cli(['promote', 'bot', 'staging', '--release', '2', '--yes'], { url: api.url, ask: async (q) => (asked.push(q), false) });
    expect(yes.code).toBe(0);
    expect(asked).toEqual([]);
    expect(api.calls).toEqual(['rollouts.preview', 'rollouts.promote', 'rollouts.get']);
    const script = await cli(['promote', 'bot', 'staging', '--release', '2'], { url: api.url });
    expect(script.code).toBe(0);
    expect(script.stdout.trimEnd().split('\n').slice(-2)).toEqual(['promoted            bot/staging rollout 3 of bot#2 (waiting)', 'follow              slipway rollouts status bot staging 3 --wait']);
  });

  it('prints only the rollout view with --json', async () => {
    const run = await cli(['promote', 'bot', 'staging', '--release', '2', '--json'], { url: api.url });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ number: 3, status: 'waiting', release: { ref: 'bot#2' } });
  });

  it('stops at the problem the preview names, before promoting', async () => {
    api.preview = { ...preview, problem: 'rollout 2 of #5 is running; let it finish or abort it first' };
    const run = await cli(['promote', 'bot', 'staging', '--release', '2', '--json'], { url: api.url });
    expect(run).toEqual({ code: EXIT.api, stdout: '', stderr: 'error: cannot promote bot#2 to bot/staging: rollout 2 of #5 is running; let it finish or abort it first\n' });
    expect(api.calls).toEqual(['rollouts.preview']);
  });

  it('passes on a refusal by the server with its exit code', async () => {
    api.refuse = { code: 'FORBIDDEN', status: 403, message: 'your role may not do this (needs environments:deploy)' };
    const run = await cli(['promote', 'bot', 'staging', '--release', '2'], { url: api.url });
    expect(run.code).toBe(EXIT.auth);
    expect(run.stderr).toBe('error: your role may not do this (needs environments:deploy)\n');
  });

  it('with --wait, follows the rollout and exits 0 when it succeeded', async () => {
    const done = view({
      status: 'succeeded',
      stepIndex: 1,
      weight: 100,
      reason: '#2 serves all of staging',
      endedAt: later(8),
      events: [
        ...view().events,
        { id: 4, at: later(5), kind: 'step', message: 'step 2 of 2: 100% to #2', by: 'system', data: { routes: [{ ...r2, weight: 100 }] } },
        { id: 5, at: later(8), kind: 'succeeded', message: '#2 serves all of staging', by: 'system', data: {} },
      ],
    });
    api.script.push(view(), done);
    const run = await cli(['promote', 'bot', 'staging', '--release', '2', '--wait', '--timeout', '20s'], { url: api.url });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n\n')[1]!.trimEnd().split('\n')).toEqual([
      'promoted            bot/staging rollout 3 of bot#2 (waiting)',
      'requested           requested (weekly): canary, 25% to #2, then 100% to #2',
      'started             25% to #2, then 100% to #2',
      'step                step 1 of 2: 25% to #2 (now bot#1 75%, bot#2 25%)',
      'step                step 2 of 2: 100% to #2 (now bot#2 100%)',
      'succeeded           #2 serves all of staging',
      'succeeded           bot/staging rollout 3 of bot#2 (7 s)',
    ]);
  });

  it('with --wait, exits 1 with the reason when the rollout ends otherwise, printing the final view with --json', async () => {
    const rejected = view({ status: 'rejected', stepIndex: -1, weight: 0, reason: 'rejected by ben@example.com: not today', endedAt: later(4) });
    api.script.push(rejected);
    const run = await cli(['promote', 'bot', 'staging', '--release', '2', '--wait', '--json'], { url: api.url });
    expect(run.code).toBe(EXIT.api);
    expect(run.stderr).toBe('error: bot/staging rollout 3 of bot#2 did not succeed (rejected): rejected by ben@example.com: not today\n');
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'rejected', reason: 'rejected by ben@example.com: not today' });
  });

  it('with --wait, exits 5 when the timeout runs out and the rollout goes on', async () => {
    api.script.push(view());
    const run = await cli(['promote', 'bot', 'staging', '--release', '2', '--wait', '--timeout', '1.5'], { url: api.url });
    expect(run.code).toBe(EXIT.timeout);
    expect(run.stderr).toBe('error: stopped waiting after 1.5 s: it is still running: step 1 of 2, 25% on #2 (the rollout goes on; see slipway rollouts status bot staging 3)\n');
  });
});
