// Entry point of the bundled CLI (dist/cli.mjs): wires runCli to the process and exits with its code.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { runCli } from './run';

function cliVersion(): string {
  try {
    // dist/cli.mjs sits one folder below package.json.
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

// `slipway services list | head` closes the pipe early; that is not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

/** A yes/no question on stderr (stdout stays the command's output); anything but y or yes, Ctrl-C or Ctrl-D is no. */
function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise<boolean>((resolve) => {
    const answer = (text: string) => {
      resolve(/^(y|yes)$/i.test(text.trim()));
      rl.close();
    };
    rl.on('SIGINT', () => {
      process.stderr.write('\n');
      answer('');
    });
    rl.on('close', () => resolve(false));
    rl.question(`${question} [y/N] `, answer);
  });
}

const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  version: cliVersion(),
  ask: interactive ? ask : undefined,
});
process.exitCode = code;
