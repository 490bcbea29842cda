// Repository locations in one comparable form, so a webhook payload's clone URL, web URL or SSH address finds the
// service whose repository setting names the same repository.

/**
 * `host/path` in lower case, without scheme, credentials, port, trailing slash or `.git`; SSH's
 * `git@host:owner/repo.git` becomes `host/owner/repo`. A local path stays a normalised path. Null when the text is
 * not a repository location at all.
 */
export function normalizeRepoUrl(raw: string): string | null {
  const text = raw.trim();
  if (!text) return null;
  if (text.startsWith('/')) {
    const parts: string[] = [];
    for (const part of text.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') parts.pop();
      else parts.push(part);
    }
    return `/${parts.join('/')}`.replace(/\.git$/, '') || '/';
  }
  // SSH's short form has no scheme: `[user@]host:path`.
  const scp = text.includes('://') ? null : /^(?:[^@/\s]+@)?([^:/\s]+):(.+)$/.exec(text);
  let host: string;
  let pathname: string;
  if (scp) {
    host = scp[1]!;
    pathname = scp[2]!;
  } else {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return null;
    }
    if (!['http:', 'https:', 'ssh:', 'git:', 'git+ssh:', 'ssh+git:'].includes(url.protocol) || !url.hostname) return null;
    host = url.hostname;
    pathname = decodeURIComponent(url.pathname);
  }
  const cleaned = pathname
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/')
    .replace(/\.git$/i, '');
  if (!cleaned) return null;
  return `${host}/${cleaned}`.toLowerCase();
}

/** The normalised forms of every location a payload offers, without repeats or blanks. */
export function repoKeys(candidates: readonly unknown[]): string[] {
  const keys = candidates.filter((c): c is string => typeof c === 'string').map(normalizeRepoUrl);
  return [...new Set(keys.filter((k): k is string => k !== null))];
}
