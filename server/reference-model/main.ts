// `npm run model-server`: the reference model server as its own process. Reads its flags (and
// SLIPWAY_MODEL_SERVER_CONFIG, since this process does not load the app's settings), starts, logs, and stops on signals.
import { parseArgs } from 'node:util';
import { logger } from '@/server/logger';
import { ReferenceModelConfigError } from './config';
import { startReferenceModelServer } from './server';

const USAGE = `Usage: npm run model-server -- [options]

  --port <n>       port to listen on (default 4010; 0 = any free port)
  --host <addr>    interface to listen on (default 127.0.0.1)
  --config <file>  YAML config (default: $SLIPWAY_MODEL_SERVER_CONFIG, else server/reference-model/models.yaml)
  --seed <n>       seed for answers, latencies and errors (default: the config's seed, else random)
  --no-delay       answer at once: no latency, no streaming pace (answers and errors unchanged)
  --help           show this help
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) fail(`--${name} must be an integer between ${min} and ${max} (got ${JSON.stringify(value)})`);
  return n;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        seed: { type: 'string' },
        'no-delay': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = logger.child({ part: 'reference-model' });
  const configPath = args.config ?? (process.env.SLIPWAY_MODEL_SERVER_CONFIG?.trim() || undefined);
  let server;
  try {
    server = await startReferenceModelServer({
      port: integer('port', args.port, 0, 65535) ?? 4010,
      host: args.host ?? '127.0.0.1',
      configPath,
      seed: integer('seed', args.seed, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      noDelay: args['no-delay'] ?? false,
    });
  } catch (err) {
    if (err instanceof ReferenceModelConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  log.info(
    { url: `${server.url}/v1`, models: server.models, seed: server.seed, noDelay: args['no-delay'] ?? false, config: configPath ?? 'default models.yaml' },
    'reference model server (a stand-in for a real model) is listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'reference model server shutting down');
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'reference model server failed to start');
  process.exit(1);
});
