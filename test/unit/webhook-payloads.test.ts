// Reading verified deliveries: which service a payload's repository is, and what GitHub pushes and pull requests,
// GitLab pushes and merge requests, and generic triggers ask for — including what is recorded as ignored.
import { describe, expect, it } from 'vitest';
import { PayloadError } from '@/server/webhooks/delivery';
import { interpretGeneric } from '@/server/webhooks/generic';
import { githubRepoKeys, interpretGithub } from '@/server/webhooks/github';
import { gitlabRepoKeys, interpretGitlab } from '@/server/webhooks/gitlab';
import { normalizeRepoUrl } from '@/server/webhooks/repo-url';
import { githubPullRequest, githubPush, gitlabMergeRequest, gitlabPush, SHA_B, ZERO } from '../helpers/webhooks';

describe('repository locations', () => {
  it('compare equal whatever the scheme, credentials, case, trailing slash or .git', () => {
    const forms = [
      'https://github.com/Acme/Support-Bot.git',
      'https://github.com/acme/support-bot',
      'https://github.com/acme/support-bot/',
      'http://github.com/acme/support-bot.git',
      'https://x-access-token@github.com:443/acme/support-bot.git',
      'git@github.com:acme/support-bot.git',
      'ssh://git@github.com/acme/support-bot.git',
      'git://github.com/acme/support-bot.git',
    ];
    for (const f of forms) expect({ f, key: normalizeRepoUrl(f) }).toEqual({ f, key: 'github.com/acme/support-bot' });
  });

  it('keep hosts and paths apart, and normalise local paths', () => {
    expect(normalizeRepoUrl('https://gitlab.com/acme/support-bot')).not.toBe(normalizeRepoUrl('https://github.com/acme/support-bot'));
    expect(normalizeRepoUrl('https://github.com/acme/support-bot-2')).not.toBe(normalizeRepoUrl('https://github.com/acme/support-bot'));
    expect(normalizeRepoUrl('/srv/git/../git/support-bot.git/')).toBe('/srv/git/support-bot');
    expect(normalizeRepoUrl('')).toBeNull();
    expect(normalizeRepoUrl('not a url')).toBeNull();
    expect(normalizeRepoUrl('https://github.com/')).toBeNull();
    expect(normalizeRepoUrl('ftp://example.com/x')).toBeNull();
  });

  it('are read from GitHub and GitLab payloads', () => {
    expect(githubRepoKeys(githubPush())).toEqual(['github.com/acme/support-bot']);
    expect(gitlabRepoKeys(gitlabPush())).toEqual(['gitlab.example.com/acme/support-bot']);
    expect(gitlabRepoKeys(gitlabMergeRequest())).toEqual(['gitlab.example.com/acme/support-bot']);
    expect(githubRepoKeys({ zen: 'x' })).toEqual([]);
    expect(githubRepoKeys(null)).toEqual([]);
  });
});

describe('GitHub', () => {
  it('a push to a branch triggers with its head commit, author and message', () => {
    const facts = interpretGithub('push', githubPush({ message: 'Shorter answers\n\nLong body' }));
    expect(facts.trigger).toEqual({ kind: 'push', branch: 'main', commit: SHA_B, author: 'ana', message: 'Shorter answers\n\nLong body' });
    expect(facts).toMatchObject({ event: 'push', branch: 'main', commit: SHA_B, ignored: null });
    expect(facts.summary).toMatchObject({ repository: 'acme/support-bot', ref: 'refs/heads/main', commits: 1, pusher: 'ana' });
  });

  it('a branch with slashes keeps them', () => {
    expect(interpretGithub('push', githubPush({ ref: 'refs/heads/feature/tone' })).trigger?.branch).toBe('feature/tone');
  });

  it('a deleted branch and a tag are ignored, with the reason', () => {
    const deleted = interpretGithub('push', githubPush({ deleted: true, after: ZERO }));
    expect(deleted).toMatchObject({ trigger: null, ignored: 'branch main was deleted', branch: 'main', commit: null });
    const tag = interpretGithub('push', githubPush({ ref: 'refs/tags/v1.2.0' }));
    expect(tag).toMatchObject({ trigger: null, ignored: 'refs/tags/v1.2.0 is not a branch', branch: null });
  });

  it('pull requests trigger when opened, synchronized or reopened; other actions are ignored', () => {
    for (const action of ['opened', 'synchronize', 'reopened']) {
      expect(interpretGithub('pull_request', githubPullRequest({ action })).trigger).toEqual({ kind: 'pull_request', branch: 'tone', commit: SHA_B, author: 'bo', message: 'Friendlier tone' });
    }
    for (const action of ['closed', 'edited', 'labeled']) {
      expect(interpretGithub('pull_request', githubPullRequest({ action }))).toMatchObject({ trigger: null, ignored: `pull request action "${action}" starts nothing`, branch: 'tone' });
    }
    expect(interpretGithub('pull_request', githubPullRequest({ fork: 'mallory/support-bot' })).summary).toMatchObject({ number: 42, base: 'main', head: 'tone', fromFork: true });
  });

  it('ping and other events are ignored', () => {
    expect(interpretGithub('ping', { zen: 'Keep it logically awesome.', hook_id: 1 })).toMatchObject({ trigger: null, ignored: 'ping', summary: { zen: 'Keep it logically awesome.' } });
    expect(interpretGithub('issues', { action: 'opened' })).toMatchObject({ trigger: null, ignored: 'event "issues" starts nothing' });
  });

  it('a payload that is not what its event says is a PayloadError naming the field', () => {
    expect(() => interpretGithub('push', { ref: 'refs/heads/main' })).toThrow(PayloadError);
    expect(() => interpretGithub('push', { ref: 'refs/heads/main' })).toThrow(/^push payload: after: /);
    expect(() => interpretGithub('push', githubPush({ after: 'not-a-sha' }))).toThrow('push payload: after: must be a full hex commit id');
    expect(() => interpretGithub('pull_request', { action: 'opened' })).toThrow(/^pull_request payload: number: /);
  });
});

describe('GitLab', () => {
  it('a Push Hook to a branch triggers with the pushed commit', () => {
    expect(interpretGitlab('Push Hook', gitlabPush()).trigger).toEqual({ kind: 'push', branch: 'main', commit: SHA_B, author: 'ana', message: 'Shorter answers\n' });
  });

  it('a deleted branch and tag pushes are ignored', () => {
    expect(interpretGitlab('Push Hook', gitlabPush({ after: ZERO }))).toMatchObject({ trigger: null, ignored: 'branch main was deleted' });
    expect(interpretGitlab('Tag Push Hook', gitlabPush({ ref: 'refs/tags/v1' }))).toMatchObject({ trigger: null, ignored: 'refs/tags/v1 is not a branch' });
    expect(interpretGitlab('Push Hook', gitlabPush({ ref: 'refs/tags/v1' }))).toMatchObject({ trigger: null, ignored: 'refs/tags/v1 is not a branch' });
  });

  it('merge requests trigger when opened, reopened or updated with new commits', () => {
    const expected = { kind: 'merge_request', branch: 'tone', commit: SHA_B, author: 'bo', message: 'Friendlier tone' };
    expect(interpretGitlab('Merge Request Hook', gitlabMergeRequest({ action: 'open' })).trigger).toEqual(expected);
    expect(interpretGitlab('Merge Request Hook', gitlabMergeRequest({ action: 'reopen' })).trigger).toEqual(expected);
    expect(interpretGitlab('Merge Request Hook', gitlabMergeRequest({ action: 'update', oldrev: 'c'.repeat(40) })).trigger).toEqual(expected);
    expect(interpretGitlab('Merge Request Hook', gitlabMergeRequest({ action: 'update' }))).toMatchObject({ trigger: null, ignored: 'merge request update without new commits starts nothing' });
    expect(interpretGitlab('Merge Request Hook', gitlabMergeRequest({ action: 'merge' }))).toMatchObject({ trigger: null, ignored: 'merge request action "merge" starts nothing' });
  });

  it('other events are ignored; bad payloads name the field', () => {
    expect(interpretGitlab('Issue Hook', {})).toMatchObject({ trigger: null, ignored: 'event "Issue Hook" starts nothing' });
    expect(() => interpretGitlab('Merge Request Hook', { object_attributes: {} })).toThrow(/^Merge Request Hook payload: object_attributes\.iid: /);
  });
});

describe('generic', () => {
  it('takes branch, commit, author and message', () => {
    expect(interpretGeneric({ branch: 'refs/heads/main', commit: SHA_B, author: 'ci', message: 'nightly' }).trigger).toEqual({ kind: 'webhook', branch: 'main', commit: SHA_B, author: 'ci', message: 'nightly' });
    expect(interpretGeneric({ branch: 'release/2025-06', commit: SHA_B }).trigger).toEqual({ kind: 'webhook', branch: 'release/2025-06', commit: SHA_B, author: null, message: null });
  });

  it('refuses a bad branch or commit, naming the field', () => {
    expect(() => interpretGeneric({ branch: 'main', commit: 'abc' })).toThrow('body: commit: must be a full hex commit id');
    expect(() => interpretGeneric({ branch: 'a..b', commit: SHA_B })).toThrow('body: branch: must be a valid git branch name');
    expect(() => interpretGeneric({ branch: 'has space', commit: SHA_B })).toThrow('body: branch: must be a valid git branch name');
    expect(() => interpretGeneric({ commit: SHA_B })).toThrow(/^body: branch: /);
  });
});
