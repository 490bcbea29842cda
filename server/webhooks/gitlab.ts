// GitLab deliveries: which project they concern, and what a push or merge request asks for. Pure; the token is
// checked before anything here is trusted.
import { z } from 'zod';
import { branchOfRef, clip, commitSchema, ignored, isZeroCommit, parsePayload, type DeliveryFacts } from './delivery';
import { repoKeys } from './repo-url';

const project = z.object({
  path_with_namespace: z.string().optional(),
  git_http_url: z.string().optional(),
  git_ssh_url: z.string().optional(),
  web_url: z.string().optional(),
  http_url: z.string().optional(),
});

/** Every location of the payload's project, normalised, for finding the service. */
export function gitlabRepoKeys(payload: unknown): string[] {
  const body = payload as { project?: unknown; repository?: unknown } | null;
  const p = project.safeParse(body?.project);
  const r = z.object({ url: z.string().optional(), homepage: z.string().optional(), git_http_url: z.string().optional(), git_ssh_url: z.string().optional() }).safeParse(body?.repository);
  return repoKeys([
    ...(p.success ? [p.data.git_http_url, p.data.web_url, p.data.git_ssh_url, p.data.http_url] : []),
    ...(r.success ? [r.data.git_http_url, r.data.homepage, r.data.url, r.data.git_ssh_url] : []),
  ]);
}

const pushPayload = z.object({
  ref: z.string(),
  before: z.string().optional(),
  after: z.string(),
  checkout_sha: z.string().nullish(),
  user_name: z.string().nullish(),
  user_username: z.string().nullish(),
  total_commits_count: z.number().optional(),
  commits: z.array(z.object({ id: z.string(), message: z.string().nullish(), author: z.object({ name: z.string().nullish() }).nullish() })).optional(),
  project: project.optional(),
});

const mrPayload = z.object({
  user: z.object({ username: z.string().nullish(), name: z.string().nullish() }).nullish(),
  project: project.optional(),
  object_attributes: z.object({
    iid: z.number(),
    action: z.string().nullish(),
    title: z.string().nullish(),
    url: z.string().nullish(),
    source_branch: z.string(),
    target_branch: z.string(),
    oldrev: z.string().nullish(),
    source_project_id: z.number().nullish(),
    target_project_id: z.number().nullish(),
    last_commit: z.object({ id: commitSchema, message: z.string().nullish() }),
  }),
});

function interpretPush(event: string, payload: unknown): DeliveryFacts {
  const p = parsePayload(pushPayload, payload, 'Push Hook payload');
  const branch = branchOfRef(p.ref);
  const summary = {
    repository: p.project?.path_with_namespace ?? null,
    ref: p.ref,
    before: p.before ?? null,
    after: p.after,
    commits: p.total_commits_count ?? p.commits?.length ?? 0,
    pusher: p.user_username ?? p.user_name ?? null,
  };
  if (!branch) return ignored(event, `${p.ref} is not a branch`, { summary });
  if (isZeroCommit(p.after)) return ignored(event, `branch ${branch} was deleted`, { branch, summary });
  const commit = parsePayload(commitSchema, p.after, 'Push Hook payload: after');
  const head = p.commits?.find((c) => c.id === commit);
  return { event, branch, commit, summary, trigger: { kind: 'push', branch, commit, author: p.user_username ?? p.user_name ?? head?.author?.name ?? null, message: clip(head?.message) }, ignored: null };
}

/** GitLab's merge request actions that correspond to GitHub's opened, synchronize and reopened. */
function startsPipeline(action: string | null | undefined, oldrev: string | null | undefined): boolean {
  return action === 'open' || action === 'reopen' || (action === 'update' && !!oldrev);
}

function interpretMergeRequest(event: string, payload: unknown): DeliveryFacts {
  const p = parsePayload(mrPayload, payload, 'Merge Request Hook payload');
  const mr = p.object_attributes;
  const summary = {
    repository: p.project?.path_with_namespace ?? null,
    number: mr.iid,
    action: mr.action ?? null,
    title: clip(mr.title),
    url: mr.url ?? null,
    base: mr.target_branch,
    head: mr.source_branch,
    fromFork: mr.source_project_id != null && mr.target_project_id != null && mr.source_project_id !== mr.target_project_id,
  };
  const facts = { branch: mr.source_branch, commit: mr.last_commit.id, summary };
  if (!startsPipeline(mr.action, mr.oldrev)) {
    return ignored(event, mr.action === 'update' ? 'merge request update without new commits starts nothing' : `merge request action "${mr.action ?? 'none'}" starts nothing`, facts);
  }
  return { event, ...facts, trigger: { kind: 'merge_request', branch: mr.source_branch, commit: mr.last_commit.id, author: p.user?.username ?? p.user?.name ?? null, message: clip(mr.title) }, ignored: null };
}

/** Reads a verified delivery of `event` (the X-Gitlab-Event header). */
export function interpretGitlab(event: string, payload: unknown): DeliveryFacts {
  switch (event) {
    case 'Push Hook':
      return interpretPush(event, payload);
    case 'Merge Request Hook':
      return interpretMergeRequest(event, payload);
    case 'Tag Push Hook':
      return ignored(event, `${(payload as { ref?: unknown } | null)?.ref ?? 'a tag'} is not a branch`);
    default:
      return ignored(event, `event "${event}" starts nothing`);
  }
}
