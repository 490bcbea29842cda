// Entry point of the bundled CLI (dist/cli.mjs): wires runCli to the process and exits with its code.
import { readFileSync } from 'node:fs';
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

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  version: cliVersion(),
});
process.exitCode = code;
