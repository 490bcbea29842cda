// GitHub deliveries: which repository they concern, and what a push or pull request asks for. Pure; the
// signature is checked before anything here is trusted.
import { z } from 'zod';
import { branchOfRef, clip, commitSchema, ignored, isZeroCommit, parsePayload, type DeliveryFacts } from './delivery';
import { repoKeys } from './repo-url';

const repository = z.object({
  full_name: z.string().optional(),
  clone_url: z.string().optional(),
  html_url: z.string().optional(),
  ssh_url: z.string().optional(),
  git_url: z.string().optional(),
});

/** Every location of the payload's repository, normalised, for finding the service. */
export function githubRepoKeys(payload: unknown): string[] {
  const repo = repository.safeParse((payload as { repository?: unknown } | null)?.repository);
  if (!repo.success) return [];
  return repoKeys([repo.data.clone_url, repo.data.html_url, repo.data.ssh_url, repo.data.git_url]);
}

const person = z.object({ name: z.string().nullish(), username: z.string().nullish(), email: z.string().nullish() }).nullish();

const pushPayload = z.object({
  ref: z.string(),
  before: z.string().optional(),
  after: z.string(),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  compare: z.string().optional(),
  commits: z.array(z.unknown()).optional(),
  head_commit: z.object({ id: z.string(), message: z.string().nullish(), author: person }).nullish(),
  pusher: person,
  sender: z.object({ login: z.string() }).partial().nullish(),
  repository: repository.optional(),
});

const prPayload = z.object({
  action: z.string(),
  number: z.number(),
  pull_request: z.object({
    title: z.string().nullish(),
    html_url: z.string().nullish(),
    user: z.object({ login: z.string() }).partial().nullish(),
    head: z.object({ ref: z.string(), sha: commitSchema, repo: z.object({ full_name: z.string() }).partial().nullish() }),
    base: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }).partial().nullish() }),
  }),
  repository: repository.optional(),
});

const PR_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);

function interpretPush(event: string, payload: unknown): DeliveryFacts {
  const p = parsePayload(pushPayload, payload, 'push payload');
  const branch = branchOfRef(p.ref);
  const summary = {
    repository: p.repository?.full_name ?? null,
    ref: p.ref,
    before: p.before ?? null,
    after: p.after,
    commits: p.commits?.length ?? 0,
    forced: p.forced ?? false,
    compare: p.compare ?? null,
    pusher: p.pusher?.name ?? p.sender?.login ?? null,
  };
  if (!branch) return ignored(event, `${p.ref} is not a branch`, { summary });
  if (p.deleted || isZeroCommit(p.after)) return ignored(event, `branch ${branch} was deleted`, { branch, summary });
  const commit = parsePayload(commitSchema, p.after, 'push payload: after');
  const author = p.head_commit?.author?.username ?? p.head_commit?.author?.name ?? p.pusher?.name ?? p.sender?.login ?? null;
  return { event, branch, commit, summary, trigger: { kind: 'push', branch, commit, author, message: clip(p.head_commit?.message) }, ignored: null };
}

function interpretPullRequest(event: string, payload: unknown): DeliveryFacts {
  const p = parsePayload(prPayload, payload, 'pull_request payload');
  const pr = p.pull_request;
  const summary = {
    repository: p.repository?.full_name ?? null,
    number: p.number,
    action: p.action,
    title: clip(pr.title),
    url: pr.html_url ?? null,
    base: pr.base.ref,
    head: pr.head.ref,
    fromFork: !!pr.head.repo?.full_name && !!pr.base.repo?.full_name && pr.head.repo.full_name !== pr.base.repo.full_name,
  };
  const facts = { branch: pr.head.ref, commit: pr.head.sha, summary };
  if (!PR_ACTIONS.has(p.action)) return ignored(event, `pull request action "${p.action}" starts nothing`, facts);
  return { event, ...facts, trigger: { kind: 'pull_request', branch: pr.head.ref, commit: pr.head.sha, author: pr.user?.login ?? null, message: clip(pr.title) }, ignored: null };
}

/** Reads a verified delivery of `event` (the X-GitHub-Event header). */
export function interpretGithub(event: string, payload: unknown): DeliveryFacts {
  switch (event) {
    case 'push':
      return interpretPush(event, payload);
    case 'pull_request':
      return interpretPullRequest(event, payload);
    case 'ping':
      return ignored(event, 'ping', { summary: { zen: (payload as { zen?: unknown } | null)?.zen ?? null, hookId: (payload as { hook_id?: unknown } | null)?.hook_id ?? null } });
    default:
      return ignored(event, `event "${event}" starts nothing`);
  }
}
