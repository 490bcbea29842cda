// `npm run model-server` as a user runs it: the bundled entry point with its flags and config variable, the
// log line saying where it listens and what it serves, and clear failures for bad flags and bad configs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['scripts/model-server.mjs', ...args], { cwd: root, env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', ...env } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  /** Resolves with the parsed "listening" log line. */
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((l) => l.includes('is listening'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  // Tests that expect an exit never await `listening`; its rejection is not an error for them.
  listening.catch(() => undefined);
  return { child, exited, listening, output: () => ({ stdout, stderr }) };
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGTERM');
});

describe('npm run model-server', () => {
  it('serves the models of the config named by SLIPWAY_MODEL_SERVER_CONFIG, logs where, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'refmodel-cli-'));
    const file = path.join(dir, 'models.yaml');
    writeFileSync(file, 'models:\n  cli-model:\n    quality: 1\n    latency: { meanMs: 5000, p99Ms: 6000, timeToFirstTokenMs: 1000, tokensPerSecond: 5 }\n');
    const p = run(['--port', '0', '--seed', '3', '--no-delay'], { SLIPWAY_MODEL_SERVER_CONFIG: file });
    const log = await p.listening;
    expect(log).toMatchObject({ models: ['cli-model'], seed: 3, noDelay: true, part: 'reference-model' });
    const url = log.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const t0 = performance.now();
    const res = await fetch(`${url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'cli-model', messages: [{ role: 'user', content: 'What is the API rate limit?' }] }) });
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toContain('600 requests per minute');
    // --no-delay: a 5-second model answers in a fraction of that.
    expect(performance.now() - t0).toBeLessThan(2500);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('serves the shipped default models when given no config', async () => {
    const p = run(['--port', '0'], { SLIPWAY_MODEL_SERVER_CONFIG: '' });
    const log = await p.listening;
    expect(log.models).toEqual(expect.arrayContaining(['ref-small', 'ref-small-v2', 'ref-degraded', 'ref-fast']));
  });

  it('refuses bad flags and bad configs with a message', async () => {
    const badFlag = run(['--port', 'abc']);
    expect(await badFlag.exited).toBe(2);
    expect(badFlag.output().stderr).toContain('--port must be an integer between 0 and 65535');
    const dir = mkdtempSync(path.join(tmpdir(), 'refmodel-cli-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'models:\n  m:\n    quality: 2\n');
    const badConfig = run(['--config', file]);
    expect(await badConfig.exited).toBe(1);
    expect(badConfig.output().stderr).toContain('models.m.quality: must be between 0 and 1');
  });
});
