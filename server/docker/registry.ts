// Image registries reached over the Docker Registry HTTP API v2: where a `host[:port]/namespace` setting points,
// credentials as the secret store holds them, and a manifest fetched by digest to check what a push stored.
// Requests go under the outbound policy; credentials travel only in the Authorization header (or the engine's
// X-Registry-Auth), never in a URL or a message.
import { createHash } from 'node:crypto';
import { fetchFailure, outboundFetch } from '@/server/outbound/connect';
import type { RegistryTarget } from './registry-ref';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/** A stored value `username:password`, or JSON `{"username": …, "password": …}`. */
export function parseRegistryCredentials(value: string): RegistryCredentials {
  const text = value.trim();
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error('the registry credentials are not valid JSON (expected {"username": …, "password": …})');
    }
    const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || !username || typeof password !== 'string') throw new Error('the registry credentials JSON needs a username and a password');
    return { username, password };
  }
  const colon = text.indexOf(':');
  if (colon <= 0) throw new Error('the registry credentials must be username:password or JSON with username and password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
];

export interface FetchedManifest {
  mediaType: string;
  /** sha256 of the manifest's bytes, `sha256:<hex>`. */
  digest: string;
  /** The image config's digest: the image id on the engine that built it. */
  configDigest: string | null;
}

function basic(c: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** A bearer token from the registry's token service, when it asks for one (`WWW-Authenticate: Bearer realm=…`). */
async function bearerToken(challenge: string, creds: RegistryCredentials | null, signal?: AbortSignal): Promise<string> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
  if (!params.realm) throw new Error('the registry asked for a token without naming its token service');
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const res = await outboundFetch(url, { headers: creds ? { authorization: basic(creds) } : {}, signal });
  if (!res.ok) throw new Error(`the registry's token service answered ${res.status}`);
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error("the registry's token service gave no token");
  return token;
}

/** GET /v2/<repository>/manifests/<digest>, authenticating as the registry asks (basic or bearer). */
export async function fetchManifest(target: RegistryTarget, repository: string, digest: string, creds: RegistryCredentials | null, signal?: AbortSignal): Promise<FetchedManifest> {
  const url = `${target.origin}/v2/${repository}/manifests/${digest}`;
  const get = (authorization?: string) => outboundFetch(url, { headers: { accept: MANIFEST_TYPES.join(', '), ...(authorization ? { authorization } : {}) }, signal });
  let res;
  try {
    res = await get(creds ? basic(creds) : undefined);
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate') ?? '';
      await res.body?.cancel();
      if (/^bearer/i.test(challenge)) res = await get(`Bearer ${await bearerToken(challenge, creds, signal)}`);
    }
  } catch (err) {
    throw new Error(`could not read the manifest from ${target.host}: ${err instanceof Error && err.message === 'fetch failed' ? fetchFailure(err) : (err as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${target.host} answered ${res.status} for the manifest ${repository}@${digest}`);
  }
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > 4 * 1024 * 1024) throw new Error(`the manifest ${repository}@${digest} is larger than 4 MiB`);
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  let parsed: { mediaType?: string; config?: { digest?: string } };
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
  } catch {
    throw new Error(`the manifest ${repository}@${digest} is not JSON`);
  }
  return { mediaType: res.headers.get('content-type') ?? parsed.mediaType ?? 'unknown', digest: actual, configDigest: parsed.config?.digest ?? null };
}
