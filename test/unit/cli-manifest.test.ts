// The slipway.yaml manifest and prompt files: what parses, and that every mistake is reported on one line with
// the file, the line and the path of the field, before anything is sent.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, toCliError, type CliError } from '@/server/cli/core/errors';
import { parseSource } from '@/server/manifest/files';
import { loadManifest, loadManifestSource, loadPromptsSource } from '@/server/manifest/load';

const FIXTURE = path.resolve('test/fixtures/manifest/slipway.yaml');

/** Parses manifest text as if it sat in the fixture folder, so `file:` entries resolve there. */
const manifest = (text: string) => loadManifestSource(parseSource(text, 'slipway.yaml', FIXTURE));

/** What the CLI makes of a failure: a bad file is a usage error (exit 2) with the file's message. */
function failure(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    return toCliError(err, 'http://slipway.test');
  }
  throw new Error('expected a failure');
}

const minimal = `service:
  name: support-bot
`;

describe('the example manifest', () => {
  it('parses with defaults filled in and the prompt file read', () => {
    const m = loadManifest(FIXTURE);
    expect(m.service).toEqual({ name: 'support-bot', description: 'Answers customer support tickets', owners: ['admin@slipway.local'] });
    expect(m.prompts.map((p) => p.name)).toEqual(['answer', 'tone']);
    const tone = m.prompts.find((p) => p.name === 'tone')!;
    expect(tone.origin).toMatch(/prompts\/tone\.yaml$/);
    expect(tone.content.messages[0]).toMatchObject({ role: 'system' });
    expect(tone.content.variables).toEqual([{ name: 'company', type: 'string', required: true, default: 'Acme' }]);
    expect(tone.labels).toEqual([{ name: 'staging' }]);
    const answer = m.prompts.find((p) => p.name === 'answer')!;
    expect(answer.content.params).toEqual({ temperature: 0.2, max_tokens: 400 });
    expect(answer.content.messages[0]).toEqual({ include: 'tone' });
    expect(m.models).toHaveLength(1);
    expect(m.models[0]).toMatchObject({ model: 'support-llm', providerKind: 'openai-compatible', priceInputPer1M: 0.15, artifacts: [], labels: [{ name: 'staging' }] });
    expect(m.environments.staging!.rollout).toMatchObject({ strategy: 'canary', autoRollback: true });
    expect(m.environments.production!.protection).toEqual({ requiredApprovals: 2, allowedBranches: ['main', 'release/*'] });
  });

  it('needs only a service', () => {
    const m = manifest(minimal);
    expect(m).toMatchObject({ service: { name: 'support-bot', description: '', owners: [] }, prompts: [], models: [], environments: {} });
  });
});

describe('manifest errors', () => {
  it('name the file, the line and the path of an invalid service name, with the API rule', () => {
    const err = failure(() => manifest('service:\n  name: Support_Bot\n'));
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.message).toBe('slipway.yaml:2: service.name: must be lowercase letters, digits and single dashes, starting and ending with a letter or digit');
  });

  it('report a missing service and unknown top-level fields', () => {
    expect(failure(() => manifest('servise:\n  name: x\n')).message).toBe('slipway.yaml:1: service: is required; slipway.yaml:1: unknown field "servise"');
  });

  it('point at a misspelt field inside a prompt, and at the prompt missing its messages', () => {
    const err = failure(() =>
      manifest(`${minimal}prompts:
  - name: answer
    mesages:
      - role: user
        content: hi
`),
    );
    expect(err.message).toBe('slipway.yaml:4: prompts[0].messages: is required; slipway.yaml:5: prompts[0]: unknown field "mesages"');
  });

  it('explain a chat message by the form it came closest to', () => {
    const err = failure(() =>
      manifest(`${minimal}prompts:
  - name: answer
    messages:
      - role: robot
        content: hi
`),
    );
    expect(err.message).toBe('slipway.yaml:6: prompts[0].messages[0].role: must be one of "system", "user", "assistant"');
  });

  it('refuse a prompt declared twice and the reserved label latest', () => {
    const twice = failure(() =>
      manifest(`${minimal}prompts:
  - name: answer
    messages: [{ role: user, content: a }]
  - name: answer
    messages: [{ role: user, content: b }]
`),
    );
    expect(twice.message).toBe('slipway.yaml:6: prompts[1].name: prompt "answer" is declared twice');
    const latest = failure(() => manifest(`${minimal}prompts:\n  - name: answer\n    messages: [{ role: user, content: a }]\n    labels: [staging, latest]\n`));
    expect(latest.message).toBe('slipway.yaml:6: prompts[0].labels[1].name: latest is reserved: it always means the newest version');
  });

  it('refuse a prompt entry that has both a file and inline content', () => {
    const err = failure(() => manifest(`${minimal}prompts:\n  - name: tone\n    file: prompts/tone.yaml\n    messages: []\n`));
    expect(err.message).toBe('slipway.yaml:6: prompts[0]: unknown field "messages"');
  });

  it('say which prompt file is missing', () => {
    expect(failure(() => manifest(`${minimal}prompts:\n  - name: tone\n    file: prompts/missing.yaml\n`)).message).toBe('cannot read prompts/missing.yaml: no such file');
  });

  it('name the prompt file, and its line, when the error is inside it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-manifest-'));
    try {
      await mkdir(path.join(dir, 'prompts'));
      await writeFile(path.join(dir, 'slipway.yaml'), `${minimal}prompts:\n  - name: tone\n    file: prompts/tone.yaml\n`);
      await writeFile(path.join(dir, 'prompts/tone.yaml'), 'messages:\n  - role: system\n    content: hi\nvariables:\n  - name: 1st\n');
      const err = failure(() => loadManifest(path.join(dir, 'slipway.yaml')));
      expect(err.message).toBe(`${path.join(dir, 'prompts/tone.yaml')}:5: variables[0].name: must be a letter or _ followed by letters, digits or _`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('apply the model registration rules of the API', () => {
    const err = failure(() =>
      manifest(`${minimal}models:
  - model: support-llm
    providerKind: openai-compatible
    upstreamModel: small
    priceInputPer1M: -1
  - model: support-llm
    providerKind: container
    upstreamModel: small
    imageRef: registry.local/small:latest
`),
    );
    expect(err.message).toContain('slipway.yaml:4: models[0].baseUrl: is required for an OpenAI-compatible endpoint');
    expect(err.message).toContain('slipway.yaml:7: models[0].priceInputPer1M: must be 0 or more');
    expect(err.message).toContain('slipway.yaml:11: models[1].imageRef: must be pinned by digest: name@sha256:<64 hex>');
  });

  it('refuse unknown model fields and one label set on two versions of a model', () => {
    const base = `  - model: m1\n    providerKind: openai-compatible\n    baseUrl: http://h/v1\n    upstreamModel: x\n`;
    expect(failure(() => manifest(`${minimal}models:\n${base}    baseURL: http://h/v1\n`)).message).toBe('slipway.yaml:8: models[0]: unknown field "baseURL"');
    const twice = failure(() => manifest(`${minimal}models:\n${base}    labels: [prod]\n${base.replace('x\n', 'y\n')}    labels: [prod]\n`));
    expect(twice.message).toBe('slipway.yaml:13: models[1].labels[0]: label "prod" of model m1 is also set by models[0]');
  });

  it('check environment names and settings with the API rules, allowing partial protection and SLOs', () => {
    const ok = manifest(`${minimal}environments:\n  staging:\n    protection: { requiredApprovals: 1 }\n    slos: { maxErrorRate: 0.01 }\n`);
    expect(ok.environments.staging).toEqual({ protection: { requiredApprovals: 1 }, slos: { maxErrorRate: 0.01 } });
    const err = failure(() =>
      manifest(`${minimal}environments:
  Staging: {}
  production:
    slos: { maxErrorRate: 5 }
    protection: { approvals: 1 }
    rollout:
      strategy: canary
      autoRollback: true
      steps: [{ weight: 50, bakeMinutes: 5 }, { weight: 20, bakeMinutes: 5 }]
`),
    );
    expect(err.message).toContain('slipway.yaml:4: environments.Staging: invalid name: must be lowercase letters');
    expect(err.message).toContain('slipway.yaml:6: environments.production.slos.maxErrorRate: must be a fraction between 0 and 1');
    expect(err.message).toContain('slipway.yaml:7: environments.production.protection: unknown field "approvals"');
    expect(err.message).toContain('environments.production.rollout.steps[1].weight: canary weights must increase from step to step');
  });

  it('report an unknown rollout strategy by its discriminator', () => {
    const err = failure(() => manifest(`${minimal}environments:\n  dev:\n    rollout: { strategy: sideways, autoRollback: false }\n`));
    expect(err.message).toBe('slipway.yaml:5: environments.dev.rollout.strategy: must be one of "all-at-once", "canary", "linear", "blue-green"');
  });

  it('report YAML syntax errors with their line', () => {
    const err = failure(() => manifest('service:\n  name: [unclosed\n'));
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.message).toMatch(/^slipway\.yaml:\d: not valid YAML or JSON: /);
  });

  it('cap a long list of problems so the message stays one line', () => {
    const prompts = Array.from({ length: 8 }, (_, i) => `  - name: P${i}\n    messages: [{ role: user, content: x }]\n`).join('');
    const err = failure(() => manifest(`${minimal}prompts:\n${prompts}`));
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).toMatch(/\(and 3 more\)$/);
  });
});

describe('prompt files for prompts push', () => {
  const prompts = (text: string) => loadPromptsSource(parseSource(text, 'prompts.yaml', FIXTURE));

  it('take one prompt or a list, and resolve file entries next to the file', () => {
    expect(prompts('name: greet\nmessages: [{ role: user, content: hi }]\n').map((p) => p.name)).toEqual(['greet']);
    const list = prompts('prompts:\n  - name: greet\n    messages: [{ role: user, content: hi }]\n  - name: tone\n    file: prompts/tone.yaml\n');
    expect(list.map((p) => p.name)).toEqual(['greet', 'tone']);
    expect(list[1]!.content.commitMessage).toBe('Friendly, short, no promises');
  });

  it('refuse an empty list and a file that is not a mapping', () => {
    expect(failure(() => prompts('prompts: []\n')).message).toBe('prompts.yaml:1: prompts: needs at least one prompt');
    expect(failure(() => prompts('- name: greet\n')).message).toBe('prompts.yaml:1: must be a prompt (name, messages, …) or a mapping with prompts:');
  });
});
