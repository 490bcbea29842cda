// `slipway images …`: build a container model version's image from a service repository's commit (following its
// log until it ends), list a version's builds, and show one build with its log.
import type { Group } from '../core/args';
import { CliError, EXIT, usageError } from '../core/errors';
import { pairs, table, time } from '../core/output';

const VERSION_REF = /^([a-z0-9-]+)@(\d+)$/;
const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function versionRef(value: string): { model: string; version: number } {
  const m = VERSION_REF.exec(value);
  if (!m) throw usageError(`<model@version>: "${value}" must be a model version such as served-llm@2`);
  return { model: m[1]!, version: Number(m[2]) };
}

const size = (bytes: number | null) => (bytes === null ? '—' : bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);
const short = (id: string | null) => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '—');

export const imagesGroup: Group = {
  name: 'images',
  summary: 'Build container model versions into images and list their builds.',
  commands: [
    {
      group: 'images',
      name: 'build',
      summary: "Build a container model version's image from a commit of a service's repository",
      details:
        "The build context is the version's container.build.context in the service's repository at the commit; every\n" +
        'artifact and the tokenizer are fetched and checked against their sha256 before they enter it. Nothing is pulled:\n' +
        'FROM images must be on the Docker engine (DOCKER_HOST). Prints the build log as it comes; exits 1 when it fails.',
      args: [{ name: 'model@version', description: 'the container model version, e.g. served-llm@2' }],
      options: {
        service: { type: 'string', value: '<service>', description: 'the service whose repository holds the build context' },
        ref: { type: 'string', value: '<commit>', description: 'the full 40-character commit id to build from' },
        tag: { type: 'string', value: '<name:tag>', description: 'tag the image so (default slipway-models/<model>:v<version>-<commit>)' },
        'no-wait': { type: 'boolean', description: 'start the build and print its id without following it' },
      },
      examples: ['slipway images build served-llm@2 --service support-bot --ref 3f2c…(40 hex)', 'slipway images build served-llm@2 --service support-bot --ref <commit> --json'],
      async run({ args, options, out, api }) {
        const ref = args['model@version']!;
        versionRef(ref);
        const started = await api().images.build.mutate({ modelVersion: ref, service: options.required('service'), ref: options.required('ref'), tag: options.string('tag') });
        if (options.flag('no-wait')) {
          out.result(started, () => pairs([['build', started.id], ['status', started.status], ['follow', `slipway images show ${started.id}`]]));
          return;
        }
        let printed = 0;
        for (;;) {
          const build = await api().images.get.query({ id: started.id });
          const log = build.log ?? '';
          if (!out.json && log.length > printed) {
            // The stored log keeps its last 200 KB: print what is new since the last poll.
            const fresh = log.slice(printed).replace(/\n$/, '');
            if (fresh) out.line(fresh);
            printed = log.length;
          }
          if (build.status === 'succeeded' || build.status === 'failed') {
            out.result(build, () => pairs([['build', build.id], ['status', build.status], ['image', build.imageId ?? '—'], ['size', size(build.sizeBytes)], ...(build.error ? ([['error', build.error]] as [string, string][]) : [])]));
            if (build.status === 'failed') throw new CliError(`the build of ${ref} failed: ${build.error ?? 'see its log'}`, EXIT.api, true);
            return;
          }
          await sleep(POLL_MS);
        }
      },
    },
    {
      group: 'images',
      name: 'list',
      summary: "List a model version's image builds, newest first",
      args: [{ name: 'model@version', description: 'the model version, e.g. served-llm@2' }],
      async run({ args, out, api }) {
        const { model, version } = versionRef(args['model@version']!);
        const builds = await api().images.list.query({ model, version });
        out.result(builds, () =>
          table(
            ['BUILD', 'STATUS', 'COMMIT', 'IMAGE', 'SIZE', 'PUSHED', 'FINISHED'],
            builds.map((b) => [b.id, b.status, b.sourceCommit.slice(0, 12), short(b.imageId), size(b.sizeBytes), b.pushedRef ?? '—', time(b.finishedAt)]),
            `No builds of ${model}@${version} yet. Build one with: slipway images build ${model}@${version} --service <service> --ref <commit>`,
          ),
        );
      },
    },
    {
      group: 'images',
      name: 'show',
      summary: 'Show one build: its image, labels, verified artifacts, pushed reference and log',
      args: [{ name: 'build', description: 'the build id (from slipway images list)' }],
      async run({ args, out, api }) {
        const b = await api().images.get.query({ id: args.build! });
        out.result(b, () =>
          [
            pairs([
              ['build', `${b.id} (${b.modelVersion})`],
              ['status', b.status],
              ['source', `${b.sourceRepository} at ${b.sourceCommit}`],
              ['image', b.imageId ?? '—'],
              ['size', size(b.sizeBytes)],
              ['pushed', b.pushedRef ?? '—'],
              ...(b.error ? ([['error', b.error]] as [string, string][]) : []),
            ]),
            b.artifacts.length ? `\nverified artifacts\n${table(['PATH', 'SHA256', 'BYTES', 'FROM'], b.artifacts.map((a) => [a.path, a.sha256, String(a.sizeBytes), a.uri]))}` : '',
            Object.keys(b.labels).length ? `\nlabels\n${pairs(Object.entries(b.labels).sort(([x], [y]) => (x < y ? -1 : 1)), '  ')}` : '',
            b.log ? `\nlog\n${b.log}` : '',
          ].join(''),
        );
      },
    },
  ],
};
