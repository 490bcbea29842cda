// Signing in as a person through next-auth's credentials flow, for e2e tests that need a user behind their calls
// (approvals, tokens of one's own): the bootstrap token has no user.
import { expect } from 'vitest';

/** Signs in and returns the Cookie header that carries the session. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  keep(
    await fetch(`${baseUrl}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
      body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
    }),
  );
  expect([...jar.keys()]).toContain('next-auth.session-token');
  return cookie();
}

/** Calls a tRPC mutation with a session cookie and returns its data. */
export async function mutateAs<T>(baseUrl: string, cookie: string, procedure: string, input: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api/trpc/${procedure}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ json: input }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { data: { json: T } } }).result.data.json;
}
