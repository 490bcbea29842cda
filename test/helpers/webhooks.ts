// Webhook payloads shaped like GitHub's and GitLab's (trimmed to the fields they always send, plus a few more),
// and signed Requests for the handlers.
import { randomUUID } from 'node:crypto';
import { hmacHex, signGeneric } from '@/server/webhooks/signature';

export const SHA_A = 'a'.repeat(40);
export const SHA_B = '0123456789abcdef0123456789abcdef01234567';
export const ZERO = '0'.repeat(40);

export function githubRepository(fullName = 'acme/support-bot') {
  return {
    id: 1296269,
    name: fullName.split('/')[1],
    full_name: fullName,
    private: true,
    html_url: `https://github.com/${fullName}`,
    clone_url: `https://github.com/${fullName}.git`,
    git_url: `git://github.com/${fullName}.git`,
    ssh_url: `git@github.com:${fullName}.git`,
    default_branch: 'main',
  };
}

export function githubPush(opts: { ref?: string; after?: string; before?: string; deleted?: boolean; repo?: string; message?: string } = {}) {
  const after = opts.after ?? SHA_B;
  const deleted = opts.deleted ?? false;
  return {
    ref: opts.ref ?? 'refs/heads/main',
    before: opts.before ?? SHA_A,
    after,
    created: false,
    deleted,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${opts.repo ?? 'acme/support-bot'}/compare/aaaaaaa...${after.slice(0, 7)}`,
    commits: deleted ? [] : [{ id: after, message: opts.message ?? 'Shorter answers', author: { name: 'Ana Lima', email: 'ana@example.com', username: 'ana' } }],
    head_commit: deleted ? null : { id: after, tree_id: SHA_A, message: opts.message ?? 'Shorter answers', timestamp: '2025-06-01T12:00:00Z', author: { name: 'Ana Lima', email: 'ana@example.com', username: 'ana' } },
    repository: githubRepository(opts.repo),
    pusher: { name: 'ana', email: 'ana@example.com' },
    sender: { login: 'ana', id: 1 },
  };
}

export function githubPullRequest(opts: { action?: string; sha?: string; branch?: string; repo?: string; fork?: string } = {}) {
  const repo = opts.repo ?? 'acme/support-bot';
  return {
    action: opts.action ?? 'opened',
    number: 42,
    pull_request: {
      number: 42,
      state: 'open',
      title: 'Friendlier tone',
      html_url: `https://github.com/${repo}/pull/42`,
      user: { login: 'bo' },
      head: { label: 'bo:tone', ref: opts.branch ?? 'tone', sha: opts.sha ?? SHA_B, repo: { full_name: opts.fork ?? repo } },
      base: { label: 'acme:main', ref: 'main', sha: SHA_A, repo: { full_name: repo } },
    },
    repository: githubRepository(repo),
    sender: { login: 'bo' },
  };
}

export function gitlabProject(path = 'acme/support-bot', host = 'gitlab.example.com') {
  return {
    id: 15,
    name: path.split('/')[1],
    path_with_namespace: path,
    web_url: `https://${host}/${path}`,
    git_ssh_url: `git@${host}:${path}.git`,
    git_http_url: `https://${host}/${path}.git`,
    default_branch: 'main',
  };
}

export function gitlabPush(opts: { ref?: string; after?: string; project?: string; message?: string } = {}) {
  const after = opts.after ?? SHA_B;
  const deleted = /^0+$/.test(after);
  return {
    object_kind: opts.ref?.startsWith('refs/tags/') ? 'tag_push' : 'push',
    event_name: 'push',
    before: SHA_A,
    after,
    ref: opts.ref ?? 'refs/heads/main',
    checkout_sha: deleted ? null : after,
    user_id: 4,
    user_name: 'Ana Lima',
    user_username: 'ana',
    project_id: 15,
    project: gitlabProject(opts.project),
    commits: deleted ? [] : [{ id: after, message: opts.message ?? 'Shorter answers\n', title: 'Shorter answers', author: { name: 'Ana Lima', email: 'ana@example.com' } }],
    total_commits_count: deleted ? 0 : 1,
    repository: { name: 'support-bot', url: `git@gitlab.example.com:${opts.project ?? 'acme/support-bot'}.git`, homepage: `https://gitlab.example.com/${opts.project ?? 'acme/support-bot'}`, git_http_url: `https://gitlab.example.com/${opts.project ?? 'acme/support-bot'}.git` },
  };
}

export function gitlabMergeRequest(opts: { action?: string; oldrev?: string; sha?: string; branch?: string } = {}) {
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: { id: 1, name: 'Bo Chen', username: 'bo' },
    project: gitlabProject(),
    object_attributes: {
      id: 99,
      iid: 7,
      title: 'Friendlier tone',
      state: 'opened',
      action: opts.action ?? 'open',
      ...(opts.oldrev ? { oldrev: opts.oldrev } : {}),
      source_branch: opts.branch ?? 'tone',
      target_branch: 'main',
      source_project_id: 15,
      target_project_id: 15,
      url: 'https://gitlab.example.com/acme/support-bot/-/merge_requests/7',
      last_commit: { id: opts.sha ?? SHA_B, message: 'Friendlier tone', author: { name: 'Bo Chen', email: 'bo@example.com' } },
    },
    repository: { name: 'support-bot', url: 'git@gitlab.example.com:acme/support-bot.git', homepage: 'https://gitlab.example.com/acme/support-bot' },
  };
}

const BASE = 'http://slipway.test';

export function githubRequest(event: string, payload: unknown, secret: string | null, opts: { delivery?: string; query?: string; signature?: string } = {}): Request {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': opts.delivery ?? randomUUID(), 'user-agent': 'GitHub-Hookshot/abc' };
  if (opts.signature !== undefined) headers['x-hub-signature-256'] = opts.signature;
  else if (secret !== null) headers['x-hub-signature-256'] = `sha256=${hmacHex(secret, body)}`;
  return new Request(`${BASE}/api/webhooks/github${opts.query ?? ''}`, { method: 'POST', headers, body });
}

export function gitlabRequest(event: string, payload: unknown, token: string | null, opts: { delivery?: string; query?: string } = {}): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-event-uuid': opts.delivery ?? randomUUID() };
  if (token !== null) headers['x-gitlab-token'] = token;
  return new Request(`${BASE}/api/webhooks/gitlab${opts.query ?? ''}`, { method: 'POST', headers, body: JSON.stringify(payload) });
}

export function genericRequest(service: string, payload: unknown, secret: string | null, opts: { delivery?: string; timestamp?: number; signature?: string } = {}): Request {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-slipway-delivery': opts.delivery ?? randomUUID() };
  const t = opts.timestamp ?? Math.floor(Date.now() / 1000);
  if (opts.signature !== undefined) headers['x-slipway-signature'] = opts.signature;
  else if (secret !== null) headers['x-slipway-signature'] = signGeneric(body, secret, t);
  return new Request(`${BASE}/api/webhooks/generic/${service}`, { method: 'POST', headers, body });
}
