// Fetching one commit of a service's repository with the git CLI into a temporary folder, removed afterwards
// whatever happens. An access token travels only as an HTTP header set through git's environment: never on a
// command line (visible in ps), in a URL, in the folder's config, or in a message.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '@/server/errors';
import { resolveChecked } from '@/server/outbound/connect';
import { defaultPort, isOutboundRefused } from '@/server/outbound/policy';
import { normalHost } from '@/server/lib/outbound-rules';

export interface RepositoryAccess {
  /** An https URL without credentials, or an absolute path to a local repository. */
  url: string;
  token: string | null;
}

/** A fetch or checkout that failed; the message names the repository and the commit, never a token. */
export class GitSourceError extends DomainError {
  constructor(message: string) {
    super('precondition', message);
    this.name = 'GitSourceError';
  }
}

const GIT_TIMEOUT_MS = 120_000;
// Passed through so git works behind proxies and with custom CAs; nothing else of the server's environment is.
const PASSTHROUGH = ['PATH', 'LANG', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'GIT_SSL_CAINFO'];

function gitEnvironment(repo: RepositoryAccess, home: string, pinned: string | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSTHROUGH) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, {
    // No system or user config (credential helpers, rewrites, hooks paths) and never a prompt for a password.
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_ALLOW_PROTOCOL: repo.url.startsWith('/') ? 'file' : 'https',
  });
  const config: [string, string][] = [];
  if (!repo.url.startsWith('/')) {
    // The outbound policy: no redirects, and the connection goes to the address judged before git ran
    // (curl's resolve list), so DNS cannot answer differently to git.
    config.push(['http.followRedirects', 'false']);
    if (pinned) config.push(['http.curloptResolve', pinned]);
  }
  if (repo.token) {
    // Scoped to the repository's URL, so a request to another URL does not receive it.
    const basic = Buffer.from(`x-access-token:${repo.token}`).toString('base64');
    config.push([`http.${repo.url}.extraHeader`, `Authorization: Basic ${basic}`]);
  }
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** Judges a remote repository's host under the outbound policy; returns curl's `host:port:address` pin. */
async function checkedRemote(repo: RepositoryAccess): Promise<string | null> {
  if (repo.url.startsWith('/')) return null;
  const url = new URL(repo.url);
  const port = defaultPort(url);
  try {
    const address = await resolveChecked(url.hostname, port);
    return `${normalHost(url.hostname)}:${port}:${net.isIPv6(address) ? `[${address}]` : address}`;
  } catch (err) {
    if (isOutboundRefused(err)) throw new GitSourceError(`could not fetch from ${repo.url}: ${err.message}`);
    throw new GitSourceError(`could not fetch from ${repo.url}: cannot resolve ${url.hostname} (${(err as { code?: string }).code ?? (err as Error).message})`);
  }
}

/** Removes anything secret from git's output and keeps its last meaningful lines. */
function gitReason(stderr: string, repo: RepositoryAccess): string {
  let text = stderr;
  if (repo.token) {
    for (const s of [repo.token, Buffer.from(`x-access-token:${repo.token}`).toString('base64')]) text = text.split(s).join('[redacted]');
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-3).join('; ') || 'git failed without a message';
}

function git(args: string[], opts: { cwd: string; env: Record<string, string>; repo: RepositoryAccess }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: opts.cwd, env: opts.env as NodeJS.ProcessEnv, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const timedOut = (err as { killed?: boolean }).killed;
      reject(new GitSourceError(timedOut ? `git ${args[0]} took longer than ${GIT_TIMEOUT_MS / 1000} s` : gitReason(String(stderr), opts.repo)));
    });
  });
}

/**
 * Checks out `commit` of the repository into a new temporary folder, runs `fn` with it and removes the folder,
 * also when fetching or `fn` fails.
 */
export async function withCheckout<T>(repo: RepositoryAccess, commit: string, fn: (dir: string) => Promise<T>): Promise<T> {
  if (!/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(commit)) throw new GitSourceError(`"${commit}" is not a full commit id`);
  const base = await mkdtemp(path.join(os.tmpdir(), 'slipway-source-'));
  try {
    const dir = path.join(base, 'checkout');
    const env = gitEnvironment(repo, base, await checkedRemote(repo));
    const run = (args: string[]) => git(args, { cwd: base, env, repo });
    await run(['init', '--quiet', dir]);
    const inDir = (args: string[]) => run(['-C', dir, ...args]);
    try {
      // One commit, no history: most hosts allow asking for a commit by id (protocol v2).
      await inDir(['fetch', '--quiet', '--no-tags', '--depth=1', '--', repo.url, commit]);
    } catch (first) {
      // Hosts that refuse unadvertised commits still serve their branches and pull request heads.
      try {
        await inDir(['fetch', '--quiet', '--no-tags', '--', repo.url, '+refs/heads/*:refs/source/heads/*', '+refs/pull/*/head:refs/source/pull/*', '+refs/merge-requests/*/head:refs/source/mr/*']);
      } catch {
        throw new GitSourceError(`could not fetch ${commit.slice(0, 12)} from ${repo.url}: ${(first as Error).message}`);
      }
      await inDir(['cat-file', '-e', `${commit}^{commit}`]).catch(() => {
        throw new GitSourceError(`commit ${commit.slice(0, 12)} is not in ${repo.url}`);
      });
    }
    await inDir(['-c', 'advice.detachedHead=false', '-c', 'core.symlinks=true', 'checkout', '--quiet', '--detach', commit]).catch((err: Error) => {
      throw new GitSourceError(`could not check out ${commit.slice(0, 12)} of ${repo.url}: ${err.message}`);
    });
    return await fn(dir);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
