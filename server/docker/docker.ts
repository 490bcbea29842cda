// The one way to the Docker engine: a dockerode client for DOCKER_HOST (unix:///path or tcp://host:port), else the
// local socket. Errors from the engine become messages that say which engine and what failed, never a stack.
import Docker from 'dockerode';
import { env } from '@/server/env';
import { precondition } from '@/server/errors';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface DockerEndpoint {
  /** What a message names: the socket path or host:port. */
  label: string;
  options: Docker.DockerOptions;
}

/** Where the engine is, from a DOCKER_HOST value (unset: the local socket). */
export function dockerEndpoint(host: string | undefined = env().DOCKER_HOST): DockerEndpoint {
  if (!host) return { label: DEFAULT_DOCKER_SOCKET, options: { socketPath: DEFAULT_DOCKER_SOCKET } };
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { label: socketPath, options: { socketPath } };
  }
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  const port = Number(url.port || (url.protocol === 'https:' ? 2376 : 2375));
  return { label: `${url.hostname}:${port}`, options: { host: url.hostname, port, protocol: url.protocol === 'https:' ? 'https' : 'http' } };
}

const clients = new Map<string, Docker>();

/** A client for the configured engine (one per endpoint, reused). */
export function docker(host?: string): Docker {
  const endpoint = dockerEndpoint(host);
  let client = clients.get(endpoint.label);
  if (!client) {
    client = new Docker(endpoint.options);
    clients.set(endpoint.label, client);
  }
  return client;
}

/** The engine's own message from a dockerode error (`(HTTP code 404) no such image - …`), else the error's. */
export function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; statusCode?: number; message?: string; code?: string };
  const fromJson = e?.json && typeof e.json === 'object' ? e.json.message : undefined;
  const text = fromJson ?? (typeof e?.message === 'string' ? e.message.replace(/^\(HTTP code \d+\)\s*/, '') : String(err));
  return text.trim().slice(0, 500);
}

/** True when the error says the object does not exist. */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

/**
 * Checks that the engine answers; throws a precondition error naming the engine and the cause when it does not, so
 * a step or a deploy fails with "Docker engine at /var/run/docker.sock is not reachable: connect ENOENT …".
 */
export async function requireDocker(host?: string): Promise<Docker> {
  const endpoint = dockerEndpoint(host);
  const client = docker(host);
  try {
    await client.ping();
  } catch (err) {
    throw precondition(`Docker engine at ${endpoint.label} is not reachable: ${engineMessage(err)} (set DOCKER_HOST, or start dockerd)`);
  }
  return client;
}

/** Whether an engine answers, for tests and health views that report rather than fail. */
export async function dockerAvailable(host?: string, timeoutMs = 3000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // An engine behind a tcp:// address that drops packets would otherwise hold the caller until the OS gives up.
    await Promise.race([docker(host).ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), timeoutMs)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a dockerode progress stream (build, push, pull, import) to its end, handing each decoded message on. */
export function followProgress(stream: NodeJS.ReadableStream, onMessage: (m: ProgressMessage) => void): Promise<ProgressMessage[]> {
  return new Promise((resolve, reject) => {
    const all: ProgressMessage[] = [];
    let buffer = '';
    stream.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (!line) continue;
        let message: ProgressMessage;
        try {
          message = JSON.parse(line) as ProgressMessage;
        } catch {
          message = { stream: `${line}\n` };
        }
        all.push(message);
        onMessage(message);
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      const rest = buffer.trim();
      if (rest) {
        try {
          const message = JSON.parse(rest) as ProgressMessage;
          all.push(message);
          onMessage(message);
        } catch {
          /* a partial line at the end carries nothing */
        }
      }
      resolve(all);
    });
  });
}

export interface ProgressMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}
