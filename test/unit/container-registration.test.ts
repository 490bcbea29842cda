// Registering container model versions: a build context or an image pinned by digest, artifacts and the tokenizer
// pinned by sha256 with a place in the context, and errors that name the field. Endpoints are unchanged.
import { describe, expect, it } from 'vitest';
import { registerModelVersionInput } from '@/server/services/models/register';
import { modelDifferences } from '@/server/manifest/plan';

const SHA = 'a'.repeat(64);
const base = { model: 'served-llm', providerKind: 'container' as const, upstreamModel: 'ref-small' };
const build = { build: { context: 'serving', dockerfile: 'Dockerfile' }, port: 8000 };

function problems(input: Record<string, unknown>): string[] {
  const r = registerModelVersionInput.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('container model versions', () => {
  it('take a build context with artifacts from a URL or the repository, and fill in the defaults', () => {
    const r = registerModelVersionInput.parse({
      ...base,
      container: { ...build, command: ['--port', '{port}'], env: { MODEL_DIR: '/app/models' }, resources: { cpus: 1.5, memoryMb: 512 } },
      artifacts: [
        { uri: 'https://models.example.com/weights.bin', sha256: SHA, sizeBytes: 10, path: 'models/weights.bin' },
        { uri: 'repo:models/config.json', sha256: SHA, sizeBytes: 2, path: 'models/config.json' },
      ],
      tokenizer: { uri: 'repo:tokenizer/tokenizer.json', sha256: SHA, path: 'models/tokenizer.json' },
    });
    expect(r.container).toEqual({ build: { context: 'serving', dockerfile: 'Dockerfile' }, command: ['--port', '{port}'], port: 8000, healthPath: '/health', env: { MODEL_DIR: '/app/models' }, resources: { cpus: 1.5, memoryMb: 512 } });
    expect(r.artifacts.map((a) => a.path)).toEqual(['models/weights.bin', 'models/config.json']);
  });

  it('take an existing image pinned by digest or a local image id', () => {
    expect(problems({ ...base, imageRef: `127.0.0.1:5000/team/served@sha256:${SHA}`, container: { port: 8000 } })).toEqual([]);
    expect(problems({ ...base, imageRef: `sha256:${SHA}`, container: { port: 8000 } })).toEqual([]);
    expect(problems({ ...base, imageRef: 'team/served:latest', container: { port: 8000 } })).toEqual(['imageRef: must be pinned by digest: name@sha256:<64 hex>, or a local image id sha256:<64 hex>']);
  });

  it('need the container settings, and exactly one of build and imageRef', () => {
    expect(problems({ ...base, imageRef: `sha256:${SHA}` })).toEqual(['container: is required for a container model: the port it listens on, and build (context, dockerfile) or imageRef']);
    expect(problems({ ...base, container: { port: 8000 } })).toEqual(['container.build: is required unless imageRef names an existing image pinned by digest']);
    expect(problems({ ...base, imageRef: `sha256:${SHA}`, container: build })).toEqual(['imageRef: give container.build or imageRef, not both']);
  });

  it('name the field of each bad setting', () => {
    expect(
      problems({
        ...base,
        container: { build: { context: '../outside', dockerfile: '/etc/Dockerfile' }, port: 70000, healthPath: 'health', env: { '1BAD': 'x' }, resources: { cpus: 0, memoryMb: 8 } },
      }).sort(),
    ).toEqual(
      [
        'container.build.context: must stay inside its folder (no ..)',
        'container.build.dockerfile: must be relative (no leading /)',
        'container.port: must be between 1 and 65535',
        'container.healthPath: must be a path starting with /',
        'container.env.1BAD: must be an environment variable name (letters, digits, _; not starting with a digit)',
        'container.resources.cpus: must be more than 0',
        'container.resources.memoryMb: must be at least 16',
      ].sort(),
    );
    expect(problems({ ...base, container: { ...build, surprise: true } })).toEqual(['container: Unrecognized key: "surprise"']);
  });

  it('need a place in the context and a fetchable source for every artifact of a build', () => {
    expect(
      problems({
        ...base,
        container: build,
        artifacts: [
          { uri: 's3://bucket/weights.bin', sha256: SHA, sizeBytes: 1, path: 'w.bin' },
          { uri: 'https://models.example.com/a', sha256: SHA, sizeBytes: 1 },
          { uri: 'repo:../secrets', sha256: 'nothex', sizeBytes: 1, path: 'w.bin' },
        ],
        tokenizer: { uri: 'https://models.example.com/tok.json', sha256: SHA, path: 'Dockerfile' },
      }),
    ).toEqual([
      'artifacts.2.uri: repo: path must stay inside its folder (no ..)',
      'artifacts.2.sha256: must be 64 lowercase hex characters (sha256)',
      'artifacts.0.uri: must be an http(s) URL or repo:<path in the service repository> for a container build',
      'artifacts.1.path: is required for a container build: where the artifact is written inside the build context',
      'artifacts.2.path: "w.bin" is also the path of artifacts.0',
      'tokenizer.path: "Dockerfile" would replace the Dockerfile',
    ]);
    const clash = problems({ ...base, container: build, artifacts: [{ uri: 'repo:a', sha256: SHA, sizeBytes: 1, path: 'w.bin' }, { uri: 'repo:b', sha256: SHA, sizeBytes: 1, path: 'w.bin' }], tokenizer: { uri: 'repo:t', sha256: SHA, path: 'Dockerfile' } });
    expect(clash).toEqual(['artifacts.1.path: "w.bin" is also the path of artifacts.0', 'tokenizer.path: "Dockerfile" would replace the Dockerfile']);
  });
});

describe('OpenAI-compatible versions', () => {
  it('stay as they were, and take no container settings', () => {
    const endpoint = { model: 'nano', providerKind: 'openai-compatible' as const, baseUrl: 'https://api.example.com/v1', upstreamModel: 'gpt-x', artifacts: [{ uri: 's3://bucket/adapter', sha256: SHA, sizeBytes: 1 }] };
    expect(problems(endpoint)).toEqual([]);
    expect(registerModelVersionInput.parse(endpoint).container).toBeUndefined();
    expect(problems({ ...endpoint, container: { port: 8000 } })).toEqual(['container: is only for container model versions (providerKind: container)']);
  });

  it('count the container settings as content when comparing versions', () => {
    const a = registerModelVersionInput.parse({ ...base, container: build });
    const b = registerModelVersionInput.parse({ ...base, container: { ...build, port: 9000 } });
    expect(modelDifferences({ ...a, apiKeySecret: null }, { ...b, apiKeySecret: null })).toEqual(['container']);
  });
});
