// Gateway workers in the built app, started as `npm start` starts it: one keep-alive connection (as undici clients
// such as the CLI pool them) carries gateway calls, served by a worker, and console API calls, which the worker
// passes to the app's process; the app's process has npm start's memory settings, its workers not; stopping npm
// stops them all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, type RunningServer } from './server';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    SLIPWAY_GATEWAY_WORKERS: '2',
    // Unset: the app's default priority change.
    SLIPWAY_APP_NICE: '',
    SLIPWAY_DEMO: 'on',
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(await freePort()),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/reference-models.yaml'),
    // Already in the environment: npm start's own value takes its place in the app's process.
    MALLOC_ARENA_MAX: '7',
  }, { startScript: 'shell' });
});
afterAll(() => server?.stop());

// /proc/<pid>/stat: after the command name, field 3 is the state, 4 the parent, 19 the nice value.
const fields = (stat: string) => stat.slice(stat.lastIndexOf(')') + 2).split(' ');
const niceOf = (pid: number | string, tid: number | string = pid) => Number(fields(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'))[16]);
/** The child processes of `parent` whose command line has `command` (by default the app's gateway workers). */
const children = (parent: number = server.pid, command = 'gateway-worker') =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return Number(fields(readFileSync(`/proc/${p}/stat`, 'utf8'))[1]) === parent && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(command);
      } catch {
        return false;
      }
    })
    .map(Number);
const workers = () => children();
const alive = (pid: number) => existsSync(`/proc/${pid}`) && fields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[0] !== 'Z';

describe('gateway workers in the app', () => {
  it('serves /gw and /api requests in turn on one keep-alive connection', async () => {
    const agent = new Agent({ connections: 1 });
    const trpc = async (procedure: string, input: unknown, method: 'GET' | 'POST' = 'POST') => {
      const encoded = JSON.stringify({ json: input });
      const url = `${server.url}/api/trpc/${procedure}${method === 'GET' ? `?input=${encodeURIComponent(encoded)}` : ''}`;
      const res = await request(url, { dispatcher: agent, method, headers: { authorization: `Bearer ${server.bootstrapToken}`, 'content-type': 'application/json' }, body: method === 'POST' ? encoded : undefined });
      expect(res.statusCode).toBe(200);
      return ((await res.body.json()) as { result: { data: { json: unknown } } }).result.data.json;
    };
    const gw = async (key: string) => {
      const res = await request(`${server.url}/gw/support-bot/production/v1/chat/completions`, {
        dispatcher: agent,
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'What plans do you offer?' }], max_tokens: 16 }),
      });
      await res.body.dump();
      return res.statusCode;
    };
    // The connection opens with a gateway call (a worker takes it); a key is unknown at first.
    expect(await gw('sgw_unknown')).toBe(401);
    const { key } = (await trpc('gatewayKeys.create', { service: 'support-bot', name: 'keep-alive' })) as { key: string };
    let status = await gw(key);
    for (const until = Date.now() + 2_000; status !== 200 && Date.now() < until; status = await gw(key)) await new Promise((r) => setTimeout(r, 50));
    expect(status).toBe(200);
    const health = await request(`${server.url}/api/health`, { dispatcher: agent });
    expect(((await health.body.json()) as { status: string }).status).toBe('ok');
    expect(((await trpc('services.list', {}, 'GET')) as { name: string }[]).map((s) => s.name)).toContain('support-bot');
    expect(await gw(key)).toBe(200);
    await agent.close();
  });

  it('gives the app\'s process npm start\'s memory settings and its workers, which serve the calls, none of them', () => {
    const environ = (pid: number) => new Map(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const argv = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const app = environ(server.pid);
    expect(app.get('MALLOC_ARENA_MAX')).toBe('2');
    expect(app.get('MALLOC_MMAP_THRESHOLD_')).toBe('16384');
    expect(argv(server.pid)).toContain('--max-semi-space-size=2');
    expect(argv(server.pid).at(-1)).toBe('scripts/start.mjs');
    const pids = workers();
    expect(pids).toHaveLength(2);
    for (const pid of pids) {
      const env = environ(pid);
      expect(env.has('MALLOC_ARENA_MAX')).toBe(false);
      expect(env.has('MALLOC_MMAP_THRESHOLD_')).toBe(false);
      expect(env.get('UV_TCP_SINGLE_ACCEPT')).toBe('1');
      expect(argv(pid).some((a) => a.startsWith('--max-semi-space-size'))).toBe(false);
      expect(argv(pid).at(-1)).toMatch(/gateway-worker\.mjs$/);
    }
  });

  it('puts the app process behind its workers for CPU, and a replacement worker takes the app\'s priority back', async () => {
    // The app starts at the priority of this process, its parent; it lowers every thread of its own (its
    // JavaScript, the embedded database, libuv's and V8's helpers) by 10, and its workers keep the priority it had.
    const before = os.getPriority();
    const lowered = Math.min(19, before + 10);
    const threadNices = readdirSync(`/proc/${server.pid}/task`).flatMap((t) => {
      try {
        return [niceOf(server.pid, t)];
      } catch {
        return []; // a thread that ended while we looked
      }
    });
    expect(threadNices.length).toBeGreaterThan(1);
    expect(new Set(threadNices)).toEqual(new Set([lowered]));
    const first = workers();
    expect(first).toHaveLength(2);
    for (const pid of first) expect(niceOf(pid)).toBe(before);

    process.kill(first[0]!, 'SIGKILL');
    let replacement: number | undefined;
    for (const until = Date.now() + 15_000; !replacement && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      replacement = workers().find((p) => !first.includes(p));
    }
    expect(replacement).toBeDefined();
    // Forked by the lowered process, it starts there; raising a priority back needs root (or CAP_SYS_NICE).
    const expected = process.getuid?.() === 0 ? before : lowered;
    for (const until = Date.now() + 5_000; niceOf(replacement!) !== expected && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(niceOf(replacement!)).toBe(expected);
  });
  it('stops the app and its workers gracefully when npm start is stopped (SIGTERM to npm)', async () => {
    // Stopped as soon as it answers: its start-up work (containers, the executor's sync) is still under way.
    const npm = await startServer({ LOG_LEVEL: 'info' }, { startScript: 'npm' });
    try {
      // npm's child is the app itself (the start script execs node): no shell in between to take the signal.
      const [app, ...more] = children(npm.pid, 'scripts/start.mjs');
      expect(more).toEqual([]);
      // SLIPWAY_GATEWAY_WORKERS unset: one worker per core less the one the app's process keeps, at least one.
      const pids = [app!, ...children(app!)];
      expect(pids).toHaveLength(1 + Math.max(1, os.availableParallelism() - 1));
      await npm.terminate();
      for (const until = Date.now() + 15_000; pids.some(alive) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
      const left = pids.filter(alive);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      expect(left).toEqual([]);
      expect(npm.output()).toContain('shutting down');
    } finally {
      await npm.stop();
    }
  });

  // Runs last: it kills the app.
  it('a worker exits when the app\'s process is killed while a connection it handed over is unacknowledged', async () => {
    const pids = workers();
    expect(pids).toHaveLength(2);
    const { port } = new URL(server.url);
    const sockets: net.Socket[] = [];
    // Stopped, the app's process takes no message: each worker accepts console connections and hands them over (it
    // reads their request line first), and the acknowledgement of the handle it sent never comes.
    process.kill(server.pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 16; i++) {
        const socket = net.connect(Number(port), '127.0.0.1');
        socket.on('error', () => {});
        socket.write('GET /api/health HTTP/1.1\r\nhost: localhost\r\n\r\n');
        sockets.push(socket);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await server.kill();
    }
    for (const until = Date.now() + 5_000; pids.some(alive) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    for (const socket of sockets) socket.destroy();
    const left = pids.filter(alive);
    // Not left serving: a leftover would be killed here rather than outlive the test run.
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
  });
});
