// Image references without any I/O: an image name with a tag, a registry setting `host[:port]/namespace` and the
// origin it is spoken to at. Shared by input validation (pipeline steps, manual builds) and the registry client.
import net from 'node:net';
import { normalHost } from '@/server/lib/outbound-rules';

/** An image name with an optional tag, as `docker tag` takes it (lowercase, no digest). */
export const IMAGE_TAG = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::\d{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

export interface RegistryTarget {
  /** `registry.example.com` or `127.0.0.1:5000`. */
  host: string;
  /** Path under the host (`team/models`), possibly empty. */
  namespace: string;
  /** `https://registry.example.com`; loopback registries are spoken to over plain http, as the engine does. */
  origin: string;
}

const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:]+\])(?::\d{1,5})?$/;
const NAMESPACE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Why `host[:port]/namespace` is not a registry setting, or null. */
export function registryProblem(value: string): string | null {
  const [host = '', ...rest] = value.split('/');
  if (!HOST.test(host)) return 'must start with a registry host, optionally with a port: registry.example.com/team or 127.0.0.1:5000/team';
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return 'must start with a registry host name containing a dot or a port (a bare name would be read as a Docker Hub namespace)';
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port && (Number(port) < 1 || Number(port) > 65535)) return 'has a port outside 1–65535';
  const ns = rest.join('/');
  if (ns && !NAMESPACE.test(ns)) return 'has a namespace that is not lowercase letters, digits and separators (. _ - /)';
  return null;
}

function isLoopback(hostname: string): boolean {
  const h = normalHost(hostname);
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1';
}

export function parseRegistry(value: string): RegistryTarget {
  const problem = registryProblem(value);
  if (problem) throw new Error(`registry ${problem}`);
  const [host, ...rest] = value.split('/');
  const hostname = host!.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return { host: host!, namespace: rest.join('/'), origin: `${isLoopback(hostname) ? 'http' : 'https'}://${host}` };
}

