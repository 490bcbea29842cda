// The slipway CLI as scripts use it: the real bin (scripts/slipway.mjs) run as a child process against a built
// server, checking output, exit codes, one-line errors, and that sync is idempotent.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, startServer, type RunningServer } from './server';
import { mutateAs, signIn } from './session';

const BIN = path.resolve('scripts/slipway.mjs');
const FIXTURE = path.resolve('test/fixtures/manifest');

let server: RunningServer;
let work: string;

beforeAll(async () => {
  server = await startServer();
  work = await mkdtemp(path.join(os.tmpdir(), 'slipway-cli-'));
});
afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with the server's URL and admin token unless `env` says otherwise (a null value unsets). */
function slipway(args: string[], opts: { env?: Record<string, string | null>; cwd?: string } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', PATH: process.env.PATH ?? '', SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.bootstrapToken };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json<T>(args: string[]): Promise<T> {
  const run = await slipway([...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Asserts the documented failure shape: nothing on stdout, exactly one `error: …` line on stderr. */
function expectOneLineError(run: Run, code: number, message: string | RegExp) {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  if (typeof message === 'string') expect(run.stderr.trimEnd()).toBe(`error: ${message}`);
  else expect(run.stderr.trimEnd()).toMatch(message);
}

/** Signs in as the admin through next-auth and calls tRPC with the session cookie (the bootstrap token has no user, so it cannot own tokens). */
async function adminSession() {
  const cookie = await signIn(server.url, server.adminEmail, server.adminPassword);
  return <T>(procedure: string, input: unknown): Promise<T> => mutateAs<T>(server.url, cookie, procedure, input);
}

describe('help', () => {
  it('lists the commands, the environment variables and the exit codes', async () => {
    const run = await slipway(['--help'], { env: { SLIPWAY_TOKEN: null } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of ['services create', 'services list', 'models register', 'prompts push', 'releases create', 'envs show', 'envs history', 'pipelines define', 'pipelines status', 'sync']) expect(run.stdout).toContain(`  ${command} `);
    expect(run.stdout).toContain('SLIPWAY_TOKEN');
    expect(run.stdout).toMatch(/^ {2}3 {2}authentication or authorisation/m);
    expect(run.stdout).toMatch(/^ {2}4 {2}cannot reach the server/m);
    expect(run.stdout).toMatch(/^ {2}5 {2}pipelines run\/status --wait: the run had not ended/m);
  });

  it('describes each command and group, without needing a token or a server', async () => {
    const run = await slipway(['releases', 'create', '--help'], { env: { SLIPWAY_TOKEN: null, SLIPWAY_URL: 'http://127.0.0.1:1' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: slipway releases create <service> \[options\]$/m);
    expect(run.stdout).toMatch(/--prompt <name@version> +prompt version, e\.g\. answer@2 or answer:staging \(repeatable\)/);
    expect(run.stdout).toContain('--json');
    const group = await slipway(['envs', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/^ {2}show +Show what an environment runs now/m);
  });

  it('refuses an unknown command or option as a usage error', async () => {
    expectOneLineError(await slipway(['deploy']), 2, 'unknown command "deploy"; run slipway --help for the list');
    expectOneLineError(await slipway(['services']), 2, '"slipway services" needs a command: create, list');
    expectOneLineError(await slipway(['services', 'list', '--colour']), 2, 'unknown option --colour for "slipway services list" (see slipway services list --help)');
  });
});

describe('services', () => {
  it('creates a service and lists it, for people and as JSON', async () => {
    const created = await slipway(['services', 'create', 'cli-demo', '--description', 'Made by the CLI test', '--owner', server.adminEmail]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toBe(`created  service cli-demo with environments dev, staging, production\nowners   ${server.adminEmail}\n`);

    const asJson = await json<{ name: string; owners: string[] }>(['services', 'create', 'cli-demo-2']);
    expect(asJson).toMatchObject({ name: 'cli-demo-2', owners: [] });

    const list = await slipway(['services', 'list']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +RUNNING +OWNERS +DESCRIPTION$/);
    const row = lines.find((l) => l.startsWith('cli-demo '))!;
    expect(row).toContain('dev —, staging —, production —');
    // Columns line up: each value starts under its header.
    expect(row.indexOf('dev —')).toBe(lines[0]!.indexOf('RUNNING'));
    expect(row.indexOf(server.adminEmail)).toBe(lines[0]!.indexOf('OWNERS'));

    const services = await json<{ name: string; description: string; owners: string[] }[]>(['services', 'list']);
    expect(services.find((s) => s.name === 'cli-demo')).toMatchObject({ description: 'Made by the CLI test', owners: [server.adminEmail] });
  });

  it('names the field and the rule when the server refuses the input, and creates nothing', async () => {
    expectOneLineError(await slipway(['services', 'create', 'Bad_Name']), 1, 'name: must be lowercase letters, digits and single dashes, starting and ending with a letter or digit');
    expectOneLineError(await slipway(['services', 'create', 'cli-owned', '--owner', 'nobody@e2e.test']), 1, 'owners: no user with the email nobody@e2e.test');
    expectOneLineError(await slipway(['services', 'create', 'cli-demo']), 1, 'name: a service named "cli-demo" already exists');
    const names = (await json<{ name: string }[]>(['services', 'list'])).map((s) => s.name);
    expect(names).not.toContain('cli-owned');
  });
});

describe('authentication and reachability', () => {
  it('exits 3 when no token is set', async () => {
    expectOneLineError(await slipway(['services', 'list'], { env: { SLIPWAY_TOKEN: null } }), 3, 'SLIPWAY_TOKEN is not set; export an API token (slw_…) or pass --token');
  });

  it('exits 3 with the reason for an unknown, a malformed and a revoked token, never echoing it', async () => {
    const unknown = `slw_${'x'.repeat(43)}`;
    const run = await slipway(['services', 'list'], { env: { SLIPWAY_TOKEN: unknown } });
    expectOneLineError(run, 3, 'the API token is not valid');
    expectOneLineError(await slipway(['services', 'list', '--token', 'not-a-token']), 3, 'the API token is malformed; tokens start with slw_');

    const call = await adminSession();
    const { token, apiToken } = await call<{ token: string; apiToken: { id: string } }>('tokens.create', { name: 'cli-e2e', role: 'engineer' });
    expect((await slipway(['services', 'list'], { env: { SLIPWAY_TOKEN: token } })).code).toBe(0);
    await call('tokens.revoke', { tokenId: apiToken.id });
    const revoked = await slipway(['services', 'list'], { env: { SLIPWAY_TOKEN: token } });
    expectOneLineError(revoked, 3, 'the API token has been revoked');
    expect(revoked.stderr).not.toContain(token);
  });

  it('exits 3 when the role lacks the scope', async () => {
    const call = await adminSession();
    const { token } = await call<{ token: string }>('tokens.create', { name: 'cli-viewer', role: 'viewer' });
    expect((await slipway(['services', 'list'], { env: { SLIPWAY_TOKEN: token } })).code).toBe(0);
    expectOneLineError(await slipway(['services', 'create', 'cli-viewer-made'], { env: { SLIPWAY_TOKEN: token } }), 3, 'your role may not do this (needs services:write)');
  });

  it('exits 4 when the server cannot be reached', async () => {
    const port = await freePort();
    expectOneLineError(await slipway(['services', 'list'], { env: { SLIPWAY_URL: `http://127.0.0.1:${port}` } }), 4, `cannot reach Slipway at http://127.0.0.1:${port} (connection refused)`);
  });

  it('exits 4 when what answers is not the Slipway API', async () => {
    expectOneLineError(await slipway(['services', 'list', '--url', `${server.url}/sign-in`]), 4, `${server.url}/sign-in did not answer like a Slipway server (HTTP 404 at /api/trpc)`);
  });
});

const PROMPTS = `prompts:
  - name: greet
    commitMessage: first greeting
    messages:
      - role: system
        content: Greet {{name}} in one sentence.
    variables:
      - name: name
    labels: [staging]
  - name: farewell
    messages:
      - role: system
        content: Say goodbye.
`;

describe('prompts, models, releases and environments', () => {
  it('pushes prompts, and pushing them again creates nothing', async () => {
    expect((await slipway(['services', 'create', 'cli-prompts'])).code).toBe(0);
    await writeFile(path.join(work, 'prompts.yaml'), PROMPTS);

    const first = await slipway(['prompts', 'push', 'cli-prompts', '--file', 'prompts.yaml']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n').slice(1, 4).map((l) => l.split(/ {2,}/))).toEqual([
      ['prompt', 'greet', 'created', 'v1'],
      ['label', 'greet:staging', 'created', 'v1'],
      ['prompt', 'farewell', 'created', 'v1'],
    ]);
    expect(first.stdout).toMatch(/^3 created, 0 updated, 0 unchanged$/m);

    const again = await json<{ items: { status: string }[]; summary: { created: number; updated: number } }>(['prompts', 'push', 'cli-prompts', '--file', 'prompts.yaml']);
    expect(again.items.map((i) => i.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(again.summary).toMatchObject({ created: 0, updated: 0 });
    const listed = await json<{ name: string; versionCount: number; labels: { name: string; version: number }[] }[]>(['prompts', 'list', 'cli-prompts']);
    expect(listed.map((p) => [p.name, p.versionCount])).toEqual([
      ['farewell', 1],
      ['greet', 1],
    ]);

    expectOneLineError(await slipway(['prompts', 'push', 'cli-nowhere', '--file', 'prompts.yaml']), 1, 'service "cli-nowhere" not found');
    await writeFile(path.join(work, 'bad-prompts.yaml'), PROMPTS.replace('Greet {{name}}', 'Greet {{person}}'));
    expectOneLineError(await slipway(['prompts', 'push', 'cli-prompts', '--file', 'bad-prompts.yaml']), 1, 'variables: placeholders without a declared variable: person');
  });

  it('registers a model, creates a release, deploys it and shows what ran when', async () => {
    expect((await slipway(['services', 'create', 'cli-releases'])).code).toBe(0);
    await writeFile(path.join(work, 'release-prompts.yaml'), PROMPTS);
    expect((await slipway(['prompts', 'push', 'cli-releases', '--file', 'release-prompts.yaml'])).code).toBe(0);
    await writeFile(path.join(work, 'model.json'), JSON.stringify({ providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1', upstreamModel: 'small', priceInputPer1M: 0.1 }));
    const registered = await slipway(['models', 'register', 'cli-llm', '--file', 'model.json']);
    expect(registered.stdout).toBe('registered  cli-llm@1 (openai-compatible, small)\n');
    const same = await slipway(['models', 'register', 'cli-llm', '--file', 'model.json', '--if-changed']);
    expect(same.stdout).toBe('unchanged  cli-llm@1 already has this content\n');
    await writeFile(path.join(work, 'bad-model.json'), JSON.stringify({ providerKind: 'openai-compatible', upstreamModel: 'small' }));
    expectOneLineError(await slipway(['models', 'register', 'cli-llm', '--file', 'bad-model.json']), 2, 'bad-model.json:1: baseUrl: is required for an OpenAI-compatible endpoint');

    const release = await json<{ ref: string; model: { ref: string }; prompts: { ref: string }[]; source: string }>(['releases', 'create', 'cli-releases', '--model', 'cli-llm@1', '--prompt', 'greet@staging', '--prompt', 'farewell@1', '--notes', 'first']);
    expect(release).toMatchObject({ ref: 'cli-releases#1', model: { ref: 'cli-llm@1' }, source: 'cli' });
    expect(release.prompts.map((p) => p.ref)).toEqual(['farewell@1', 'greet@1']);
    expectOneLineError(await slipway(['releases', 'create', 'cli-releases', '--model', 'cli-llm@9']), 1, 'model version cli-llm@9 not found');

    const before = new Date();
    await new Promise((r) => setTimeout(r, 50));
    const deployed = await slipway(['envs', 'deploy', 'cli-releases', 'dev', '1', '--reason', 'first try']);
    expect(deployed.stdout).toBe('deployed  cli-releases/dev now runs cli-releases#1 100%\n');
    await new Promise((r) => setTimeout(r, 50));
    const between = new Date();
    await new Promise((r) => setTimeout(r, 50));
    expectOneLineError(await slipway(['releases', 'create', 'cli-releases', '--model', 'cli-llm:staging']), 1, 'label "staging" on model cli-llm not found');
    expect((await slipway(['releases', 'create', 'cli-releases', '--model', 'cli-llm@1', '--prompt', 'greet'])).code).toBe(0);
    expect((await slipway(['envs', 'deploy', 'cli-releases', 'dev', '2'])).code).toBe(0);

    const now = await slipway(['envs', 'show', 'cli-releases', 'dev']);
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(/^running +cli-releases#2 100% \(cli-llm@1\)$/m);
    expect(now.stdout).toMatch(/^rollout +all at once$/m);
    const then = await slipway(['envs', 'show', 'cli-releases', 'dev', '--at', between.toISOString()]);
    expect(then.stdout).toMatch(/^running +cli-releases#1 100% \(cli-llm@1\)$/m);
    expect(then.stdout).toMatch(/^since +.+ by token:bootstrap \(deploy: first try\)$/m);
    const earlier = await json<{ entry: unknown }>(['envs', 'show', 'cli-releases', 'dev', '--at', before.toISOString()]);
    expect(earlier.entry).toBeNull();
    expectOneLineError(await slipway(['envs', 'show', 'cli-releases', 'dev', '--at', 'yesterday']), 2, '--at "yesterday" is not a time; use ISO 8601, e.g. 2025-06-01T12:00:00Z');

    const history = await json<{ items: { routes: { releaseNumber: number }[] }[] }>(['envs', 'history', 'cli-releases', 'dev']);
    expect(history.items.map((h) => h.routes.map((r) => r.releaseNumber))).toEqual([[2], [1]]);
    const releases = await slipway(['releases', 'list', 'cli-releases']);
    expect(releases.stdout.split('\n')[1]).toMatch(/^cli-releases#2 +cli-llm@1 +greet@1 +/);
  });
});

describe('sync', () => {
  /** The example manifest, made to name this test's service and the e2e admin as owner. */
  async function writeManifest(dir: string, change: (m: Record<string, unknown>) => void = () => undefined) {
    await mkdir(path.join(dir, 'prompts'), { recursive: true });
    const manifest = parse(await readFile(path.join(FIXTURE, 'slipway.yaml'), 'utf8')) as { service: { name: string; owners: string[] } } & Record<string, unknown>;
    manifest.service.name = 'cli-sync';
    manifest.service.owners = [server.adminEmail];
    change(manifest);
    await writeFile(path.join(dir, 'slipway.yaml'), stringify(manifest));
    await copyFile(path.join(FIXTURE, 'prompts/tone.yaml'), path.join(dir, 'prompts/tone.yaml'));
    await copyFile(path.join(FIXTURE, 'pipeline.yaml'), path.join(dir, 'pipeline.yaml'));
  }

  type Report = { dryRun: boolean; items: { kind: string; name: string; status: string; detail: string }[]; summary: Record<string, number> };

  async function versionCounts() {
    const prompts = await json<{ versionCount: number }[]>(['prompts', 'list', 'cli-sync']);
    const models = await json<{ name: string; matchingVersions: number }[]>(['models', 'list']);
    return { prompts: prompts.reduce((n, p) => n + p.versionCount, 0), models: models.find((m) => m.name === 'support-llm')?.matchingVersions ?? 0 };
  }

  it('creates a gateway key that the gateway accepts, and revokes it', async () => {
    expect((await slipway(['services', 'create', 'cli-keys'])).code).toBe(0);
    await writeFile(path.join(work, 'keys-model.json'), JSON.stringify({ providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'small' }));
    expect((await slipway(['models', 'register', 'cli-keys-llm', '--file', 'keys-model.json'])).code).toBe(0);
    expect((await slipway(['releases', 'create', 'cli-keys', '--model', 'cli-keys-llm@1'])).code).toBe(0);
    expect((await slipway(['envs', 'deploy', 'cli-keys', 'dev', '1'])).code).toBe(0);
    const created = await json<{ key: string; id: string; name: string }>(['keys', 'create', 'cli-keys', 'web']);
    expect(created.key).toMatch(/^sgw_/);
    const list = await slipway(['keys', 'list', 'cli-keys']);
    expect(list.stdout).toContain(created.key.slice(0, 10));
    expect(list.stdout).not.toContain(created.key);
    const models = async () => fetch(`${server.url}/gw/cli-keys/dev/v1/models`, { headers: { authorization: `Bearer ${created.key}` } });
    let res = await models();
    for (let i = 0; i < 20 && res.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await models();
    }
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['cli-keys', 'cli-keys#1']);
    expect((await slipway(['keys', 'revoke', 'cli-keys', created.id])).stdout).toBe(`revoked  web (${created.key.slice(0, 10)}…)\n`);
    const revokedAt = Date.now();
    while ((await models()).status !== 401 && Date.now() - revokedAt < 2000) await new Promise((r) => setTimeout(r, 50));
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('shows what it would do without doing it, applies the manifest, and then finds nothing to change', async () => {
    const dir = path.join(work, 'repo');
    await writeManifest(dir);

    const dry = await json<Report>(['sync', '--dry-run', '--file', path.join(dir, 'slipway.yaml')]);
    expect(dry.dryRun).toBe(true);
    expect(dry.items.find((i) => i.kind === 'service')).toMatchObject({ name: 'cli-sync', status: 'created' });
    expect((await json<{ name: string }[]>(['services', 'list'])).map((s) => s.name)).not.toContain('cli-sync');

    const first = await slipway(['sync'], { cwd: dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const rows = first.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^KIND +NAME +STATUS +DETAIL$/);
    expect(rows.slice(1, -1).map((l) => l.split(/ {2,}/))).toEqual([
      ['service', 'cli-sync', 'created'],
      ['prompt', 'tone', 'created', 'v1'],
      ['label', 'tone:staging', 'created', 'v1'],
      ['prompt', 'answer', 'created', 'v1'],
      ['label', 'answer:staging', 'created', 'v1'],
      ['model', 'support-llm', 'created', 'v1'],
      ['label', 'support-llm:staging', 'created', 'v1'],
      ['environment', 'staging', 'updated', 'slos, rollout'],
      ['environment', 'production', 'updated', 'protection'],
      ['pipeline', 'cli-sync', 'created', 'v1 from pipeline.yaml'],
    ]);
    expect(rows.at(-1)).toBe('8 created, 2 updated, 0 unchanged');
    const afterFirst = await versionCounts();
    expect(afterFirst).toEqual({ prompts: 2, models: 1 });

    const second = await json<Report>(['sync', '--file', path.join(dir, 'slipway.yaml')]);
    expect(second.items).toHaveLength(10);
    expect(second.items.filter((i) => i.status !== 'unchanged')).toEqual([]);
    expect(second.summary).toEqual({ created: 0, updated: 0, unchanged: 10 });
    expect(await json<{ version: number; created: boolean }>(['pipelines', 'define', 'cli-sync', '--file', path.join(dir, 'pipeline.yaml')])).toMatchObject({ version: 1, created: false });
    expect(await versionCounts()).toEqual(afterFirst);

    const env = await json<{ slos: { p95LatencyMs: number; maxErrorRate: number }; rollout: { strategy: string } }>(['envs', 'show', 'cli-sync', 'staging']);
    expect(env.slos).toMatchObject({ p95LatencyMs: 4000, maxErrorRate: 0.05 });
    expect(env.rollout.strategy).toBe('canary');
  });

  it('changes only what the manifest changed', async () => {
    const dir = path.join(work, 'repo-changed');
    await writeManifest(dir, (m) => {
      const [model] = m.models as { priceInputPer1M: number }[];
      model!.priceInputPer1M = 0.2;
      (m.service as { description: string }).description = 'Answers tickets, cheaper';
    });
    const before = await versionCounts();
    const run = await json<Report>(['sync', '--file', path.join(dir, 'slipway.yaml')]);
    const changed = run.items.filter((i) => i.status !== 'unchanged').map((i) => [i.kind, i.name, i.status, i.detail]);
    expect(changed).toEqual([
      ['service', 'cli-sync', 'updated', 'description'],
      ['model', 'support-llm', 'created', 'v2 (differs from v1 in priceInputPer1M)'],
      ['label', 'support-llm:staging', 'updated', 'v1 → v2'],
    ]);
    expect(await versionCounts()).toEqual({ prompts: before.prompts, models: before.models + 1 });
  });

  it('refuses an invalid manifest before changing anything', async () => {
    const dir = path.join(work, 'repo-bad');
    await writeManifest(dir, (m) => {
      (m.service as { name: string }).name = 'cli-sync-bad';
      (m.prompts as { messages?: unknown[] }[])[0]!.messages = [];
    });
    const run = await slipway(['sync'], { cwd: dir });
    expectOneLineError(run, 2, /^error: slipway\.yaml:\d+: prompts\[0\]\.messages: needs at least one message$/);
    expect((await json<{ name: string }[]>(['services', 'list'])).map((s) => s.name)).not.toContain('cli-sync-bad');
  });
});

const PIPELINE = `branches:
  - pattern: main
    mode: deploy
    environment: staging
stages:
  - name: check
    steps:
      - name: config
        type: validate-config
`;

/** A webhook receiver that holds every request until released. */
async function holdServer() {
  const { createServer } = await import('node:http');
  let waiting = 0;
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  const srv = createServer((req, res) => {
    req.resume();
    waiting += 1;
    void released.then(() => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hold`,
    waiting: () => waiting,
    release,
    close: () => {
      release();
      srv.closeAllConnections();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
let hold: Awaited<ReturnType<typeof holdServer>> | undefined;

async function until(probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('pipelines', () => {
  afterAll(() => hold?.close());
  type RunJson = { number: number; status: string; mode: string; targetEnvironment: string | null; trigger: { branch: string | null } };

  it('refuses a definition with problems at their lines, saves a good one once, and says when it is unchanged', async () => {
    expect((await slipway(['services', 'create', 'cli-pipes'])).code).toBe(0);
    await writeFile(path.join(work, 'bad-pipeline.yaml'), `${PIPELINE}      - name: gate\n        type: smoke-test\n        colour: blue\n`);
    expectOneLineError(
      await slipway(['pipelines', 'define', 'cli-pipes', '--file', 'bad-pipeline.yaml']),
      2,
      'bad-pipeline.yaml:11: stages[0].steps[1].type: step type smoke-test is not available yet (it comes with smoke tests); bad-pipeline.yaml:12: stages[0].steps[1]: unknown field colour',
    );
    expectOneLineError(await slipway(['pipelines', 'define', 'cli-pipes', '--file', 'missing.yaml']), 2, 'cannot read missing.yaml: no such file');
    // Nothing was saved, so nothing can run yet.
    expectOneLineError(await slipway(['pipelines', 'run', 'cli-pipes']), 1, 'cli-pipes has no pipeline yet; save one on the Pipelines page or with slipway pipelines define');

    await writeFile(path.join(work, 'pipeline.yaml'), PIPELINE);
    const saved = await slipway(['pipelines', 'define', 'cli-pipes', '--file', 'pipeline.yaml']);
    expect(saved).toEqual({ code: 0, stdout: 'saved v1\n', stderr: '' });
    expect((await slipway(['pipelines', 'define', 'cli-pipes', '-f', 'pipeline.yaml'])).stdout).toBe('unchanged v1\n');
    await writeFile(path.join(work, 'pipeline.yaml'), PIPELINE.replace('environment: staging', 'environment: dev'));
    expect(await json(['pipelines', 'define', 'cli-pipes', '--file', 'pipeline.yaml'])).toEqual({ service: 'cli-pipes', version: 2, created: true });
  });

  it('starts runs that the engine takes up, and lists them newest first', async () => {
    await writeFile(path.join(work, 'pipes-model.json'), JSON.stringify({ providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'small' }));
    expect((await slipway(['models', 'register', 'cli-pipes-llm', '--file', 'pipes-model.json'])).code).toBe(0);
    expect((await slipway(['releases', 'create', 'cli-pipes', '--model', 'cli-pipes-llm@1'])).code).toBe(0);
    // Every run waits at a webhook step that this test answers when it chooses.
    hold = await holdServer();
    const created = await fetch(`${server.url}/api/trpc/secrets.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.bootstrapToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { name: 'cli-hold', kind: 'webhook_secret', value: 'whsec_cli_hold_secret' } }),
    });
    expect(created.status).toBe(200);
    await writeFile(path.join(work, 'held-pipeline.yaml'), `${PIPELINE.replace('environment: staging', 'environment: dev')}      - name: hold\n        type: webhook\n        inputs: { url: "${hold.url}", secret: cli-hold }\n`);
    expect((await slipway(['pipelines', 'define', 'cli-pipes', '--file', 'held-pipeline.yaml'])).stdout).toBe('saved v3\n');

    const first = await json<RunJson>(['pipelines', 'run', 'cli-pipes', '--branch', 'feature/x']);
    expect(first).toMatchObject({ number: 1, mode: 'evaluate', targetEnvironment: null, trigger: { branch: 'feature/x' } });
    const second = await slipway(['pipelines', 'run', 'cli-pipes', '--branch', 'main']);
    expect(second.stderr).toBe('');
    expect(second.stdout).toMatch(/^started  cli-pipes run 2 \((queued|running)\)\ndoes     deploy to dev\nfollow   slipway pipelines status cli-pipes 2 --wait\n$/);
    expect(await json<RunJson>(['pipelines', 'run', 'cli-pipes', '--release', '1', '--env', 'staging'])).toMatchObject({ number: 3, mode: 'deploy', targetEnvironment: 'staging' });
    expectOneLineError(await slipway(['pipelines', 'run', 'cli-pipes', '--env', 'staging', '--evaluate-only']), 2, 'choose --env or --evaluate-only, not both');
    expectOneLineError(await slipway(['pipelines', 'run', 'cli-pipes', '--commit', 'abc']), 2, '--commit must be a 40-character hex git commit');
    expectOneLineError(await slipway(['pipelines', 'run', 'cli-pipes', '--release', '9']), 1, 'release: cli-pipes has no release #9');
    expectOneLineError(await slipway(['pipelines', 'run', 'cli-pipes', '--timeout', '5']), 2, '--timeout needs --wait');

    // One run per service at a time: the first reaches the held step, the others wait their turn.
    await until(async () => hold!.waiting() >= 1, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(hold!.waiting()).toBe(1);
    const list = await slipway(['pipelines', 'list', 'cli-pipes']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RUN +STATUS +TRIGGER +BRANCH +COMMIT +DOES +RELEASE +STARTED +DURATION$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/).slice(0, 7))).toEqual([
      ['3', 'queued', 'manual by token:bootstrap', '—', '—', 'deploy to staging', '#1'],
      ['2', 'queued', 'manual by token:bootstrap', 'main', '—', 'deploy to dev', '#1'],
      ['1', 'running', 'manual by token:bootstrap', 'feature/x', '—', 'evaluate only', '#1'],
    ]);
    const page = await json<{ items: RunJson[]; nextCursor: number | null }>(['pipelines', 'list', 'cli-pipes', '--limit', '2']);
    expect(page.items.map((r) => r.number)).toEqual([3, 2]);
    expect(page.nextCursor).toBe(2);
    expect((await json<{ items: RunJson[] }>(['pipelines', 'list', 'cli-pipes', '--before', '2'])).items.map((r) => r.number)).toEqual([1]);
  });

  it('shows a run with its steps, and cancels it', async () => {
    const status = await slipway(['pipelines', 'status', 'cli-pipes', '2']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^run +cli-pipes run 2$/m);
    expect(status.stdout).toMatch(/^status +queued$/m);
    expect(status.stdout).toMatch(/^trigger +manual by token:bootstrap, branch main$/m);
    expect(status.stdout).toMatch(/^candidate +cli-pipes#1$/m);
    const steps = status.stdout.split('\n\n')[1]!.trimEnd().split('\n');
    expect(steps[0]).toMatch(/^STAGE +STEP +TYPE +STATUS +ATTEMPTS +DURATION +ERROR$/);
    expect(steps.slice(1).map((l) => l.split(/ {2,}/).slice(0, 5))).toEqual([
      ['source', 'candidate', 'candidate', 'pending', '0'],
      ['check', 'config', 'validate-config', 'pending', '0'],
      ['check', 'hold', 'webhook', 'pending', '0'],
    ]);
    const running = await slipway(['pipelines', 'status', 'cli-pipes', '1']);
    expect(running.stdout.split('\n\n')[1]!.trimEnd().split('\n').slice(1).map((l) => l.split(/ {2,}/).slice(1, 4))).toEqual([
      ['candidate', 'candidate', 'passed'],
      ['config', 'validate-config', 'passed'],
      ['hold', 'webhook', 'running'],
    ]);
    expectOneLineError(await slipway(['pipelines', 'status', 'cli-pipes', '99']), 1, 'pipeline run 99 of cli-pipes not found');
    expectOneLineError(await slipway(['pipelines', 'status', 'cli-pipes', 'latest']), 2, '"latest" is not a run number; use e.g. 3');

    const cancelled = await slipway(['pipelines', 'cancel', 'cli-pipes', '2', '--reason', 'wrong branch']);
    expect(cancelled).toEqual({ code: 0, stdout: 'cancelled  cli-pipes run 2 (wrong branch)\n', stderr: '' });
    expectOneLineError(await slipway(['pipelines', 'cancel', 'cli-pipes', '2']), 1, 'run 2 has already cancelled');
    const after = await json<RunJson & { steps: { status: string }[] }>(['pipelines', 'status', 'cli-pipes', '#2']);
    expect(after.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('waits for a run: exits 1 at once when it was cancelled, 5 when the timeout runs out, and 0 when it passed', async () => {
    const started = Date.now();
    const wait = await slipway(['pipelines', 'status', 'cli-pipes', '2', '--wait']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(wait.code).toBe(1);
    expect(wait.stderr).toBe('error: cli-pipes run 2 was cancelled: wrong branch\n');
    expect(wait.stdout.trimEnd().split('\n').map((l) => l.split(/ {2,}/)[0]!.trim() + ' ' + l.split(/ {2,}/)[1]!.replace(/ .*$/, ''))).toEqual([
      'cancelled source/candidate',
      'cancelled check/config',
      'cancelled check/hold',
      'cancelled cli-pipes',
    ]);
    const asJson = await slipway(['pipelines', 'status', 'cli-pipes', '2', '--wait', '--json']);
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ number: 2, status: 'cancelled' });

    const held = await slipway(['pipelines', 'status', 'cli-pipes', '1', '--wait', '--timeout', '1.5']);
    expect(held.code).toBe(5);
    expect(held.stderr).toBe('error: stopped waiting after 1.5 s: it is still running (the run goes on; see slipway pipelines status cli-pipes 1)\n');
    expectOneLineError(await slipway(['pipelines', 'status', 'cli-pipes', '1', '--wait', '--timeout', '0']), 2, '--timeout must be a number of seconds greater than 0');

    hold!.release();
    const passed = await slipway(['pipelines', 'status', 'cli-pipes', '1', '--wait', '--timeout', '60']);
    expect(passed.stderr).toBe('');
    expect(passed.code).toBe(0);
    expect(passed.stdout.trimEnd().split('\n').at(-1)).toMatch(/^passed +cli-pipes run 1/);
    const third = await slipway(['pipelines', 'status', 'cli-pipes', '3', '--wait', '--timeout', '60']);
    expect(third.code).toBe(0);
    const run3 = await json<RunJson & { steps: { name: string; status: string }[] }>(['pipelines', 'status', 'cli-pipes', '3']);
    expect(run3.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['candidate:passed', 'config:passed', 'hold:passed']);
  });

});
