// The Docker engine side of the deploy target: labels, starting one replica with host networking on its own
// port, health checks, stats and logs, removal. No database here.
import http from 'node:http';
import type Docker from 'dockerode';
import type { ContainerSpec } from '@/db/schema';
import { engineMessage, followProgress, isNotFound } from '@/server/docker/docker';
import { precondition } from '@/server/errors';

export const LABEL_MANAGED = 'org.slipway.managed';
export const LABEL_ENVIRONMENT = 'org.slipway.environment';
export const LABEL_RELEASE = 'org.slipway.release';
export const LABEL_INSTANCE = 'org.slipway.instance';

/** Serving settings of a container model version registered without them: the image's CMD, port 8000, /health. */
export const DEFAULT_CONTAINER_SPEC: ContainerSpec = { build: null, command: null, port: 8000, healthPath: '/health', env: {}, resources: { cpus: null, memoryMb: null } };

export interface ReplicaLaunch {
  instanceId: string;
  environmentId: string;
  releaseId: string;
  name: string;
  image: string;
  hostPort: number;
  spec: ContainerSpec;
}

/**
 * Resolves an image reference to one the engine holds: the reference itself, or, for `name@sha256:<hex>` that was
 * never pushed, the local image whose id is that digest.
 */
export async function localImage(client: Docker, ref: string): Promise<string> {
  try {
    await client.getImage(ref).inspect();
    return ref;
  } catch (err) {
    if (!isNotFound(err)) throw precondition(`Docker engine: could not inspect image ${ref}: ${engineMessage(err)}`);
  }
  const digest = /@(sha256:[a-f0-9]{64})$/.exec(ref)?.[1];
  if (digest) {
    try {
      const info = await client.getImage(digest).inspect();
      if (info.Id === digest) return digest;
    } catch (err) {
      if (!isNotFound(err)) throw precondition(`Docker engine: could not inspect image ${digest}: ${engineMessage(err)}`);
    }
  }
  // Pinned by digest in a registry: pulled by that digest (the engine checks the content against it).
  if (digest && /^[^@]+\/[^@]+@sha256:/.test(ref)) {
    try {
      const messages = await followProgress((await client.pull(ref)) as NodeJS.ReadableStream, () => {});
      const failed = messages.find((m) => m.error);
      if (failed) throw new Error(failed.errorDetail?.message ?? failed.error);
      await client.getImage(ref).inspect();
      return ref;
    } catch (err) {
      throw precondition(`image ${ref} is not on the Docker engine and could not be pulled: ${engineMessage(err)}`);
    }
  }
  throw precondition(`image ${ref} is not on the Docker engine (push it to a registry the engine can pull from, or build it there)`);
}

/** The container's arguments: the spec's command with `{port}` replaced, or null (the image's CMD). */
export function commandFor(spec: ContainerSpec, port: number): string[] | undefined {
  return spec.command ? spec.command.map((a) => a.replaceAll('{port}', String(port))) : undefined;
}

/** Creates and starts one replica (or finds the one already created under its name); returns its container id. */
export async function launchReplica(client: Docker, r: ReplicaLaunch): Promise<string> {
  let container: Docker.Container;
  try {
    container = await client.createContainer({
      name: r.name,
      Image: r.image,
      Cmd: commandFor(r.spec, r.hostPort),
      Env: [...Object.entries(r.spec.env).map(([k, v]) => `${k}=${v}`), `PORT=${r.hostPort}`],
      Labels: { [LABEL_MANAGED]: 'true', [LABEL_ENVIRONMENT]: r.environmentId, [LABEL_RELEASE]: r.releaseId, [LABEL_INSTANCE]: r.instanceId },
      HostConfig: {
        NetworkMode: 'host',
        RestartPolicy: { Name: 'no' },
        ...(r.spec.resources.cpus ? { NanoCpus: Math.round(r.spec.resources.cpus * 1e9) } : {}),
        ...(r.spec.resources.memoryMb ? { Memory: r.spec.resources.memoryMb * 1024 * 1024 } : {}),
      },
    });
  } catch (err) {
    // Created before a restart: the name is taken by this very replica.
    if ((err as { statusCode?: number }).statusCode !== 409) throw precondition(`Docker engine: could not create ${r.name} from ${r.image}: ${engineMessage(err)}`);
    container = client.getContainer(r.name);
  }
  try {
    const info = await container.inspect();
    if (!info.State.Running) await container.start();
    return info.Id;
  } catch (err) {
    throw precondition(`Docker engine: could not start ${r.name}: ${engineMessage(err)}`);
  }
}

/** Force-removes a container; one already gone is fine. */
export async function removeContainer(client: Docker, idOrName: string): Promise<void> {
  try {
    await client.getContainer(idOrName).remove({ force: true });
  } catch (err) {
    if (!isNotFound(err) && (err as { statusCode?: number }).statusCode !== 409) throw precondition(`Docker engine: could not remove ${idOrName}: ${engineMessage(err)}`);
  }
}

/** One GET of the health path: its status code, or null when nothing answered in time. */
export function probeHealth(port: number, path: string, timeoutMs = 1000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** The last lines a container wrote (stdout and stderr), as text. */
export async function containerLogs(client: Docker, id: string, lines = 50): Promise<string> {
  try {
    const buf = (await client.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, timestamps: false, follow: false })) as unknown as Buffer;
    return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
  } catch (err) {
    if (isNotFound(err)) return '';
    throw precondition(`Docker engine: could not read the logs of ${id.slice(0, 12)}: ${engineMessage(err)}`);
  }
}

/** Docker's multiplexed log frames (8-byte header: stream, 0, 0, 0, size) to plain text; raw text passes through. */
function demux(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (i === 0) return buf.toString('utf8');
  return Buffer.concat(out).toString('utf8');
}

export interface ReplicaStats {
  cpuPercent: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
}

/** CPU % (of one core ×100 per core, as `docker stats`) and memory, from one stats sample. */
export async function containerStats(client: Docker, id: string): Promise<ReplicaStats> {
  try {
    const s = (await client.getContainer(id).stats({ stream: false })) as unknown as {
      cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
      precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
      memory_stats?: { usage?: number; limit?: number; stats?: { inactive_file?: number; cache?: number } };
    };
    const cpu = s.cpu_stats?.cpu_usage?.total_usage ?? 0;
    const pre = s.precpu_stats?.cpu_usage?.total_usage ?? 0;
    const sys = s.cpu_stats?.system_cpu_usage ?? 0;
    const preSys = s.precpu_stats?.system_cpu_usage ?? 0;
    const cpus = s.cpu_stats?.online_cpus ?? s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
    const cpuPercent = sys > preSys && cpu >= pre && preSys > 0 ? ((cpu - pre) / (sys - preSys)) * cpus * 100 : null;
    const usage = s.memory_stats?.usage;
    const cache = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.cache ?? 0;
    return { cpuPercent: cpuPercent === null ? null : Math.round(cpuPercent * 10) / 10, memoryBytes: usage === undefined ? null : Math.max(0, usage - cache), memoryLimitBytes: s.memory_stats?.limit ?? null };
  } catch (err) {
    if (isNotFound(err)) return { cpuPercent: null, memoryBytes: null, memoryLimitBytes: null };
    throw precondition(`Docker engine: could not read the stats of ${id.slice(0, 12)}: ${engineMessage(err)}`);
  }
}
