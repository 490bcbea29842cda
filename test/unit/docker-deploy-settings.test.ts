// The Docker deploy target's small rules: the runtime setting's validation, `{port}` in a container's command,
// the replicas a gateway target takes in turn, and how long a release without traffic keeps its containers.
import { describe, expect, it } from 'vitest';
import type { Environment } from '@/db/schema';
import { targetUrl } from '@/server/gateway/replicas';
import type { Target } from '@/server/gateway/snapshot';
import { commandFor, DEFAULT_CONTAINER_SPEC } from '@/server/services/containers/engine';
import { keepMinutes } from '@/server/services/containers/reconcile';
import { DEFAULT_ANALYSIS, runtimeSchema } from '@/server/services/environments/settings';

describe('runtime setting', () => {
  it('defaults a docker runtime and refuses bad values naming the field', () => {
    expect(runtimeSchema.parse({ kind: 'docker' })).toEqual({ kind: 'docker', replicas: 1, healthTimeoutSeconds: 60 });
    expect(runtimeSchema.parse({ kind: 'endpoints' })).toEqual({ kind: 'endpoints' });
    const bad = runtimeSchema.safeParse({ kind: 'docker', replicas: 0, healthTimeoutSeconds: 601 });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['replicas', 'must be 1 to 8'],
      ['healthTimeoutSeconds', 'must be 1 to 600 s'],
    ]);
    expect(runtimeSchema.safeParse({ kind: 'kubernetes' }).error?.issues[0]?.message).toBe('kind must be endpoints or docker');
  });
});

describe('containers', () => {
  it('put the replica port where the command says {port}, else run the image’s CMD', () => {
    expect(commandFor({ ...DEFAULT_CONTAINER_SPEC, command: ['--port', '{port}', '--listen=0.0.0.0:{port}'] }, 20001)).toEqual(['--port', '20001', '--listen=0.0.0.0:20001']);
    expect(commandFor(DEFAULT_CONTAINER_SPEC, 20001)).toBeUndefined();
  });

  it('take a target’s healthy replicas in turn', () => {
    const target = { url: 'http://127.0.0.1:20000/v1/chat/completions', replicas: ['http://127.0.0.1:20000/v1/chat/completions', 'http://127.0.0.1:20001/v1/chat/completions'] } as Target;
    expect([targetUrl(target), targetUrl(target), targetUrl(target)]).toEqual([target.replicas![0], target.replicas![1], target.replicas![0]]);
    expect(targetUrl({ url: 'http://x/v1/chat/completions' } as Target)).toBe('http://x/v1/chat/completions');
  });

  it('keep a release without traffic for keepOldMinutes, else the blue-green rollback window, else 10 min', () => {
    const env = (runtime: object, rollout: object) => ({ runtime: { kind: 'docker', replicas: 1, healthTimeoutSeconds: 5, ...runtime }, rollout: { autoRollback: false, analysis: DEFAULT_ANALYSIS, ...rollout } }) as unknown as Environment;
    expect(keepMinutes(env({ keepOldMinutes: 2 }, { strategy: 'blue-green', bakeMinutes: 0, rollbackWindowMinutes: 30 }))).toBe(2);
    expect(keepMinutes(env({}, { strategy: 'blue-green', bakeMinutes: 0, rollbackWindowMinutes: 30 }))).toBe(30);
    expect(keepMinutes(env({}, { strategy: 'canary', steps: [{ weight: 10, bakeMinutes: 1 }] }))).toBe(10);
  });
});
