// The pure parts of image builds: registry settings and credentials, the images a Dockerfile starts FROM, and a
// build context assembled in a fixed order with pinned files placed (never over a file of the repository).
import { describe, expect, it } from 'vitest';
import { parseRegistryCredentials } from '@/server/docker/registry';
import { parseRegistry, registryProblem } from '@/server/docker/registry-ref';
import { tarBuffer } from '@/server/docker/tar';
import { assembleContext, fromImages } from '@/server/pipelines/images/context';

describe('registry settings', () => {
  it('take host[:port]/namespace, over http only on loopback', () => {
    expect(parseRegistry('127.0.0.1:5000/team')).toEqual({ host: '127.0.0.1:5000', namespace: 'team', origin: 'http://127.0.0.1:5000' });
    expect(parseRegistry('localhost:5000')).toEqual({ host: 'localhost:5000', namespace: '', origin: 'http://localhost:5000' });
    expect(parseRegistry('registry.example.com/ml/models')).toEqual({ host: 'registry.example.com', namespace: 'ml/models', origin: 'https://registry.example.com' });
    expect(registryProblem('team')).toMatch(/^must start with a registry host name containing a dot or a port/);
    expect(registryProblem('https://registry.example.com')).toMatch(/^must start with a registry host/);
    expect(registryProblem('registry.example.com/Team')).toMatch(/namespace that is not lowercase/);
  });

  it('read credentials as username:password or JSON, never echoing the value', () => {
    expect(parseRegistryCredentials('robot:s3cr:et')).toEqual({ username: 'robot', password: 's3cr:et' });
    expect(parseRegistryCredentials('{"username":"robot","password":"pw"}')).toEqual({ username: 'robot', password: 'pw' });
    for (const bad of ['no-colon-here-SECRET', '{"username":"robot"}', '{not json SECRET']) {
      const err = (() => {
        try {
          parseRegistryCredentials(bad);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).not.toContain('SECRET');
    }
  });
});

describe('build contexts', () => {
  it('list the images a Dockerfile starts FROM, without its own stages and scratch', () => {
    const df = 'FROM slipway/node-base:v20 AS build\nRUN x\nFROM --platform=linux/amd64 build AS again\nfrom scratch\nFROM registry.example.com/base@sha256:abc\n';
    expect(fromImages(df)).toEqual(['slipway/node-base:v20', 'registry.example.com/base@sha256:abc']);
  });

  it('are sorted with parents first, and the same files give the same bytes', () => {
    const repo = [
      { path: 'Dockerfile', data: Buffer.from('FROM x\n') },
      { path: 'src', type: 'directory' as const },
      { path: 'src/a.mjs', data: Buffer.from('a') },
    ];
    const pinned = [{ path: 'models/w.bin', data: Buffer.from('w') }];
    const a = assembleContext(repo, pinned, 'Dockerfile');
    expect(a.map((e) => e.path)).toEqual(['Dockerfile', 'models', 'models/w.bin', 'src', 'src/a.mjs']);
    const b = assembleContext([...repo].reverse(), pinned, 'Dockerfile');
    expect(tarBuffer(b).equals(tarBuffer(a))).toBe(true);
  });

  it('refuse a pinned file over a repository file, and a missing Dockerfile', () => {
    expect(() => assembleContext([{ path: 'w.bin', data: Buffer.from('') }, { path: 'Dockerfile', data: Buffer.from('') }], [{ path: 'w.bin', data: Buffer.from('x') }], 'Dockerfile')).toThrow(
      'w.bin is both in the build context and the path of a pinned artifact; remove it from the repository or choose another path',
    );
    expect(() => assembleContext([], [], 'docker/Dockerfile')).toThrow('container.build.dockerfile: docker/Dockerfile is not a file in the build context');
  });
});
