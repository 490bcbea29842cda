// Where the browser may go after sign-in: only a path on Slipway's own origin. The check parses the URL the way
// a browser does (resolved against the app's origin) instead of looking at its first characters, so `/\host`,
// `//host`, `/.//host`, `javascript:` and the like are refused. Used by the sign-in page, its form and next-auth.

/** The overview: what a release manager looks at first. */
export const DEFAULT_CALLBACK_PATH = '/';

/**
 * The same-origin path (pathname, query and fragment) that `raw` leads to, or null when it leads elsewhere or
 * is not a plain path: backslashes, control characters and protocol-relative forms are refused outright.
 */
export function sameOriginPath(raw: unknown, origin: string): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return null;
  // Browsers read `\` as `/` and drop tabs and newlines inside URLs: either can turn a path into another host.
  if (/[\\\u0000-\u001f\u007f-\u009f]/.test(raw)) return null;
  if (raw.startsWith('//')) return null;
  if (!raw.startsWith('/') && !/^https?:\/\//i.test(raw)) return null;
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(raw, base);
  } catch {
    return null;
  }
  if (url.origin !== base.origin || url.username || url.password) return null;
  // `/.//host` normalises to `//host`, which a browser would again read as another host.
  if (url.pathname.startsWith('//')) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The path to follow after sign-in: `raw` when it stays on this origin, otherwise the overview. */
export function callbackPath(raw: unknown, origin: string): string {
  return sameOriginPath(raw, origin) ?? DEFAULT_CALLBACK_PATH;
}
