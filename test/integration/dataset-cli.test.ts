// `slipway datasets push|list|show` and the manifest's datasets section, in-process against the real API over HTTP
// on a fresh database: a bad file is refused before anything is sent (exit 2), identical cases push nothing, roles
// are enforced (exit 3), and `--json` prints what the API answers.
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTrpc } from '@/server/api/http';
import { createInnerContext } from '@/server/api/trpc';
import type { Actor } from '@/server/auth/actor';
import { EXIT } from '@/server/cli/core/errors';
import { runCli } from '@/server/cli/run';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
let server: http.Server;
let url: string;
let dir: string;
const calls: string[] = [];
const actors: Record<string, Actor> = {};
const ENGINEER = `slw_${'e'.repeat(43)}`;
const VIEWER = `slw_${'v'.repeat(43)}`;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  database = await freshDatabase();
  actors[ENGINEER] = await makeUser(database.db, { role: 'engineer' });
  actors[VIEWER] = await makeUser(database.db, { role: 'viewer' });
  const admin = await makeUser(database.db, { role: 'admin' });
  await callerFor(database.db, admin).services.create({ name: 'support-bot' });
  // The API as the app serves it; the bearer token picks one of the test's users.
  server = http.createServer(async (req, res) => {
    const requestUrl = new URL(req.url!, 'http://127.0.0.1');
    calls.push(requestUrl.pathname.replace('/api/trpc/', ''));
    const payload = req.method === 'GET' || req.method === 'HEAD' ? undefined : await body(req);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const response = await serveTrpc(new Request(requestUrl, { method: req.method, headers: req.headers as Record<string, string>, body: payload ? new Uint8Array(payload) : undefined }), {
      requestId: 'test',
      createContext: async () => createInnerContext({ actor: actors[token] ?? { kind: 'anonymous' }, db: database.db }),
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-datasets-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
  await database.close();
});

async function cli(argv: string[], token = ENGINEER) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: token }, version: 'test' });
  return { code, stdout, stderr };
}

const file = async (name: string, text: string) => {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
};

describe('slipway datasets', () => {
  it('pushes a file, and pushing the same cases again creates nothing', async () => {
    const jsonl = await file('faq.jsonl', '{"id":"q1","variables":{"question":"Where is my order?"},"expected":"tracking","tags":["orders"]}\n{"variables":{"question":"Refund?"},"expected":"refund"}\n');
    const first = await cli(['datasets', 'push', jsonl, '--service', 'support-bot', '--name', 'faq', '-m', 'First cases']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toMatch(/^dataset +faq +created +v1 \(2 cases from .*faq\.jsonl\)$/m);
    expect(first.stdout).toMatch(/1 created, 0 updated, 0 unchanged/);

    const csv = await file('faq.csv', 'id,vars.question,expected,tags\nq1,Where is my order?,tracking,orders\n,Refund?,refund,\n');
    const again = await cli(['datasets', 'push', csv, '--service', 'support-bot', '--name', 'faq', '--json']);
    expect(again.code).toBe(EXIT.ok);
    expect(JSON.parse(again.stdout)).toMatchObject({ dryRun: false, items: [{ kind: 'dataset', name: 'faq', status: 'unchanged', detail: 'v1' }] });
  });

  it('refuses a bad file with its lines and sends nothing (exit 2)', async () => {
    const bad = await file('bad.csv', 'question,expected\n"unclosed,x\n');
    calls.length = 0;
    const run = await cli(['datasets', 'push', bad, '--service', 'support-bot', '--name', 'faq']);
    expect(run).toEqual({ code: EXIT.usage, stdout: '', stderr: `error: ${bad} line 2: field 1: a quote opened here is never closed\n` });
    const many = await file('many.jsonl', '{"variables":{"q":1},"expected":2}\n{"vars":{"q":1},"tags":"x"}\n');
    const two = await cli(['datasets', 'push', many, '--service', 'support-bot', '--name', 'faq']);
    expect(two.code).toBe(EXIT.usage);
    expect(two.stderr).toBe(`error: ${many} line 1: expected must be a string\n${many} line 2: tags must be a list of strings, not text\n`);
    expect(calls).toEqual([]);
    expect((await cli(['datasets', 'push', path.join(dir, 'nope.jsonl'), '--service', 'support-bot', '--name', 'faq'])).stderr).toMatch(/cannot read .*nope\.jsonl: no such file/);
    expect((await cli(['datasets', 'push', bad, '--service', 'support-bot'])).stderr).toBe('error: --name is required\n');
  });

  it('needs a role that may push (exit 3), and names a missing service (exit 1)', async () => {
    const ok = await file('ok.jsonl', '{"variables":{"q":"new"}}\n');
    const viewer = await cli(['datasets', 'push', ok, '--service', 'support-bot', '--name', 'faq'], VIEWER);
    expect(viewer).toMatchObject({ code: EXIT.auth, stderr: 'error: your role may not do this (needs datasets:write)\n' });
    const missing = await cli(['datasets', 'push', ok, '--service', 'no-such', '--name', 'faq']);
    expect(missing).toMatchObject({ code: EXIT.api, stderr: 'error: service "no-such" not found\n' });
  });

  it('lists datasets and shows a version with its cases', async () => {
    const list = await cli(['datasets', 'list', '--service', 'support-bot'], VIEWER);
    expect(list.code).toBe(EXIT.ok);
    expect(list.stdout).toMatch(/^DATASET +LATEST +CASES +VERSIONS +PUSHED +MESSAGE\nfaq +v1 +2 +1 +\S+ \S+ +First cases\n$/);
    const json = JSON.parse((await cli(['datasets', 'list', '--service', 'support-bot', '--json'], VIEWER)).stdout);
    expect(json).toMatchObject([{ name: 'faq', versionCount: 1, latest: { version: 1, caseCount: 2 } }]);

    const show = await cli(['datasets', 'show', 'support-bot/faq@1', '--search', 'refund'], VIEWER);
    expect(show.code).toBe(EXIT.ok);
    expect(show.stdout).toMatch(/^Dataset +support-bot\/faq@1 \(newest\)$/m);
    expect(show.stdout).toMatch(/^1 +— +question=Refund\? +refund +—$/m);
    expect(show.stdout).not.toMatch(/Where is my order/);
    const shown = JSON.parse((await cli(['datasets', 'show', 'support-bot/faq', '--json'], VIEWER)).stdout);
    expect(shown).toMatchObject({ dataset: { name: 'faq' }, version: { version: 1 }, total: 2, cases: [{ externalId: 'q1' }, { externalId: null }] });

    expect(await cli(['datasets', 'show', 'faq'])).toMatchObject({ code: EXIT.usage, stderr: 'error: "faq" is not a dataset; use <service>/<name> or <service>/<name>@<version>, e.g. support-bot/faq@2\n' });
    expect(await cli(['datasets', 'show', 'support-bot/faq@7'])).toMatchObject({ code: EXIT.api, stderr: 'error: version 7 of dataset "support-bot/faq" not found\n' });
  });
});

describe('the manifest datasets section', () => {
  it('pushes the datasets a slipway.yaml names, and nothing when they are unchanged', async () => {
    await file('smalltalk.yaml', 'cases:\n  - variables: { question: Hello }\n    expected: hi\n');
    const manifest = await file('slipway.yaml', 'service:\n  name: support-bot\ndatasets:\n  - name: smalltalk\n    file: smalltalk.yaml\n    description: Greetings\n');
    const dry = await cli(['sync', '--file', manifest, '--dry-run']);
    expect(dry.stdout).toMatch(/^dataset +smalltalk +would create +v1 \(1 case from .*smalltalk\.yaml\)$/m);
    const first = await cli(['sync', '--file', manifest]);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toMatch(/^dataset +smalltalk +created +v1/m);
    const again = await cli(['sync', '--file', manifest]);
    expect(again.stdout).toMatch(/^dataset +smalltalk +unchanged +v1$/m);
    const list = JSON.parse((await cli(['datasets', 'list', '--service', 'support-bot', '--json'])).stdout);
    expect(list.find((d: { name: string }) => d.name === 'smalltalk')).toMatchObject({ description: 'Greetings', latest: { source: 'manifest' } });
  });

  it('refuses a manifest whose dataset file is bad, before anything is sent', async () => {
    await file('broken.yaml', '- variables: { q: a }\n  expected: [1]\n');
    const manifest = await file('broken-slipway.yaml', 'service:\n  name: support-bot\ndatasets:\n  - name: broken\n    file: broken.yaml\n');
    calls.length = 0;
    const run = await cli(['sync', '--file', manifest]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/broken\.yaml line 2: \[0\]\.expected must be a string\n$/);
    expect(calls).toEqual([]);
  });
});
